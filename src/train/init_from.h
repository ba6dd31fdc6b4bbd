// `artic train --init-from RUN_OR_CHECKPOINT`: start a run from another run's weights and
// normalizer, after checking that the architecture and the channels match.
#pragma once

#include <string>

#include "data/corpus.h"
#include "data/normalizer.h"
#include "model/model.h"

namespace artic {

// A checkpoint file as given, or a run directory's checkpoints/best.pt (else its latest).
std::string resolve_init_checkpoint(const std::string& run_or_checkpoint);

// Checks the checkpoint's channels against the corpus and its parameters (names and shapes)
// against `model`, throwing ConfigError that names the first mismatching channel or parameter;
// then loads the weights into `model` and returns the checkpoint's normalizer.
Normalizer init_from_checkpoint(const std::string& path, SequenceRegressorImpl& model,
                                const CorpusMeta& meta);

}  // namespace artic
