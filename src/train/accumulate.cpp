#include "train/accumulate.h"

#include <array>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "dist/grad_sync.h"
#include "train/autocast.h"
#include "train/phase_clock.h"
#include "train/update.h"

namespace artic {
namespace {

// The step's loss sum (fp64) and this rank's FLOPs, carried in the gradients' dtype so they can
// ride in the last gradient bucket: each value as a high and a low part (hi + lo keeps ~48 bits
// of an fp64 in fp32; the sum over ranks rounds like fp32, ~1e-7 relative per rank).
torch::Tensor pack_figures(const torch::Tensor& sse_sum, double flops,
                           const torch::TensorOptions& options) {
  const torch::Tensor hi = sse_sum.to(options.dtype());
  const torch::Tensor lo = (sse_sum - hi.to(torch::kFloat64)).to(options.dtype());
  const auto flops_hi = static_cast<double>(static_cast<float>(flops));
  torch::Tensor figures = torch::empty({4}, options);
  figures[0].copy_(hi);
  figures[1].copy_(lo);
  figures[2].fill_(flops_hi);
  figures[3].fill_(flops - flops_hi);
  return figures;
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
  double local_flops = 0;
  for (const auto& m : micro) {
    r.global_frames += m.all_ranks_real_frames;
    r.global_padded_frames += m.all_ranks_padded_frames;
    local_flops += m.model_flops;
  }
  if (r.global_frames == 0) {
    throw std::invalid_argument(
        "accumulate_gradients: the step has no frames (MicroBatch::all_ranks_real_frames)");
  }

  const auto params = model.parameters();
  for (auto& p : params) {
    if (p.grad().defined()) p.mutable_grad().zero_();
  }
  const double scale = 1.0 / (static_cast<double>(r.global_frames) *
                              static_cast<double>(model.shape().num_articulators));
  const auto options = params.front().options();
  torch::Tensor sse_sum = torch::zeros({}, options.dtype(torch::kFloat64));
  size_t last = micro.size();
  for (size_t k = 0; k < micro.size(); ++k) {
    if (micro[k].real_frames > 0) last = k;
  }
  torch::Tensor figures;  // summed over ranks with the gradients
  PhaseClock clock(params.front().device());
  std::vector<std::array<size_t, 3>> passes;  // forward start, forward end, backward end
  for (size_t k = 0; k < micro.size(); ++k) {
    const MicroBatch& m = micro[k];
    if (m.real_frames == 0) continue;
    const size_t forward_start = clock.mark();
    torch::Tensor prediction;
    {
      const CudaBf16Autocast autocast(bf16_autocast);
      prediction = m.lengths.defined()
                       ? model.forward_with_lengths(m.features, m.pad_mask, m.lengths)
                       : model.forward(m.features, m.pad_mask);
    }
    const torch::Tensor sse = masked_sse(prediction, m.targets, m.pad_mask);
    sse_sum += sse.detach().to(torch::kFloat64);
    const size_t forward_end = clock.mark();
    if (overlap != nullptr && k == last) {
      figures = pack_figures(sse_sum, local_flops, options);
      overlap->arm(figures);
    }
    (sse * scale).backward();
    passes.push_back({forward_start, forward_end, clock.mark()});
  }
  const size_t allreduce_start = clock.mark();
  if (overlap != nullptr) {
    if (!figures.defined()) figures = pack_figures(sse_sum, local_flops, options);
    r.allreduce_bytes = overlap->finish(figures);
  } else {
    figures = pack_figures(sse_sum, local_flops, options);
    r.allreduce_bytes = reduce_gradients(comm, params, bucket_bytes, figures);
  }
  r.grad_norm_tensor = gradient_norm(params);
  // On a GPU the all-reduce phase ends here on the device's timeline; on a CPU, after the copy
  // below, which waits for it.
  size_t allreduce_end = clock.mark();
  // The step's only device-to-host copy: it waits for backward and the all-reduce to finish.
  const torch::Tensor host =
      torch::cat({figures.to(torch::kFloat64), r.grad_norm_tensor.to(torch::kFloat64).reshape(1)})
          .to(torch::kCPU);
  comm.raise_if_failed();  // a collective that timed out has released the copy above
  const double* h = host.data_ptr<double>();
  if (!clock.on_device()) allreduce_end = clock.mark();
  for (const auto& [start, middle, end] : passes) {
    r.forward_seconds += clock.seconds(start, middle);
    r.backward_seconds += clock.seconds(middle, end);
  }
  r.allreduce_seconds = clock.seconds(allreduce_start, allreduce_end);
  r.loss = (h[0] + h[1]) * scale;
  r.global_model_flops = h[2] + h[3];
  r.grad_norm = h[4];
  return r;
}

}  // namespace artic
