// Where a rank runs: how many intra-op threads a CPU rank uses (so the ranks on a node do not
// oversubscribe it), and whether the ranks on a node may share its GPUs.
#pragma once

#include <string>
#include <vector>

namespace artic {

struct ThreadChoice {
  int threads = 1;
  std::string reason;  // for the log: which rule decided
};

// training.threads when > 0; else OMP_NUM_THREADS when set (artic-run and Slurm scripts set it);
// else the CPUs this process may run on: all of them when a launcher bound it to a share of the
// node (fewer than the node has), the node's CPUs divided by the ranks on it otherwise.
ThreadChoice choose_threads(int configured, const char* omp_num_threads, int affinity_cpus,
                            int node_cpus, int local_ranks);

// choose_threads for this process (reads OMP_NUM_THREADS and the CPU affinity mask).
ThreadChoice choose_threads(int configured, int local_ranks);

// What one rank chose before any collective depends on it: the device kind ("cpu", "cuda"), the
// communicator backend and the resolved config as TOML.
struct RankChoice {
  std::string host;
  std::string device;
  std::string backend;
  std::string config_toml;
};

// Empty when every rank chose as rank 0 did; else one sentence naming the first rank that did
// not, its host, and what differs (device and backend, or the first config key with both values).
std::string rank_disagreement(const std::vector<RankChoice>& ranks);

// Empty when no two ranks use the same physical GPU (same host and PCI bus id; gpu_ids[r] is
// empty for a CPU rank); else the error to show, naming the ranks, the host, the GPU and the way
// out (NCCL refuses two ranks on one GPU). Identity, not counting: under Slurm's per-task GPU
// binding each rank sees one GPU with index 0, and those are different GPUs.
std::string shared_gpu_problem(const std::vector<std::string>& hosts,
                               const std::vector<std::string>& gpu_ids);

}  // namespace artic
