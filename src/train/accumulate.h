// One optimizer step's gradients under the exact accumulation rule (DESIGN.md §5): the global
// number N of real frames over all micro-batches and ranks is agreed first; every micro-batch
// backpropagates sum((y - y_hat)^2 over its real frames and channels) / (N * A); gradients add
// up locally, then one bucketed all-reduce sums them over ranks. The result equals the gradient
// of the mean squared error over all the step's frames computed in one process.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "dist/communicator.h"
#include "dist/overlap_reducer.h"
#include "model/model.h"

namespace artic {

struct MicroBatch {
  torch::Tensor features;  // [B, T, F]
  torch::Tensor targets;   // [B, T, A]
  torch::Tensor pad_mask;  // [B, T] bool, true = pad; undefined when every frame is real
  int64_t real_frames = 0;
  int64_t padded_frames = 0;  // B * T
  double model_flops = 0;     // forward + backward matmul FLOPs of the real frames
};

// N and the other step totals come from one all-reduce of every rank's counts (the one the loss
// scale needs anyway), so the job's throughput costs no extra collective.
struct AccumulateResult {
  int64_t global_frames = 0;  // N
  int64_t global_padded_frames = 0;
  double global_model_flops = 0;
  double loss = 0;  // mean squared error per real frame and channel, over all ranks
  int64_t allreduce_bytes = 0;
  double forward_seconds = 0, backward_seconds = 0, allreduce_seconds = 0;
};

// Sum over real frames and channels of (prediction - target)^2, as a scalar tensor.
torch::Tensor masked_sse(const torch::Tensor& prediction, const torch::Tensor& target,
                         const torch::Tensor& pad_mask);

// Zeroes the gradients, runs forward/backward over `micro` and leaves the summed, scaled
// gradients in the model's parameters on every rank. Empty micro-batches (no frames) only
// take part in the collectives. With bf16_autocast the forward pass runs under CUDA autocast
// (bfloat16 matmuls); the loss and the gradients stay fp32.
// With `overlap`, the all-reduce runs during the last micro-batch's backward instead of after
// it (same sums).
AccumulateResult accumulate_gradients(SequenceRegressorImpl& model,
                                      const std::vector<MicroBatch>& micro, Communicator& comm,
                                      int64_t bucket_bytes, bool bf16_autocast = false,
                                      OverlapReducer* overlap = nullptr);

}  // namespace artic
