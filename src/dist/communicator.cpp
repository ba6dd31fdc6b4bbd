#include "dist/communicator.h"

#include "core/error.h"

#ifdef ARTIC_HAVE_NCCL
#include "dist/nccl_communicator.h"
#endif

namespace artic {

std::vector<std::vector<size_t>> make_buckets(const std::vector<torch::Tensor>& tensors,
                                              int64_t bucket_bytes) {
  std::vector<std::vector<size_t>> buckets;
  int64_t bytes = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const auto& t = tensors[i];
    const int64_t size = t.numel() * static_cast<int64_t>(t.element_size());
    const bool fits =
        !buckets.empty() && tensors[buckets.back().front()].scalar_type() == t.scalar_type() &&
        tensors[buckets.back().front()].device() == t.device() && bytes + size <= bucket_bytes;
    if (!fits) {
      buckets.emplace_back();
      bytes = 0;
    }
    buckets.back().push_back(i);
    bytes += size;
  }
  return buckets;
}

torch::Tensor flatten(const std::vector<torch::Tensor>& tensors, const std::vector<size_t>& idx) {
  std::vector<torch::Tensor> parts;
  for (size_t i : idx) parts.push_back(tensors[i].reshape({-1}));
  return torch::cat(parts);
}

void unflatten(const torch::Tensor& flat, const std::vector<torch::Tensor>& tensors,
               const std::vector<size_t>& idx) {
  int64_t offset = 0;
  for (size_t i : idx) {
    torch::Tensor t = tensors[i];
    const int64_t n = t.numel();
    t.copy_(flat.slice(0, offset, offset + n).view(t.sizes()));
    offset += n;
  }
}

int64_t all_reduce_buckets(Communicator& comm, const std::vector<torch::Tensor>& tensors,
                           const std::vector<std::vector<size_t>>& buckets) {
  int64_t sent = 0;
  std::vector<torch::Tensor> flats;
  for (const auto& bucket : buckets) {
    flats.push_back(flatten(tensors, bucket));
    sent += flats.back().numel() * static_cast<int64_t>(flats.back().element_size());
    comm.start_all_reduce_flat(flats.back());
  }
  comm.wait_all();
  for (size_t b = 0; b < buckets.size(); ++b) unflatten(flats[b], tensors, buckets[b]);
  return sent;
}

int64_t all_reduce_sum(Communicator& comm, const std::vector<torch::Tensor>& tensors,
                       int64_t bucket_bytes) {
  return all_reduce_buckets(comm, tensors, make_buckets(tensors, bucket_bytes));
}

void broadcast(Communicator& comm, const std::vector<torch::Tensor>& tensors, int root,
               int64_t bucket_bytes) {
  for (const auto& bucket : make_buckets(tensors, bucket_bytes)) {
    torch::Tensor flat = flatten(tensors, bucket);
    comm.broadcast_flat(flat, root);
    unflatten(flat, tensors, bucket);
  }
}

Backend resolve_backend(const DistConfig& config, bool cuda) {
  if (config.backend != Backend::Auto) return config.backend;
  return cuda ? Backend::Nccl : Backend::Mpi;
}

std::unique_ptr<Communicator> make_communicator(const DistConfig& config,
                                                const torch::Device& device) {
  const bool cuda = device.is_cuda();
  if (resolve_backend(config, cuda) == Backend::Mpi) {
    if (cuda) {
      throw ConfigError(
          "dist.backend = \"mpi\" reduces CPU tensors only; use \"nccl\" or \"auto\" "
          "on CUDA");
    }
    return make_mpi_communicator();
  }
#ifdef ARTIC_HAVE_NCCL
  if (!cuda) throw ConfigError("dist.backend = \"nccl\" needs CUDA tensors; use \"mpi\" on CPU");
  return make_nccl_communicator(device.index(), config.timeout_s);
#else
  throw ConfigError(
      "dist.backend = \"nccl\" is not available: this artic was built without NCCL "
      "(configure on a machine with CUDA and NCCL)");
#endif
}

}  // namespace artic
