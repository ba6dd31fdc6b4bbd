#include "train/predict.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "data/batch.h"
#include "data/segmenter.h"
#include "dist/topology.h"
#include "train/windowing.h"

namespace artic {
namespace {

// Frames of an utterance that the silence split does not call silent.
std::vector<int64_t> speech_frames(const FrameSource& source, const Segment& utterance,
                                   double silence_fraction) {
  const int64_t nf = static_cast<int64_t>(source.meta().feature_names.size());
  const int64_t na = static_cast<int64_t>(source.meta().articulator_names.size());
  std::vector<float> features(static_cast<size_t>(utterance.length * nf));
  std::vector<float> targets(static_cast<size_t>(utterance.length * na));
  source.read(utterance, features.data(), targets.data());
  const std::vector<float> energy = frame_energy_db(features.data(), utterance.length, nf);
  const std::vector<uint8_t> silent = silent_frames(energy, silence_fraction);
  std::vector<int64_t> out;
  for (int64_t t = 0; t < utterance.length; ++t) {
    if (!silent[static_cast<size_t>(t)]) out.push_back(t);
  }
  return out;
}

std::vector<float> rows(const std::vector<float>& values, const std::vector<int64_t>& frames,
                        int64_t width) {
  std::vector<float> out;
  out.reserve(frames.size() * static_cast<size_t>(width));
  for (int64_t t : frames) {
    out.insert(out.end(), values.begin() + t * width, values.begin() + (t + 1) * width);
  }
  return out;
}

// Per-utterance sums travel as MetricAccumulator flats: [all frames | speech frames].
struct UtteranceSums {
  size_t width;
  std::vector<double> flat;

  UtteranceSums(size_t utterances, size_t channels)
      : width(2 * (4 * channels + 2)), flat(utterances * width) {}
  void put(size_t k, const MetricAccumulator& all, const MetricAccumulator& speech) {
    const std::vector<double> a = all.to_flat(), s = speech.to_flat();
    std::copy(a.begin(), a.end(), flat.begin() + static_cast<std::ptrdiff_t>(k * width));
    std::copy(s.begin(), s.end(), flat.begin() + static_cast<std::ptrdiff_t>(k * width + a.size()));
  }
  UtteranceMetrics get(size_t k, const std::vector<std::string>& names, bool with_speech) const {
    const auto at = flat.begin() + static_cast<std::ptrdiff_t>(k * width);
    const auto half = static_cast<std::ptrdiff_t>(width / 2);
    const EvalMetrics all =
        MetricAccumulator::from_flat(names, std::vector<double>(at, at + half)).result();
    const EvalMetrics speech =
        MetricAccumulator::from_flat(names, std::vector<double>(at + half, at + 2 * half)).result();
    UtteranceMetrics u;
    u.frames = all.frames;
    u.all = all.per_channel;
    if (with_speech) {
      u.speech_frames = speech.frames;
      u.speech = speech.per_channel;
    }
    return u;
  }
};

// Predictions [B, T, A] (CPU float) of a batch of whole utterances, made window by window and
// joined by the tapered overlap-add; at most max_frames / window windows per forward pass.
torch::Tensor predict_in_windows(SequenceRegressorImpl& model, const std::vector<Segment>& utts,
                                 const FrameSource& source, const Normalizer& normalizer,
                                 const EvalOptions& o, const torch::Device& device,
                                 torch::ScalarType dtype, int64_t max_length, int64_t na) {
  torch::Tensor out = torch::zeros({static_cast<int64_t>(utts.size()), max_length, na});
  struct Piece {
    size_t utterance;
    Window window;
    std::vector<double> weights;
  };
  std::vector<Piece> pieces;
  for (size_t i = 0; i < utts.size(); ++i) {
    const std::vector<Window> windows = windows_of(utts[i].length, o.window, o.overlap);
    std::vector<std::vector<double>> weights = overlap_weights(windows, utts[i].length, o.overlap);
    for (size_t w = 0; w < windows.size(); ++w) {
      pieces.push_back({i, windows[w], std::move(weights[w])});
    }
  }
  const size_t per_pass =
      static_cast<size_t>(std::max<int64_t>(1, o.batching.batching.max_frames / o.window));
  for (size_t first = 0; first < pieces.size(); first += per_pass) {
    const size_t last = std::min(pieces.size(), first + per_pass);
    std::vector<Segment> segs;
    for (size_t k = first; k < last; ++k) {
      segs.push_back(
          {utts[pieces[k].utterance].utterance, pieces[k].window.start, pieces[k].window.length});
    }
    const TrainBatch b = collate(segs, source, normalizer);
    const torch::Tensor pred =
        model.forward_with_lengths(b.features.to(device, dtype), b.pad_mask.to(device), b.lengths)
            .to(torch::kCPU, torch::kFloat64);
    for (size_t k = first; k < last; ++k) {
      const Piece& p = pieces[k];
      const torch::Tensor w =
          torch::tensor(p.weights, torch::kFloat64).unsqueeze(1);  // [length, 1]
      out[static_cast<int64_t>(p.utterance)]
          .slice(0, p.window.start, p.window.start + p.window.length)
          .add_((pred[static_cast<int64_t>(k - first)].slice(0, 0, p.window.length) * w)
                    .to(torch::kFloat32));
    }
  }
  return out.contiguous();
}

}  // namespace

void predict_utterances(SequenceRegressorImpl& model, const FrameSource& source,
                        const std::vector<size_t>& utterances, const Normalizer& normalizer,
                        const EvalOptions& options, const torch::Device& device,
                        const UtteranceCallback& each) {
  const SamplerOptions& batching = options.batching;
  if (batching.batching.mode != BatchOrder::Sequential) {
    throw std::invalid_argument("predict_utterances: batching mode '" +
                                name_of(batching.batching.mode) + "' is not sequential");
  }
  std::vector<int64_t> lengths;
  lengths.reserve(utterances.size());
  for (size_t i : utterances) lengths.push_back(source.utterances()[i].length);
  BatchSampler sampler(lengths, batching);
  const int64_t na = static_cast<int64_t>(normalizer.articulator_names.size());
  const bool was_training = model.is_training();
  model.eval();
  torch::NoGradGuard no_grad;
  const auto dtype = model.parameters().front().scalar_type();
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
        options.window > 0 ? predict_in_windows(model, batch_segs, source, normalizer, options,
                                                device, dtype, b.features.size(1), na)
                           : model
                                 .forward_with_lengths(b.features.to(device, dtype),
                                                       b.pad_mask.to(device), b.lengths)
                                 .to(torch::kCPU, torch::kFloat32)
                                 .contiguous();
    for (size_t i = 0; i < batch_segs.size(); ++i) {
      each(static_cast<size_t>(batch.items[i]),
           {batch_segs[i], pred[static_cast<int64_t>(i)].data_ptr<float>(),
            b.targets[static_cast<int64_t>(i)].data_ptr<float>()});
    }
  }
  if (was_training) model.train();
}

SplitResult evaluate_split(SequenceRegressorImpl& model, const FrameSource& source,
                           const std::vector<size_t>& utterances, const Normalizer& normalizer,
                           const EvalOptions& options, const torch::Device& device,
                           const PredictionSink& sink) {
  const bool with_speech = std::isfinite(options.silence_fraction);
  const std::vector<std::string>& names = normalizer.articulator_names;
  const int64_t na = static_cast<int64_t>(names.size());
  MetricAccumulator metrics(names), speech_metrics(names);
  UtteranceSums per_utterance(utterances.size(), names.size());
  std::vector<double> loss = {0.0, 0.0};  // squared error sum, frames
  std::vector<float> pred_mm, target_mm;
  predict_utterances(model, source, utterances, normalizer, options, device,
                     [&](size_t k, const UtterancePrediction& u) {
                       const int64_t len = u.segment.length;
                       for (int64_t j = 0; j < len * na; ++j) {
                         const double d = static_cast<double>(u.predicted[j]) - u.targets[j];
                         loss[0] += d * d;
                       }
                       loss[1] += static_cast<double>(len);
                       pred_mm.assign(u.predicted, u.predicted + len * na);
                       target_mm.assign(u.targets, u.targets + len * na);
                       normalizer.denormalize_targets(pred_mm.data(), len);
                       normalizer.denormalize_targets(target_mm.data(), len);
                       metrics.add_utterance(pred_mm.data(), target_mm.data(), len);
                       MetricAccumulator one(names), one_speech(names);
                       one.add_utterance(pred_mm.data(), target_mm.data(), len);
                       if (with_speech) {
                         const std::vector<int64_t> speech =
                             speech_frames(source, u.segment, options.silence_fraction);
                         const std::vector<float> ps = rows(pred_mm, speech, na),
                                                  ys = rows(target_mm, speech, na);
                         const auto n = static_cast<int64_t>(speech.size());
                         speech_metrics.add_utterance(ps.data(), ys.data(), n);
                         one_speech.add_utterance(ps.data(), ys.data(), n);
                       }
                       per_utterance.put(k, one, one_speech);
                       if (sink) sink(static_cast<size_t>(u.segment.utterance), pred_mm);
                     });
  std::vector<double> flat = metrics.to_flat(), speech_flat = speech_metrics.to_flat();
  if (options.batching.world_size > 1) {
    host_all_reduce_sum(loss);
    host_all_reduce_sum(flat);
    host_all_reduce_sum(speech_flat);
    host_all_reduce_sum(per_utterance.flat);
  }
  SplitResult r;
  r.frames = static_cast<int64_t>(loss[1]);
  r.loss = loss[1] > 0 ? loss[0] / (loss[1] * static_cast<double>(na)) : 0.0;
  r.metrics = MetricAccumulator::from_flat(names, flat).result();
  if (with_speech) r.speech = MetricAccumulator::from_flat(names, speech_flat).result();
  for (size_t k = 0; k < utterances.size(); ++k) {
    r.utterances.push_back(per_utterance.get(k, names, with_speech));
    r.utterances.back().id = source.utterances()[utterances[k]].id;
  }
  return r;
}

EvalRecord eval_record(const std::string& split, const std::string& checkpoint,
                       const SplitResult& result, const EvalOptions& options) {
  EvalRecord e;
  e.split = split;
  e.checkpoint = checkpoint;
  e.metrics = result.metrics;
  e.loss = result.loss;
  e.speech = result.speech;
  if (result.speech.utterances > 0) e.silence_fraction = options.silence_fraction;
  e.window = options.window;
  e.overlap = options.window > 0 ? options.overlap : 0;
  e.utterances = result.utterances;
  return e;
}

}  // namespace artic
