#include "train/predict.h"

#include <stdexcept>

#include "data/batch.h"
#include "dist/topology.h"

namespace artic {

SplitResult evaluate_split(SequenceRegressorImpl& model, const FrameSource& source,
                           const std::vector<size_t>& utterances, const Normalizer& normalizer,
                           const SamplerOptions& batching, const torch::Device& device,
                           const PredictionSink& sink) {
  if (batching.batching.mode != BatchOrder::Sequential) {
    throw std::invalid_argument("evaluate_split: batching mode '" +
                                name_of(batching.batching.mode) + "' is not sequential");
  }
  std::vector<int64_t> lengths;
  lengths.reserve(utterances.size());
  for (size_t i : utterances) lengths.push_back(source.utterances()[i].length);
  BatchSampler sampler(lengths, batching);
  const int64_t na = static_cast<int64_t>(normalizer.articulator_names.size());
  MetricAccumulator metrics(normalizer.articulator_names);
  std::vector<double> loss = {0.0, 0.0};  // squared error sum, frames
  const bool was_training = model.is_training();
  model.eval();
  torch::NoGradGuard no_grad;
  const auto dtype = model.parameters().front().scalar_type();
  std::vector<float> pred_mm, target_mm;
  std::vector<Segment> batch_segs;
  Batch batch;
  while (sampler.next(&batch)) {
    if (batch.items.empty()) continue;  // this rank has nothing at this step
    batch_segs.clear();
    for (int64_t k : batch.items) {
      batch_segs.push_back({static_cast<int64_t>(utterances[static_cast<size_t>(k)]), 0,
                            lengths[static_cast<size_t>(k)]});
    }
    const TrainBatch b = collate(batch_segs, source, normalizer);
    const torch::Tensor pred =
        model.forward_with_lengths(b.features.to(device, dtype), b.pad_mask.to(device), b.lengths)
            .to(torch::kCPU, torch::kFloat32)
            .contiguous();
    for (size_t i = 0; i < batch_segs.size(); ++i) {
      const int64_t len = batch_segs[i].length;
      const float* p = pred[static_cast<int64_t>(i)].data_ptr<float>();
      const float* y = b.targets[static_cast<int64_t>(i)].data_ptr<float>();
      for (int64_t k = 0; k < len * na; ++k) {
        const double d = static_cast<double>(p[k]) - y[k];
        loss[0] += d * d;
      }
      loss[1] += static_cast<double>(len);
      pred_mm.assign(p, p + len * na);
      target_mm.assign(y, y + len * na);
      normalizer.denormalize_targets(pred_mm.data(), len);
      normalizer.denormalize_targets(target_mm.data(), len);
      metrics.add_utterance(pred_mm.data(), target_mm.data(), len);
      if (sink) sink(static_cast<size_t>(batch_segs[i].utterance), pred_mm);
    }
  }
  if (was_training) model.train();
  std::vector<double> flat = metrics.to_flat();
  if (batching.world_size > 1) {
    host_all_reduce_sum(loss);
    host_all_reduce_sum(flat);
  }
  SplitResult r;
  r.frames = static_cast<int64_t>(loss[1]);
  r.loss = loss[1] > 0 ? loss[0] / (loss[1] * static_cast<double>(na)) : 0.0;
  r.metrics = MetricAccumulator::from_flat(normalizer.articulator_names, flat).result();
  return r;
}

}  // namespace artic
