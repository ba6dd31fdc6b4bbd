// Everything before the first step: device and threads, the checks that every rank agrees and
// sees the run directory, the corpus and normalizer, model, communicator, monitoring, and the
// start, resume or initialisation of the run's state.
#pragma once

#include <torch/torch.h>

#include "train/session.h"
#include "train/trainer.h"

namespace artic {

// training.device resolved against what this build and node have (each rank its local GPU).
torch::Device pick_device(const TrainingConfig& training, const Topology& topo);

// Before any collective that depends on them (NCCL set-up, parameter broadcast, the normalizer's
// sums), the ranks compare what they chose: a rank that sees no GPU, or was started with other
// settings, would otherwise wait forever in a collective the others never enter.
void check_ranks_agree(const Config& config, const torch::Device& device, const Topology& topo);

// Every rank reads checkpoints (resume, stage hand-off, final evaluation), so every rank must see
// the run directory that rank 0 writes: rank 0 leaves a token there and each rank reads it back.
void check_run_dir_shared(const std::string& dir, const Topology& topo);

// Whether rank 0 draws a progress bar (TrainOptions::progress).
bool wants_bar(const TrainOptions& options);

// Fills the session: data, model, communicator, monitoring and observers, and the progress of a
// fresh, resumed or initialised run.
void setup(Session& s, const TrainOptions& options, const TrainHooks& hooks);

}  // namespace artic
