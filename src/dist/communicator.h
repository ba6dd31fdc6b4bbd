// Tensor collectives across ranks. A backend implements in-place primitives on one flat,
// contiguous tensor; bucketing of many tensors into flat buffers is shared (all_reduce_sum).
// Backends: "mpi" (CPU tensors, always built) and "nccl" (CUDA tensors, when built with NCCL).
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "dist/dist_config.h"
#include "dist/topology.h"

namespace artic {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual std::string name() const = 0;
  // Sums a contiguous tensor across ranks, in place.
  virtual void all_reduce_flat(torch::Tensor& flat) = 0;
  // Copies root's contiguous tensor to every rank, in place.
  virtual void broadcast_flat(torch::Tensor& flat, int root) = 0;
  virtual void barrier() = 0;
  // Starts summing `flat` across ranks; `flat` must stay alive and untouched until wait_all().
  // Every rank must start the same sequence. Backends without asynchronous collectives finish
  // it right here.
  virtual void start_all_reduce_flat(torch::Tensor& flat) { all_reduce_flat(flat); }
  // Every started all-reduce has finished before anything queued after this call uses its result
  // (a device backend may return before the device is done).
  virtual void wait_all() {}
  // Throws if an all-reduce waited for earlier failed or timed out after wait_all() returned.
  virtual void raise_if_failed() {}
};

// Bucketing shared by the collectives: consecutive runs of same-dtype, same-device tensors of
// at most bucket_bytes (a larger tensor gets a bucket of its own), as indices into `tensors`.
std::vector<std::vector<size_t>> make_buckets(const std::vector<torch::Tensor>& tensors,
                                              int64_t bucket_bytes);
torch::Tensor flatten(const std::vector<torch::Tensor>& tensors, const std::vector<size_t>& idx);
void unflatten(const torch::Tensor& flat, const std::vector<torch::Tensor>& tensors,
               const std::vector<size_t>& idx);

// Sums `tensors` across ranks in place, one all-reduce per bucket (indices into `tensors`), all
// started before the first is waited for. Returns the bytes sent into the all-reduce.
int64_t all_reduce_buckets(Communicator& comm, const std::vector<torch::Tensor>& tensors,
                           const std::vector<std::vector<size_t>>& buckets);
// Sums `tensors` across ranks in place, fused into flat buckets of at most bucket_bytes (per
// dtype and device, in the given order). Non-contiguous tensors are handled. Returns the bytes
// sent into the all-reduce.
int64_t all_reduce_sum(Communicator& comm, const std::vector<torch::Tensor>& tensors,
                       int64_t bucket_bytes);
// Broadcasts `tensors` from root in place, fused the same way.
void broadcast(Communicator& comm, const std::vector<torch::Tensor>& tensors, int root,
               int64_t bucket_bytes);

std::unique_ptr<Communicator> make_mpi_communicator();
// dist.backend with "auto" resolved: NCCL on CUDA, MPI on CPU.
Backend resolve_backend(const DistConfig& config, bool cuda);

// The communicator for dist.backend and the device. Throws ConfigError when the choice is not
// possible (e.g. nccl in a build without NCCL).
std::unique_ptr<Communicator> make_communicator(const DistConfig& config,
                                                const torch::Device& device);

}  // namespace artic
