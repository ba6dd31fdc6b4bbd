// The gradient all-reduce overlapped with the last micro-batch's backward pass
// (docs/architecture.md, one training step): parameters are bucketed in reverse order (roughly the
// order backward finishes them), and a post-accumulation hook on each parameter starts its bucket's
// all-reduce as soon as every gradient in it and in the buckets before it is final (the same order
// on every rank). finish() starts what is left (parameters without gradients), waits, and writes
// the sums back into the gradients. An `extra` tensor (the step's loss and counts) rides in the
// last bucket. The result equals reduce_gradients().
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "dist/communicator.h"

namespace torch::autograd {
struct Node;
}

namespace artic {

class OverlapReducer {
 public:
  OverlapReducer(Communicator& comm, const std::vector<torch::Tensor>& params,
                 int64_t bucket_bytes);
  ~OverlapReducer();
  OverlapReducer(const OverlapReducer&) = delete;
  OverlapReducer& operator=(const OverlapReducer&) = delete;

  // The next backward pass is the step's last one on this rank: reduce as gradients finish.
  // `extra` (optional; the gradients' dtype and device) is summed in place in the last bucket.
  void arm(const torch::Tensor& extra = {});
  // Completes the reduction; returns the bytes sent into the all-reduce. Call once per step,
  // armed or not, on every rank; `extra` is used only when the step was not armed.
  int64_t finish(const torch::Tensor& extra = {});
  // Buckets started by hooks during the last armed backward (for tests and logs).
  int64_t started_early() const { return started_early_; }

  void gradient_ready(size_t index);  // called by the hooks

 private:
  void start_bucket(size_t bucket);
  std::vector<size_t> bucket_with_extra(size_t bucket) const;
  void check_extra(const torch::Tensor& extra) const;

  Communicator& comm_;
  std::vector<torch::Tensor> params_;  // reverse order of the model's parameters
  std::vector<std::vector<size_t>> buckets_;
  std::vector<size_t> bucket_of_;
  std::vector<size_t> waiting_;  // per bucket: gradients not final yet
  std::vector<torch::Tensor> flats_;
  torch::Tensor extra_;
  std::vector<std::shared_ptr<torch::autograd::Node>> accumulators_;
  std::vector<uintptr_t> hook_keys_;
  std::mutex mutex_;
  size_t next_ = 0;  // buckets before it have started
  bool armed_ = false;
  int64_t bytes_ = 0;
  int64_t started_early_ = 0;
};

}  // namespace artic
