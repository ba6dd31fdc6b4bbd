// The built-in synthetic articulatory corpus (docs/synthetic-corpus.md): phone sequences drive
// smooth articulator trajectories (12 EMA channels, mm) and log-mel-like acoustics; same seed, same
// corpus.
#pragma once

#include "data/corpus.h"
#include "synth/synth_options.h"

namespace artic {

// Validates `options`, then builds the corpus; meta.recipe holds the options as TOML
// (synth_options_to_toml). meta.created_by is left empty for the caller.
Corpus synthesize(const SynthOptions& options);

}  // namespace artic
