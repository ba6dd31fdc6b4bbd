// Parameter and gradient synchronization on top of a Communicator (docs/architecture.md):
// start-of-run broadcast from rank 0, the step's gradient sum after local accumulation, and
// an optional check that every rank holds bit-identical parameters.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "dist/communicator.h"

namespace artic {

void broadcast_parameters(Communicator& comm, const std::vector<torch::Tensor>& tensors,
                          int64_t bucket_bytes);

// Sums the gradients of `params` over ranks in place (missing gradients become zeros, so every
// rank reduces the same layout). `extra` (optional, a small tensor of the gradients' dtype and
// device, e.g. the step's loss) is summed too, in the last bucket instead of a collective of its
// own. Returns the bytes sent into the all-reduce.
int64_t reduce_gradients(Communicator& comm, const std::vector<torch::Tensor>& params,
                         int64_t bucket_bytes, const torch::Tensor& extra = {});

// 64-bit hash of the parameters' bytes (dtype, shape and values).
uint64_t parameter_hash(const std::vector<torch::Tensor>& tensors);
// Gathers every rank's hash; throws std::runtime_error naming the ranks that differ.
void check_parameters_consistent(const std::vector<torch::Tensor>& tensors, int64_t step);

}  // namespace artic
