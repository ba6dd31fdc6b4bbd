// The sampler's options for training and for evaluation from a (resolved) config: the batching
// section's budget for both, and the model's cost estimate (model/flops) for pairing training
// batches across ranks. Wired here so that data/ never reads model settings.
#pragma once

#include <cstdint>
#include <limits>

#include "data/corpus.h"
#include "data/sampler.h"
#include "train/config.h"

namespace artic {

// Stage `stage`'s sampler: the run seed offset per stage.
SamplerOptions training_sampler_options(const Config& config, int64_t stage, int world_size,
                                        int rank);

// Sequential batches of whole utterances under the same budget rules as training; an utterance
// over the budget is evaluated alone (see data/sampler.h).
SamplerOptions evaluation_sampler_options(const Config& config, int world_size, int rank);

struct EvalOptions {
  SamplerOptions batching;  // sequential
  // Speech frames are those the silence split does not call silent (data/segmenter.h) at this
  // data.silence_fraction; NaN: the features are not log powers, speech frames are not measured.
  double silence_fraction = std::numeric_limits<double>::quiet_NaN();
  // > 0: predict in windows of this many frames overlapping by `overlap` (train/windowing.h).
  int64_t window = 0, overlap = 0;
};

// Evaluation of a corpus with `meta`'s features: speech frames are measured on log-power
// features (log-mel), by the silence split's own decision; windows from training.eval_window.
EvalOptions evaluation_options(const Config& config, const CorpusMeta& meta, int world_size,
                               int rank);

}  // namespace artic
