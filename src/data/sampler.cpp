#include "data/sampler.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "core/error.h"
#include "core/rng.h"

namespace artic {
namespace {

void add_item(Batch& b, int64_t item, int64_t length) {
  b.items.push_back(item);
  b.max_length = std::max(b.max_length, length);
  b.real_frames += length;
}

Batch make_batch(const std::vector<int64_t>& items, const std::vector<int64_t>& lengths) {
  Batch b;
  for (int64_t i : items) add_item(b, i, lengths[i]);
  return b;
}

// Greedy packing in the given order: a batch closes when the next item would break the budget, so
// an item over the budget on its own ends up alone.
void pack(const std::vector<int64_t>& order, const std::vector<int64_t>& lengths,
          const SamplerOptions& o, std::vector<Batch>& out) {
  Batch cur;
  for (int64_t i : order) {
    const int64_t n = static_cast<int64_t>(cur.items.size()) + 1;
    const int64_t longest = std::max(cur.max_length, lengths[i]);
    const bool too_many = o.batching.max_utterances > 0 && n > o.batching.max_utterances;
    const bool too_costly = BatchCost{o.batching.quadratic_frames}(n, longest) >
                            static_cast<double>(o.batching.max_frames);
    if (!cur.items.empty() && (too_many || too_costly)) {
      out.push_back(std::move(cur));
      cur = Batch();
    }
    add_item(cur, i, lengths[i]);
  }
  if (!cur.items.empty()) out.push_back(std::move(cur));
}

// Buckets of lengths within a factor (1 + bucket_width) of each other, shuffled inside, then
// packed in ascending length order across bucket edges: near-sorted padding without the
// partial batches that packing each bucket separately leaves behind.
std::vector<Batch> bucket_batches(const std::vector<int64_t>& lengths, const SamplerOptions& o,
                                  int64_t epoch) {
  std::map<int64_t, std::vector<int64_t>> buckets;
  const double width = std::log1p(std::max(o.batching.bucket_width, 1e-9));
  for (size_t i = 0; i < lengths.size(); ++i) {
    const auto key =
        static_cast<int64_t>(std::floor(std::log(static_cast<double>(lengths[i])) / width));
    buckets[key].push_back(static_cast<int64_t>(i));
  }
  Rng rng = Rng::keyed({o.seed, static_cast<uint64_t>(epoch), 1});
  std::vector<int64_t> order;
  order.reserve(lengths.size());
  for (auto& [key, items] : buckets) {
    rng.shuffle(items);
    order.insert(order.end(), items.begin(), items.end());
  }
  std::vector<Batch> out;
  pack(order, lengths, o, out);
  return out;
}

std::vector<Batch> random_batches(const std::vector<int64_t>& lengths, const SamplerOptions& o,
                                  int64_t epoch) {
  std::vector<int64_t> order(lengths.size());
  std::iota(order.begin(), order.end(), int64_t{0});
  Rng rng = Rng::keyed({o.seed, static_cast<uint64_t>(epoch), 2});
  rng.shuffle(order);
  std::vector<Batch> out;
  pack(order, lengths, o, out);
  return out;
}

// Evaluation's order: ascending length (ties by index), so batches pad little and the plan is
// the same on every run.
std::vector<Batch> sequential_batches(const std::vector<int64_t>& lengths,
                                      const SamplerOptions& o) {
  std::vector<int64_t> order(lengths.size());
  std::iota(order.begin(), order.end(), int64_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return lengths[a] < lengths[b]; });
  std::vector<Batch> out;
  pack(order, lengths, o, out);
  return out;
}

// Splits the batches with most items until the count divides by world_size; if only
// single-item batches remain, adds empty batches (they carry no frames and no gradient).
void make_divisible(std::vector<Batch>& batches, const std::vector<int64_t>& lengths, int world) {
  while (batches.size() % static_cast<size_t>(world) != 0) {
    auto widest = std::max_element(
        batches.begin(), batches.end(),
        [](const Batch& a, const Batch& b) { return a.items.size() < b.items.size(); });
    if (widest == batches.end() || widest->items.size() < 2) {
      batches.emplace_back();
      continue;
    }
    const size_t half = widest->items.size() / 2;
    std::vector<int64_t> first(widest->items.begin(), widest->items.begin() + half);
    std::vector<int64_t> second(widest->items.begin() + half, widest->items.end());
    *widest = make_batch(first, lengths);
    batches.push_back(make_batch(second, lengths));
  }
}

// Step j takes the world batches from position steps[j] * world on; rank r's is rotated by j so
// that no rank always gets a group's first.
std::vector<std::vector<Batch>> group_steps(std::vector<Batch>& batches,
                                            const std::vector<size_t>& steps, size_t world) {
  std::vector<std::vector<Batch>> plan;
  plan.reserve(steps.size());
  for (size_t step = 0; step < steps.size(); ++step) {
    std::vector<Batch> group(world);
    for (size_t r = 0; r < world; ++r) {
      group[r] = std::move(batches[steps[step] * world + (r + step) % world]);
    }
    plan.push_back(std::move(group));
  }
  return plan;
}

std::vector<std::vector<Batch>> training_plan(const std::vector<int64_t>& lengths,
                                              const SamplerOptions& o, int64_t epoch) {
  if (static_cast<int64_t>(lengths.size()) < o.world_size) {
    throw UserError("sampler: " + std::to_string(lengths.size()) +
                    " training segments cannot feed " + std::to_string(o.world_size) +
                    " ranks; use fewer ranks or more data");
  }
  const auto longest = std::max_element(lengths.begin(), lengths.end());
  if (BatchCost{o.batching.quadratic_frames}(1, *longest) >
      static_cast<double>(o.batching.max_frames)) {
    throw UserError(
        "sampler: a training segment of " + std::to_string(*longest) +
        " frames alone exceeds batching.max_frames = " + std::to_string(o.batching.max_frames) +
        (o.batching.quadratic_frames > 0 ? " (with the quadratic term)" : "") +
        "; raise batching.max_frames or split utterances (data.split_mode)");
  }
  std::vector<Batch> batches = o.batching.mode == BatchOrder::Random
                                   ? random_batches(lengths, o, epoch)
                                   : bucket_batches(lengths, o, epoch);
  make_divisible(batches, lengths, o.world_size);

  // Groups of world_size batches of similar cost form one step; the costliest step comes first
  // (memory problems show at once), the others in a shuffled order.
  std::stable_sort(batches.begin(), batches.end(), [&](const Batch& a, const Batch& b) {
    return o.step_cost(static_cast<int64_t>(a.items.size()), a.max_length) >
           o.step_cost(static_cast<int64_t>(b.items.size()), b.max_length);
  });
  const size_t world = static_cast<size_t>(o.world_size);
  std::vector<size_t> order(batches.size() / world);
  std::iota(order.begin(), order.end(), size_t{0});
  if (order.size() > 1) {
    std::vector<size_t> rest(order.begin() + 1, order.end());
    Rng::keyed({o.seed, static_cast<uint64_t>(epoch), 3}).shuffle(rest);
    std::copy(rest.begin(), rest.end(), order.begin() + 1);
  }
  return group_steps(batches, order, world);
}

// Evaluation needs every utterance whole: an over-budget one is packed alone (and a rank with
// nothing left gets empty batches) instead of being refused. Steps stay in length order.
std::vector<std::vector<Batch>> sequential_plan(const std::vector<int64_t>& lengths,
                                                const SamplerOptions& o) {
  std::vector<Batch> batches = sequential_batches(lengths, o);
  const size_t world = static_cast<size_t>(o.world_size);
  batches.resize((batches.size() + world - 1) / world * world);
  std::vector<size_t> order(batches.size() / world);
  std::iota(order.begin(), order.end(), size_t{0});
  return group_steps(batches, order, world);
}

}  // namespace

double BatchCost::operator()(int64_t items, int64_t max_length) const {
  const double t = static_cast<double>(max_length);
  const double per_item =
      quadratic_frames > 0 ? t * (1.0 + t / static_cast<double>(quadratic_frames)) : t;
  return static_cast<double>(items) * per_item;
}

std::vector<std::vector<Batch>> plan_epoch(const std::vector<int64_t>& lengths,
                                           const SamplerOptions& o, int64_t epoch) {
  if (o.world_size < 1 || o.rank < 0 || o.rank >= o.world_size) {
    throw UserError("sampler: rank " + std::to_string(o.rank) + " is outside world size " +
                    std::to_string(o.world_size));
  }
  return o.batching.mode == BatchOrder::Sequential ? sequential_plan(lengths, o)
                                                   : training_plan(lengths, o, epoch);
}

PlanStats plan_stats(const std::vector<std::vector<Batch>>& plan) {
  PlanStats s;
  for (const auto& step : plan) {
    for (const auto& b : step) {
      s.batches += 1;
      s.real_frames += b.real_frames;
      s.padded_frames += b.padded_frames();
      s.max_batch_frames = std::max(s.max_batch_frames, b.padded_frames());
    }
  }
  return s;
}

BatchSampler::BatchSampler(std::vector<int64_t> lengths, SamplerOptions options)
    : lengths_(std::move(lengths)), options_(std::move(options)) {
  set_epoch(0);
}

void BatchSampler::set_epoch(int64_t epoch) {
  plan_ = plan_epoch(lengths_, options_, epoch);
  mine_.clear();
  for (const auto& step : plan_) {
    Batch b = step[static_cast<size_t>(options_.rank)];
    for (const Batch& other : step) {
      b.all_ranks_real_frames += other.real_frames;
      b.all_ranks_padded_frames += other.padded_frames();
    }
    mine_.push_back(std::move(b));
  }
  state_ = {epoch, 0};
}

bool BatchSampler::next(Batch* batch) {
  if (state_.position >= static_cast<int64_t>(mine_.size())) return false;
  *batch = mine_[static_cast<size_t>(state_.position++)];
  return true;
}

void BatchSampler::restore(const SamplerState& state) {
  set_epoch(state.epoch);
  if (state.position < 0 || state.position > static_cast<int64_t>(mine_.size())) {
    throw UserError("sampler: saved position " + std::to_string(state.position) +
                    " is outside epoch " + std::to_string(state.epoch) + " (" +
                    std::to_string(mine_.size()) +
                    " batches); the data or batching config changed since the checkpoint");
  }
  state_.position = state.position;
}

}  // namespace artic
