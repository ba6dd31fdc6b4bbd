// A finished run's model for inference (artic eval, artic invert): its config, the checkpoint's
// weights and the normalizer that maps features in and millimetres out.
#pragma once

#include <string>
#include <vector>

#include "data/normalizer.h"
#include "model/model.h"
#include "train/config.h"

namespace artic {

struct TrainedModel {
  Config config;  // RUN/config.toml with the overrides applied
  std::string checkpoint;
  SequenceRegressor model;  // on the CPU, in eval mode
  Normalizer normalizer;    // its channel names say what the model reads and writes
};

// RUN/checkpoints/best.pt, else the checkpoint RUN/checkpoints/latest names. Throws UserError
// naming the run when it has neither.
std::string run_checkpoint(const std::string& run_dir);

// checkpoint empty: run_checkpoint(run_dir). Throws UserError when run_dir holds no config.toml,
// has no checkpoint, or the checkpoint is damaged (naming an intact one to use instead).
TrainedModel load_trained_model(const std::string& run_dir, const std::string& checkpoint,
                                const std::vector<std::string>& overrides = {});

}  // namespace artic
