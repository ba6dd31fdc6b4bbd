#include "train/placement.h"

#include <sched.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>
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

std::string shared_gpu_problem(const std::vector<std::string>& hosts,
                               const std::vector<std::string>& gpu_ids) {
  for (size_t a = 0; a < gpu_ids.size(); ++a) {
    for (size_t b = a + 1; b < gpu_ids.size(); ++b) {
      if (gpu_ids[a].empty() || gpu_ids[a] != gpu_ids[b] || hosts.at(a) != hosts.at(b)) continue;
      return "ranks " + std::to_string(a) + " and " + std::to_string(b) + " on " + hosts[a] +
             " would share GPU " + gpu_ids[a] +
             ": start at most one rank per GPU on each node (launch/artic-run does; under Slurm "
             "request GPUs per node, e.g. --gpus-per-node, so that every rank sees all of them); "
             "GPUs cannot be shared: NCCL refuses two ranks on one GPU";
    }
  }
  return {};
}

namespace {

// "section.key" and value of the first line where two TOML texts (as config_to_toml writes them:
// [section] headers, then key = value lines) differ.
std::string first_difference(const std::string& a, const std::string& b, const std::string& other) {
  std::istringstream in_a(a), in_b(b);
  std::string line_a, line_b, section;
  for (;;) {
    const bool more_a = static_cast<bool>(std::getline(in_a, line_a));
    const bool more_b = static_cast<bool>(std::getline(in_b, line_b));
    if (!more_a && !more_b) return "the config";
    if (more_a && !line_a.empty() && line_a.front() == '[') section = line_a;
    if (more_a && more_b && line_a == line_b) continue;
    const auto key = [&](const std::string& line) {
      const size_t eq = line.find(" = ");
      std::string name = section.size() > 2 ? section.substr(1, section.size() - 2) + "." : "";
      return eq == std::string::npos ? line : name + line.substr(0, eq);
    };
    const std::string where = more_a ? key(line_a) : key(line_b);
    return where + " (rank 0: '" + (more_a ? line_a : "") + "', " + other + ": '" +
           (more_b ? line_b : "") + "')";
  }
}

}  // namespace

std::string rank_disagreement(const std::vector<RankChoice>& ranks) {
  for (size_t r = 1; r < ranks.size(); ++r) {
    const RankChoice& a = ranks[0];
    const RankChoice& b = ranks[r];
    const std::string who = "rank " + std::to_string(r) + " on " + b.host;
    if (a.device != b.device || a.backend != b.backend) {
      return "ranks disagree on where to train: " + who + " chose " + b.device + " with the " +
             b.backend + " backend, rank 0 on " + a.host + " chose " + a.device + " with " +
             a.backend + "; every rank must see the same kind of device (check " +
             "CUDA_VISIBLE_DEVICES and the GPU request of the job on " + b.host + ")";
    }
    if (a.config_toml != b.config_toml) {
      return "ranks disagree on the config: " + who + " differs from rank 0 at " +
             first_difference(a.config_toml, b.config_toml, "rank " + std::to_string(r)) +
             "; start every rank with the same config file and --set options";
    }
  }
  return {};
}

}  // namespace artic
