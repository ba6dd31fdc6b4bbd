#include "train/accumulate.h"

#include <chrono>
#include <cmath>
#include <stdexcept>

#include "dist/grad_sync.h"
#include "dist/topology.h"
#include "train/autocast.h"

namespace artic {
namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

torch::Tensor masked_sse(const torch::Tensor& prediction, const torch::Tensor& target,
                         const torch::Tensor& pad_mask) {
  const torch::Tensor p = prediction.to(target.scalar_type());
  if (!pad_mask.defined()) return (p - target).pow(2).sum();
  const torch::Tensor real = pad_mask.logical_not().unsqueeze(-1).to(p.scalar_type());
  return ((p - target).pow(2) * real).sum();
}

AccumulateResult accumulate_gradients(SequenceRegressorImpl& model,
                                      const std::vector<MicroBatch>& micro, Communicator& comm,
                                      int64_t bucket_bytes, bool bf16_autocast,
                                      OverlapReducer* overlap) {
  AccumulateResult r;
  std::vector<int64_t> counts = {0, 0, 0};
  for (const auto& m : micro) {
    counts[0] += m.real_frames;
    counts[1] += m.padded_frames;
    counts[2] += std::llround(m.model_flops);
  }
  host_all_reduce_sum(counts);
  r.global_frames = counts[0];
  r.global_padded_frames = counts[1];
  r.global_model_flops = static_cast<double>(counts[2]);
  if (r.global_frames == 0)
    throw std::invalid_argument("accumulate_gradients: the step has no frames");

  const auto params = model.parameters();
  for (auto& p : params) {
    if (p.grad().defined()) p.mutable_grad().zero_();
  }
  const double scale = 1.0 / (static_cast<double>(r.global_frames) *
                              static_cast<double>(model.shape().num_articulators));
  torch::Tensor sse_sum = torch::zeros({1}, params.front().options().dtype(torch::kFloat64));
  size_t last = micro.size();
  for (size_t k = 0; k < micro.size(); ++k) {
    if (micro[k].real_frames > 0) last = k;
  }
  for (size_t k = 0; k < micro.size(); ++k) {
    const MicroBatch& m = micro[k];
    if (m.real_frames == 0) continue;
    if (overlap != nullptr && k == last) overlap->arm();
    auto t0 = std::chrono::steady_clock::now();
    torch::Tensor prediction;
    {
      const CudaBf16Autocast autocast(bf16_autocast);
      prediction = model.forward(m.features, m.pad_mask);
    }
    const torch::Tensor sse = masked_sse(prediction, m.targets, m.pad_mask);
    r.forward_seconds += seconds_since(t0);
    t0 = std::chrono::steady_clock::now();
    (sse * scale).backward();
    r.backward_seconds += seconds_since(t0);
    sse_sum += sse.detach().to(torch::kFloat64);
  }
  const auto t0 = std::chrono::steady_clock::now();
  r.allreduce_bytes =
      overlap != nullptr ? overlap->finish() : reduce_gradients(comm, params, bucket_bytes);
  r.allreduce_bytes += all_reduce_sum(comm, {sse_sum}, bucket_bytes);
  r.allreduce_seconds = seconds_since(t0);
  r.loss = sse_sum.item<double>() * scale;
  return r;
}

}  // namespace artic
