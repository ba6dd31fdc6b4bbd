// One optimizer step's gradients under the exact accumulation rule (docs/training.md, the loss and
// gradient accumulation): the global number N of real frames over all micro-batches and ranks is
// known on every rank from the sampler's global plan (no collective); every micro-batch
// backpropagates sum((y - y_hat)^2 over its real frames and channels) / (N * A); gradients add
// up locally, then one bucketed all-reduce sums them over ranks, with the step's loss and FLOPs in
// its last bucket. The result equals the gradient of the mean squared error over all the step's
// frames computed in one process. One device-to-host copy per step reads the loss and the
// gradient norm together, after every kernel and collective of the step has been queued.
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
  torch::Tensor lengths;   // [B] int64 on the host: each row's real frames (undefined: from mask)
  int64_t real_frames = 0;
  int64_t padded_frames = 0;  // B * T
  // This micro-batch index summed over every rank (Batch::all_ranks_*): the same on all ranks.
  int64_t all_ranks_real_frames = 0;
  int64_t all_ranks_padded_frames = 0;
  double model_flops = 0;  // forward + backward matmul FLOPs of the real frames
};

// The job's throughput figures cost no extra collective: frame counts come from the plan, the
// FLOPs ride with the loss in the gradients' last bucket.
struct AccumulateResult {
  int64_t global_frames = 0;  // N
  int64_t global_padded_frames = 0;
  double global_model_flops = 0;
  double loss = 0;                 // mean squared error per real frame and channel, over all ranks
  double grad_norm = 0;            // 2-norm of the summed gradients
  torch::Tensor grad_norm_tensor;  // the same, on the gradients' device (for clipping)
  int64_t allreduce_bytes = 0;
  // Phase times as the device ran them (train/phase_clock.h): CUDA events on a GPU, the host
  // clock on a CPU. allreduce: from the last backward to the summed gradients' norm.
  double forward_seconds = 0, backward_seconds = 0, allreduce_seconds = 0;
};

// Sum over real frames and channels of (prediction - target)^2, as a scalar tensor.
torch::Tensor masked_sse(const torch::Tensor& prediction, const torch::Tensor& target,
                         const torch::Tensor& pad_mask);

// Zeroes the gradients, runs forward/backward over `micro` and leaves the summed, scaled
// gradients in the model's parameters on every rank. Throws std::invalid_argument when the
// micro-batches' all_ranks_real_frames add up to 0. Empty micro-batches (no frames) only
// take part in the collectives. With bf16_autocast the forward pass runs under CUDA autocast
// (bfloat16 matmuls); the loss and the gradients stay fp32.
// With `overlap`, the all-reduce runs during the last micro-batch's backward instead of after
// it (same sums).
AccumulateResult accumulate_gradients(SequenceRegressorImpl& model,
                                      const std::vector<MicroBatch>& micro, Communicator& comm,
                                      int64_t bucket_bytes, bool bf16_autocast = false,
                                      OverlapReducer* overlap = nullptr);

}  // namespace artic
