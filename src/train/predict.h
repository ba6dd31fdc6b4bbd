// Inference on full utterances: this rank's share of a split, in the sampler's sequential batches
// (the training budget; an utterance over it runs alone); returns the normalized loss and the
// metrics in mm (on all frames, on speech frames, and per utterance), combined over all ranks.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <vector>

#include "data/dataset.h"
#include "data/normalizer.h"
#include "data/sampler.h"
#include "eval/metrics.h"
#include "eval/run_records.h"
#include "model/model.h"
#include "train/batching.h"

namespace artic {

struct SplitResult {
  double loss = 0;  // mean squared error per frame and channel, in normalized units
  int64_t frames = 0;
  EvalMetrics metrics;                       // millimetres
  EvalMetrics speech;                        // on speech frames; 0 utterances when not measured
  std::vector<UtteranceMetrics> utterances;  // in the order of the `utterances` argument
};

// One utterance of a batch: its frames, and the model's prediction and the targets, normalized,
// row-major [length, A] (valid until the callback returns).
struct UtterancePrediction {
  Segment segment;
  const float* predicted = nullptr;
  const float* targets = nullptr;
};
// Called with the utterance's position in the `utterances` argument.
using UtteranceCallback = std::function<void(size_t k, const UtterancePrediction& u)>;

// This rank's share of `utterances` (the sampler's rank plan) through the model in sequential
// batches under the training budget (an utterance over it runs alone), whole or in windows
// (options.window); `each` sees every utterance once, in batch order. No collectives.
void predict_utterances(SequenceRegressorImpl& model, const FrameSource& source,
                        const std::vector<size_t>& utterances, const Normalizer& normalizer,
                        const EvalOptions& options, const torch::Device& device,
                        const UtteranceCallback& each);

// Called with each utterance's index and its de-normalized prediction [frames, A] (mm).
using PredictionSink = std::function<void(size_t utterance, const std::vector<float>& mm)>;

// The sampler's rank plan says which utterances this rank predicts; with world_size > 1 the
// results are summed over ranks (every rank must call this).
SplitResult evaluate_split(SequenceRegressorImpl& model, const FrameSource& source,
                           const std::vector<size_t>& utterances, const Normalizer& normalizer,
                           const EvalOptions& options, const torch::Device& device,
                           const PredictionSink& sink = nullptr);

// eval.json's record of a split's result.
EvalRecord eval_record(const std::string& split, const std::string& checkpoint,
                       const SplitResult& result, const EvalOptions& options);

}  // namespace artic
