// The [dist] section (docs/distributed.md): communicator backend, gradient buckets and overlap,
// collective deadline, and the consistency check.
#pragma once

#include <string>
#include <vector>

#include "core/enum_names.h"

namespace artic {

enum class Backend { Auto, Mpi, Nccl };  // auto: NCCL on CUDA, MPI on CPU
inline const std::vector<std::string>& names_of(Backend) {
  static const std::vector<std::string> names = {"auto", "mpi", "nccl"};
  return names;
}

enum class Overlap { Auto, On, Off };  // auto: on with NCCL
inline const std::vector<std::string>& names_of(Overlap) {
  static const std::vector<std::string> names = {"auto", "on", "off"};
  return names;
}

struct DistConfig {
  Backend backend = Backend::Auto;
  double bucket_mb = 25.0;
  bool check_consistency = false;
  double timeout_s = 300.0;
  bool allow_shared_gpu = false;  // removed: true is refused (NCCL refuses two ranks on one GPU)
  Overlap overlap = Overlap::Auto;
};

}  // namespace artic
