#include "train/session.h"

#include "dist/grad_sync.h"

namespace artic {
namespace {

CheckpointData checkpoint_data(const Session& s) {
  return {s.progress, s.normalizer, config_to_toml(s.base)};
}

}  // namespace

std::string stage_label(const Session& s) {
  return staged(s) ? stage_name(s.base, static_cast<size_t>(s.progress.stage)) : "";
}

std::string weights_hash(const Session& s) {
  auto tensors = s.model->parameters();
  for (const auto& b : s.model->buffers()) tensors.push_back(b);
  return hash_hex(parameter_hash(tensors));
}

void save_step_checkpoint(Session& s) {
  const std::string path = s.files.step_checkpoint(s.progress.step);
  if (s.topo.rank == 0) {
    save_checkpoint(path, *s.model, *s.optimizer, checkpoint_data(s));
    s.files.set_latest(path, s.config.checkpoint.keep_last);
  }
  host_barrier();
  s.observers.checkpoint({s.progress.step, path, "step"});
}

void save_best_checkpoint(Session& s) {
  const std::string path = s.files.best_checkpoint();
  if (s.topo.rank == 0) save_checkpoint(path, *s.model, *s.optimizer, checkpoint_data(s));
  s.observers.checkpoint({s.progress.step, path, "best"});
}

}  // namespace artic
