// Training checkpoints: model, optimizer, progress (step, epoch, sampler position, early
// stopping and bad-step counters), normalizer and the resolved config, in one file (no RNG state:
// the trainer keys dropout's stream by seed, rank and step).
// Each part is a section of the checksummed container in train/checkpoint_file.h: a truncated or
// damaged file is refused (CheckpointDamaged, naming the file and the part) before any of it is
// used; writes are atomic and durable.
#pragma once

#include <torch/torch.h>

#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "data/normalizer.h"
#include "eval/run_records.h"
#include "model/model.h"

namespace artic {

struct TrainProgress {
  int64_t step = 0;              // optimizer steps completed
  int64_t epoch = 0;             // epoch in progress (or next to start when epoch_done)
  int64_t sampler_position = 0;  // micro-batches of `epoch` consumed on every rank
  bool epoch_done = false;       // epoch `epoch` finished and was validated
  int64_t bad_steps_total = 0;
  int64_t bad_steps_in_a_row = 0;
  double best_val_loss = std::numeric_limits<double>::infinity();
  int64_t best_epoch = -1;
  int64_t best_step = -1;
  int64_t validations_without_improvement = 0;
  int64_t total_steps = 0;  // the stage's schedule horizon, fixed when the stage starts
  // Staged runs ([[stage]]): the stage in progress, the global step it started at, whether it
  // has ended (its best weights start the next), and the finished stages' results.
  int64_t stage = 0;
  int64_t stage_start_step = 0;
  bool stage_done = false;
  std::vector<StageEndRecord> stages;
};

struct CheckpointData {
  TrainProgress progress;
  Normalizer normalizer;
  std::string config_toml;
};

// The parameter checksum stored in a checkpoint (of its model's parameters and buffers).
uint64_t checkpoint_param_hash(const std::string& path);
// The normalizer stored in a checkpoint (its channel names say what the model reads and writes).
Normalizer checkpoint_normalizer(const std::string& path);

// Loads only the optimizer state of a checkpoint (resuming a stage, whose optimizer is built after
// the checkpoint tells which stage it is).
void load_optimizer_state(const std::string& path, torch::optim::Optimizer& optimizer);

void save_checkpoint(const std::string& path, const SequenceRegressorImpl& model,
                     const torch::optim::Optimizer& optimizer, const CheckpointData& data);

class CheckpointSections;

// A checkpoint read and verified once, for loading several of its parts without reading the file
// again (a resume loads the weights first and the optimizer once its stage is built).
class CheckpointReader {
 public:
  explicit CheckpointReader(const std::string& path);
  ~CheckpointReader();
  // Restores model and optimizer in place (optimizer = nullptr: weights only); returns the rest.
  CheckpointData load(SequenceRegressorImpl& model, torch::optim::Optimizer* optimizer) const;
  // Its channel names say what model to build before load().
  Normalizer normalizer() const;
  void load_optimizer(torch::optim::Optimizer& optimizer) const;

 private:
  std::unique_ptr<CheckpointSections> sections_;
};

// Restores model and optimizer in place (pass optimizer = nullptr to load weights only);
// returns the rest.
CheckpointData load_checkpoint(const std::string& path, SequenceRegressorImpl& model,
                               torch::optim::Optimizer* optimizer);

// The resolved config stored in a checkpoint, without loading the tensors into a model.
std::string checkpoint_config(const std::string& path);

// Empty when every section of the checkpoint passes its checksum; otherwise why not.
std::string checkpoint_problem(const std::string& path);

}  // namespace artic
