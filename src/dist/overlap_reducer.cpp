#include "dist/overlap_reducer.h"

#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/function_hook.h>
#include <torch/csrc/autograd/variable.h>

#include <stdexcept>

namespace artic {
namespace {

struct ReadyHook : torch::autograd::FunctionPostHook {
  ReadyHook(OverlapReducer* reducer, size_t index) : reducer_(reducer), index_(index) {}
  torch::autograd::variable_list operator()(
      const torch::autograd::variable_list& outputs,
      const torch::autograd::variable_list& /*inputs*/) override {
    reducer_->gradient_ready(index_);
    return outputs;
  }
  OverlapReducer* reducer_;
  size_t index_;
};

}  // namespace

OverlapReducer::OverlapReducer(Communicator& comm, const std::vector<torch::Tensor>& params,
                               int64_t bucket_bytes)
    : comm_(comm), params_(params.rbegin(), params.rend()) {
  buckets_ = make_buckets(params_, bucket_bytes);
  bucket_of_.resize(params_.size());
  for (size_t b = 0; b < buckets_.size(); ++b) {
    for (size_t i : buckets_[b]) bucket_of_[i] = b;
  }
  for (size_t i = 0; i < params_.size(); ++i) {
    if (!params_[i].requires_grad()) {
      throw std::invalid_argument("OverlapReducer: parameter does not require a gradient");
    }
    // The accumulator is held here: the parameter keeps only a weak reference, and a new one
    // (without the hook) would replace it once this one was gone.
    auto acc = torch::autograd::impl::grad_accumulator(params_[i]);
    hook_keys_.push_back(acc->add_post_hook(std::make_unique<ReadyHook>(this, i)));
    accumulators_.push_back(std::move(acc));
  }
  waiting_.resize(buckets_.size());
  flats_.resize(buckets_.size());
}

OverlapReducer::~OverlapReducer() {
  for (size_t i = 0; i < accumulators_.size(); ++i) accumulators_[i]->del_post_hook(hook_keys_[i]);
}

void OverlapReducer::check_extra(const torch::Tensor& extra) const {
  if (!extra.defined() || params_.empty()) return;
  const torch::Tensor& last = params_.back();
  if (extra.scalar_type() != last.scalar_type() || extra.device() != last.device() ||
      !extra.is_contiguous()) {
    throw std::invalid_argument(
        "OverlapReducer: the extra tensor must be contiguous, with the dtype and device of the "
        "model's first parameter");
  }
}

void OverlapReducer::arm(const torch::Tensor& extra) {
  std::lock_guard<std::mutex> lock(mutex_);
  check_extra(extra);
  extra_ = extra;
  for (size_t b = 0; b < buckets_.size(); ++b) {
    waiting_[b] = buckets_[b].size();
    flats_[b] = torch::Tensor();
  }
  bytes_ = 0;
  started_early_ = 0;
  next_ = 0;
  armed_ = true;
}

void OverlapReducer::gradient_ready(size_t index) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!armed_) return;
  const size_t b = bucket_of_[index];
  if (waiting_[b] > 0) --waiting_[b];
  // Buckets start in index order on every rank (collectives must match across ranks), each as
  // soon as it and all before it are complete.
  while (next_ < buckets_.size() && waiting_[next_] == 0) {
    start_bucket(next_++);
    ++started_early_;
  }
}

// Indices into the gradients with the extra tensor at the end (index params_.size()).
std::vector<size_t> OverlapReducer::bucket_with_extra(size_t b) const {
  std::vector<size_t> idx = buckets_[b];
  if (b + 1 == buckets_.size() && extra_.defined()) idx.push_back(params_.size());
  return idx;
}

void OverlapReducer::start_bucket(size_t b) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> grads(params_.size() + 1);
  for (size_t i : buckets_[b]) {
    grads[i] = params_[i].grad().defined() ? params_[i].grad() : torch::zeros_like(params_[i]);
  }
  grads.back() = extra_;
  flats_[b] = flatten(grads, bucket_with_extra(b));
  bytes_ += flats_[b].numel() * static_cast<int64_t>(flats_[b].element_size());
  comm_.start_all_reduce_flat(flats_[b]);
}

int64_t OverlapReducer::finish(const torch::Tensor& extra) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!armed_) {
    bytes_ = 0;
    next_ = 0;
    check_extra(extra);
    extra_ = extra;
  }
  armed_ = false;
  while (next_ < buckets_.size()) start_bucket(next_++);
  comm_.wait_all();
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> grads;
  for (auto& p : params_) {
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
    grads.push_back(p.grad());
  }
  grads.push_back(extra_);
  for (size_t b = 0; b < buckets_.size(); ++b) {
    unflatten(flats_[b], grads, bucket_with_extra(b));
    flats_[b] = torch::Tensor();
  }
  extra_ = torch::Tensor();
  return bytes_;
}

}  // namespace artic
