// The sampler's options for training and for evaluation from a (resolved) config: the batching
// section's budget for both, and the model's cost estimate (model/flops) for pairing training
// batches across ranks. Wired here so that data/ never reads model settings.
#pragma once

#include <cstdint>

#include "data/sampler.h"
#include "train/config.h"

namespace artic {

// Stage `stage`'s sampler: the run seed offset per stage.
SamplerOptions training_sampler_options(const Config& config, int64_t stage, int world_size,
                                        int rank);

// Sequential batches of whole utterances under the same budget rules as training; an utterance
// over the budget is evaluated alone (see data/sampler.h).
SamplerOptions evaluation_sampler_options(const Config& config, int world_size, int rank);

}  // namespace artic
