#include "train/placement.h"

#include <sched.h>

#include <algorithm>
#include <cstdlib>
#include <thread>

namespace artic {

ThreadChoice choose_threads(int configured, const char* omp_num_threads, int affinity_cpus,
                            int node_cpus, int local_ranks) {
  if (configured > 0) return {configured, "training.threads"};
  if (omp_num_threads != nullptr) {
    char* end = nullptr;
    const long n = std::strtol(omp_num_threads, &end, 10);
    if (end != omp_num_threads && *end == '\0' && n > 0 && n <= 4096) {
      return {static_cast<int>(n), "OMP_NUM_THREADS"};
    }
  }
  if (affinity_cpus > 0 && affinity_cpus < node_cpus) {
    return {affinity_cpus, "CPUs bound to this rank"};
  }
  return {std::max(1, node_cpus / std::max(1, local_ranks)), "node CPUs / ranks on the node"};
}

ThreadChoice choose_threads(int configured, int local_ranks) {
  cpu_set_t set;
  CPU_ZERO(&set);
  const int affinity = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : 0;
  const int node = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return choose_threads(configured, std::getenv("OMP_NUM_THREADS"), affinity, node, local_ranks);
}

std::string gpu_share_problem(int local_ranks, int gpus, bool allow_shared,
                              const std::string& host) {
  if (gpus <= 0 || local_ranks <= gpus || allow_shared) return {};
  return std::to_string(local_ranks) + " ranks on " + host + " but only " + std::to_string(gpus) +
         " GPU(s) visible: start at most " + std::to_string(gpus) +
         " ranks per node (launch/artic-run does) or set dist.allow_shared_gpu = true to let "
         "ranks share GPUs";
}

}  // namespace artic
