// The one batch packer, for training and for evaluation (docs/training.md, Batches). Every rank
// builds the same global plan from (seed, epoch) and keeps its share, so no communication is needed
// and every rank gets exactly the same number of micro-batches; micro-batch j of each rank has
// similar cost. Each item appears exactly once per epoch across all ranks. State can be
// saved/restored. Costs are plain coefficients (BatchCost): the model's come from above (train/).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/enum_names.h"

namespace artic {

// bucket | random (training) | sequential (evaluation: ascending length, no shuffle, the epoch
// and seed unused; an item over the budget is not refused but gets a batch of its own).
enum class BatchOrder { Bucket, Random, Sequential };
inline const std::vector<std::string>& names_of(BatchOrder) {
  static const std::vector<std::string> names = {"bucket", "random", "sequential"};
  return names;
}

// Cost of a batch of `items` sequences padded to T = max_length frames: items * T * (1 + T / q),
// or the padded frames items * T when q = quadratic_frames is 0. The T^2 term is attention's.
struct BatchCost {
  int64_t quadratic_frames = 0;
  double operator()(int64_t items, int64_t max_length) const;
};

// The [batching] section.
struct BatchingConfig {
  BatchOrder mode = BatchOrder::Bucket;
  int64_t max_frames = 12000;    // budget per batch, in BatchCost{quadratic_frames} units
  int64_t max_utterances = 0;    // 0 = no limit
  double bucket_width = 0.03;    // lengths in a bucket differ by at most this factor
  int64_t quadratic_frames = 0;  // the budget's attention term
  int64_t prefetch = 4;          // batches the loader prepares ahead
};

struct SamplerOptions {
  BatchingConfig batching;
  // Pairs training batches of similar compute into one step across ranks (a batch of few long
  // segments costs more than one of many short ones); the model's estimate, set in train/.
  BatchCost step_cost;
  uint64_t seed = 0;
  int world_size = 1;
  int rank = 0;
};

struct Batch {
  std::vector<int64_t> items;  // indices into the sampler's lengths
  int64_t max_length = 0;
  int64_t real_frames = 0;
  // Totals of this micro-batch index over every rank's batch (the same on every rank): the step's
  // loss scale needs them before any collective.
  int64_t all_ranks_real_frames = 0;
  int64_t all_ranks_padded_frames = 0;
  int64_t padded_frames() const { return max_length * static_cast<int64_t>(items.size()); }
};

struct SamplerState {
  int64_t epoch = 0;
  int64_t position = 0;  // micro-batches of this rank already consumed in `epoch`
};

struct PlanStats {
  int64_t batches = 0;  // over all ranks
  int64_t real_frames = 0;
  int64_t padded_frames = 0;
  int64_t max_batch_frames = 0;
  double efficiency() const {
    return padded_frames ? static_cast<double>(real_frames) / static_cast<double>(padded_frames)
                         : 1.0;
  }
};

// The global plan of one epoch: for each step index j, world_size batches (one per rank; empty ones
// when there are too few items). Training modes throw UserError when a segment alone exceeds the
// budget or there are fewer segments than ranks; sequential mode accepts both.
std::vector<std::vector<Batch>> plan_epoch(const std::vector<int64_t>& lengths,
                                           const SamplerOptions& options, int64_t epoch);

PlanStats plan_stats(const std::vector<std::vector<Batch>>& plan);

class BatchSampler {
 public:
  BatchSampler(std::vector<int64_t> lengths, SamplerOptions options);

  // Starts `epoch` from its beginning.
  void set_epoch(int64_t epoch);
  // The next micro-batch of this rank in the current epoch; false at the epoch's end.
  bool next(Batch* batch);
  // Micro-batches per rank in the current epoch (identical on every rank).
  int64_t batches_per_epoch() const { return static_cast<int64_t>(mine_.size()); }

  SamplerState state() const { return state_; }
  void restore(const SamplerState& state);
  const std::vector<std::vector<Batch>>& global_plan() const { return plan_; }

 private:
  std::vector<int64_t> lengths_;
  SamplerOptions options_;
  SamplerState state_;
  std::vector<std::vector<Batch>> plan_;
  std::vector<Batch> mine_;
};

}  // namespace artic
