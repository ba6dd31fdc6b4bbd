// The sampler's options for training from a (resolved) config: the batching section's budget, and
// the model's cost estimate (model/flops) for pairing batches across ranks. Wired here so that
// data/ never reads model settings.
#pragma once

#include <cstdint>

#include "core/config.h"
#include "data/sampler.h"

namespace artic {

// Stage `stage`'s sampler: the run seed offset per stage.
SamplerOptions training_sampler_options(const Config& config, int64_t stage, int world_size,
                                        int rank);

}  // namespace artic
