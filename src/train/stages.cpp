#include "train/stages.h"

#include <filesystem>
#include <limits>

#include "core/error.h"
#include "train/batching.h"

namespace artic {
namespace {

namespace fs = std::filesystem;

int64_t planned_total_steps(const Session& s) {
  const int64_t total = steps_per_epoch(s) * s.config.training.max_epochs;
  return s.config.training.max_steps > 0 ? std::min(total, s.config.training.max_steps) : total;
}

}  // namespace

void build_stage(Session& s, int64_t stage) {
  s.config = resolve_stage(s.base, static_cast<size_t>(stage));
  s.data.segments = make_segments(s.data.source, s.data.train, s.config.data.segments);
  if (s.data.segments.empty()) {
    throw DataError("no training segments: every train utterance is shorter than data.min_length");
  }
  const auto& o = s.config.optim;
  s.optimizer = std::make_unique<torch::optim::AdamW>(s.model->parameters(),
                                                      torch::optim::AdamWOptions(o.learning_rate)
                                                          .betas({o.beta1, o.beta2})
                                                          .eps(o.eps)
                                                          .weight_decay(o.weight_decay));
  const SamplerOptions so =
      training_sampler_options(s.config, stage, s.topo.world_size, s.topo.rank);
  s.sampler = std::make_unique<BatchSampler>(segment_lengths(s.data.segments), so);
}

void start_stage(Session& s, int64_t stage, const std::string& from) {
  TrainProgress& p = s.progress;
  p.stage = stage;
  p.stage_start_step = p.step;
  p.stage_done = false;
  p.epoch = 0;
  p.sampler_position = 0;
  p.epoch_done = false;
  p.best_val_loss = std::numeric_limits<double>::infinity();
  p.best_epoch = p.best_step = -1;
  p.validations_without_improvement = 0;
  p.bad_steps_in_a_row = 0;
  p.total_steps = planned_total_steps(s);
  s.stopped = "max_epochs";
  if (!staged(s)) return;
  const auto& st = s.base.stages[static_cast<size_t>(stage)];
  StageStartRecord r;
  r.stage = st.name;
  r.index = stage + 1;
  r.stages = static_cast<int64_t>(s.base.stages.size());
  r.step = p.step;
  r.planned_steps = p.total_steps;
  r.train_segments = static_cast<int64_t>(s.data.segments.size());
  r.split_mode = name_of(s.config.data.segments.mode);
  r.learning_rate = s.config.optim.learning_rate;
  r.overrides = stage_settings(st);
  r.from = from;
  r.param_hash = weights_hash(s);
  s.observers.stage_start(r);
}

void finish_stage(Session& s) {
  TrainProgress& p = s.progress;
  p.stage_done = true;
  if (staged(s)) {
    const std::string name = stage_name(s.base, p.stage);
    const std::string best = s.files.best_checkpoint();
    const std::string kept = s.files.stage_best_checkpoint(name);
    if (s.topo.rank == 0 && fs::exists(best))
      fs::copy_file(best, kept, fs::copy_options::overwrite_existing);
    host_barrier();
    StageEndRecord r;
    r.stage = name;
    r.index = p.stage + 1;
    r.step = p.step;
    r.steps = stage_step(s);
    r.epochs = p.epoch + 1;
    r.best_epoch = p.best_epoch + 1;
    r.best_val_loss = p.best_val_loss;
    r.stopped = s.stopped;
    r.split_mode = name_of(s.config.data.segments.mode);
    r.sequence_length = s.config.data.segments.sequence_length;
    r.best_param_hash = fs::exists(kept) ? hash_hex(checkpoint_param_hash(kept)) : "";
    r.last_param_hash = weights_hash(s);
    p.stages.push_back(r);
    s.observers.stage_end(r);
  }
  save_step_checkpoint(s);
}

void next_stage(Session& s) {
  const int64_t ended = s.progress.stage;
  const std::string kept =
      s.files.stage_best_checkpoint(stage_name(s.base, static_cast<size_t>(ended)));
  std::string from;
  if (fs::exists(kept)) {
    load_checkpoint(kept, *s.model, nullptr);
    from = kept;
  }
  build_stage(s, ended + 1);
  start_stage(s, ended + 1, from);
  save_step_checkpoint(s);
}

}  // namespace artic
