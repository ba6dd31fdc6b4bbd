#include "train/batching.h"

#include "data/dataset.h"
#include "model/flops.h"

namespace artic {

SamplerOptions training_sampler_options(const Config& c, int64_t stage, int world_size, int rank) {
  const uint64_t seed = static_cast<uint64_t>(c.run.seed) + 7919 * static_cast<uint64_t>(stage);
  SamplerOptions o{c.batching, {}, seed, world_size, rank};
  // A model whose compute is linear in T leaves the pairing to the budget's own cost.
  const int64_t q = quadratic_cost_frames(c.model);
  o.step_cost = BatchCost{q > 0 ? q : c.batching.quadratic_frames};
  return o;
}

SamplerOptions evaluation_sampler_options(const Config& c, int world_size, int rank) {
  SamplerOptions o{c.batching, {}, 0, world_size, rank};  // no shuffle: no seed
  o.batching.mode = BatchOrder::Sequential;
  return o;
}

EvalOptions evaluation_options(const Config& c, const CorpusMeta& meta, int world_size, int rank) {
  EvalOptions o;
  o.batching = evaluation_sampler_options(c, world_size, rank);
  o.window = c.training.eval_window;
  o.overlap = c.training.eval_overlap;
  const std::string& kind = meta.feature_kind;
  const std::string suffix = "logmel";
  if (kind.size() >= suffix.size() &&
      kind.compare(kind.size() - suffix.size(), suffix.size(), suffix) == 0) {
    o.silence_fraction = c.data.segments.silence_fraction;
  }
  return o;
}

}  // namespace artic
