// Inference on full utterances: this rank's share of a split, batched by length under a frame
// budget; returns the normalized loss and the metrics in mm, combined over all ranks.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <vector>

#include "data/dataset.h"
#include "data/normalizer.h"
#include "eval/metrics.h"
#include "model/model.h"

namespace artic {

struct SplitResult {
  double loss = 0;  // mean squared error per frame and channel, in normalized units
  int64_t frames = 0;
  EvalMetrics metrics;  // millimetres
};

// Called with each utterance's index and its de-normalized prediction [frames, A] (mm).
using PredictionSink = std::function<void(size_t utterance, const std::vector<float>& mm)>;

// `utterances` are processed by this rank when index % world == rank; with world > 1 the
// results are summed over ranks (every rank must call this).
SplitResult evaluate_split(SequenceRegressorImpl& model, const FrameSource& source,
                           const std::vector<size_t>& utterances, const Normalizer& normalizer,
                           int64_t max_frames, const torch::Device& device, int rank, int world,
                           const PredictionSink& sink = nullptr);

}  // namespace artic
