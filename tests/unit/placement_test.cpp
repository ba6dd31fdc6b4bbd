// Placement of a rank: thread count per CPU rank (config, then OMP_NUM_THREADS, then the
// affinity mask, then an even share of the node) and GPU sharing between the ranks of a node.
#include <gtest/gtest.h>

#include "train/placement.h"

namespace artic {
namespace {

TEST(Threads, ConfigWins) {
  EXPECT_EQ(choose_threads(3, "8", 2, 16, 4).threads, 3);
  EXPECT_EQ(choose_threads(3, "8", 2, 16, 4).reason, "training.threads");
}

TEST(Threads, OmpNumThreadsNext) {
  EXPECT_EQ(choose_threads(0, "6", 16, 16, 4).threads, 6);
  for (const char* bad : {"", "x", "0", "-2", "4x", "99999"}) {
    EXPECT_EQ(choose_threads(0, bad, 16, 16, 4).threads, 4) << bad;
  }
}

TEST(Threads, BoundRanksUseTheirCpus) {
  EXPECT_EQ(choose_threads(0, nullptr, 3, 16, 4).threads, 3);
  EXPECT_EQ(choose_threads(0, nullptr, 3, 16, 4).reason, "CPUs bound to this rank");
}

TEST(Threads, UnboundRanksShareTheNode) {
  EXPECT_EQ(choose_threads(0, nullptr, 16, 16, 4).threads, 4);
  EXPECT_EQ(choose_threads(0, nullptr, 2, 2, 2).threads, 1);
  EXPECT_EQ(choose_threads(0, nullptr, 2, 2, 8).threads, 1);
  EXPECT_EQ(choose_threads(0, nullptr, 0, 2, 1).threads, 2);
}

// Two ranks on one GPU are refused, with no setting offered that would allow it: NCCL refuses
// them and the MPI backend does not take CUDA tensors.
TEST(Placement, RanksSharingAPhysicalGpuAreRefused) {
  const std::vector<std::string> hosts = {"n1", "n1", "n2", "n2"};
  // One GPU per rank under per-task binding: every rank sees "its" GPU as index 0.
  EXPECT_EQ(
      shared_gpu_problem(hosts, {"0000:1b:00.0", "0000:1c:00.0", "0000:1b:00.0", "0000:1c:00.0"}),
      "")
      << "the same bus id on two hosts is two GPUs";
  EXPECT_EQ(shared_gpu_problem(hosts, {"", "", "", ""}), "") << "CPU ranks";
  const std::vector<std::string> shared = {"0000:1b:00.0", "0000:1c:00.0", "0000:1b:00.0",
                                           "0000:1b:00.0"};
  const std::string e = shared_gpu_problem(hosts, shared);
  EXPECT_NE(e.find("ranks 2 and 3 on n2 would share GPU 0000:1b:00.0"), std::string::npos) << e;
  EXPECT_EQ(e.find("allow_shared_gpu"), std::string::npos)
      << "offers a setting that cannot work: " << e;
  EXPECT_NE(e.find("NCCL refuses two ranks on one GPU"), std::string::npos) << e;
  EXPECT_NE(e.find("--gpus-per-node"), std::string::npos) << e;
}

TEST(RankDisagreement, NamesTheRankAndWhatDiffers) {
  const std::string toml = "[run]\nname = \"a\"\nseed = 7\n\n[training]\ndevice = \"auto\"\n";
  std::vector<RankChoice> ranks = {
      {"n1", "cuda", "nccl", toml}, {"n1", "cuda", "nccl", toml}, {"n2", "cpu", "mpi", toml}};
  EXPECT_EQ(rank_disagreement({ranks[0], ranks[1]}), "");
  const std::string device = rank_disagreement(ranks);
  EXPECT_NE(device.find("rank 2 on n2 chose cpu with the mpi backend, rank 0 on n1 chose cuda"),
            std::string::npos)
      << device;
  EXPECT_NE(device.find("CUDA_VISIBLE_DEVICES"), std::string::npos);
  ranks[2] = {"n2", "cuda", "nccl",
              "[run]\nname = \"a\"\nseed = 7\n\n[training]\ndevice = \"cpu\"\n"};
  const std::string config = rank_disagreement(ranks);
  EXPECT_NE(config.find("rank 2 on n2 differs from rank 0 at training.device (rank 0: 'device = "
                        "\"auto\"', rank 2: 'device = \"cpu\"')"),
            std::string::npos)
      << config;
}

}  // namespace
}  // namespace artic
