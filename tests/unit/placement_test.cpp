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

TEST(Placement, RanksBeyondGpusNeedPermission) {
  EXPECT_EQ(gpu_share_problem(4, 4, false, "n1"), "");
  EXPECT_EQ(gpu_share_problem(2, 8, false, "n1"), "");
  EXPECT_EQ(gpu_share_problem(8, 4, true, "n1"), "");
  EXPECT_EQ(gpu_share_problem(8, 0, false, "n1"), "") << "CPU ranks";
  const std::string e = gpu_share_problem(8, 4, false, "gpu07");
  EXPECT_NE(e.find("8 ranks on gpu07 but only 4 GPU(s)"), std::string::npos) << e;
  EXPECT_NE(e.find("dist.allow_shared_gpu"), std::string::npos) << e;
}

TEST(RankDisagreement, NamesTheRankAndWhatDiffers) {
  const std::string toml = "[run]\nname = \"a\"\nseed = 7\n\n[training]\ndevice = \"auto\"\n";
  std::vector<RankChoice> ranks = {{"n1", "cuda", "nccl", toml}, {"n1", "cuda", "nccl", toml},
                                   {"n2", "cpu", "mpi", toml}};
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
