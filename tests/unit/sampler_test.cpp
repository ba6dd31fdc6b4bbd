#include "data/sampler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "core/error.h"
#include "core/rng.h"

namespace artic {
namespace {

// Lengths from a few shapes of distribution, as full utterances or chunks produce.
std::vector<int64_t> make_lengths(int kind, int n, uint64_t seed) {
  Rng rng(seed);
  std::vector<int64_t> out;
  for (int i = 0; i < n; ++i) {
    const double u = rng.uniform(), v = rng.uniform();
    double len = 0;
    switch (kind) {
      case 0:
        len = 600 * std::exp(0.5 * std::sqrt(-2 * std::log(u + 1e-12)) * std::cos(6.283185 * v));
        break;
      case 1:
        len = 50 + 2950 * u;
        break;  // uniform 0.5-30 s
      case 2:
        len = u < 0.5 ? 100 + 20 * v : 2000 + 900 * v;
        break;  // bimodal
      case 3:
        len = 100;
        break;  // all equal (chunks)
      default:
        len = 1 + 10 * u;
        break;  // tiny
    }
    out.push_back(std::clamp<int64_t>(static_cast<int64_t>(len), 1, 3000));
  }
  return out;
}

struct Case {
  int kind;
  int n;
  int world;
  BatchOrder mode;
  int64_t max_utterances;
  int64_t quadratic;
};

TEST(Sampler, PropertiesHoldOverManySeedsAndDistributions) {
  int checked = 0;
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    for (const Case& c : std::vector<Case>{{0, 300, 1, BatchOrder::Bucket, 0, 0},
                                           {0, 301, 2, BatchOrder::Bucket, 0, 0},
                                           {1, 157, 3, BatchOrder::Bucket, 8, 0},
                                           {2, 90, 4, BatchOrder::Random, 0, 0},
                                           {3, 64, 8, BatchOrder::Bucket, 0, 0},
                                           {4, 13, 5, BatchOrder::Bucket, 0, 0},
                                           {0, 200, 2, BatchOrder::Bucket, 0, 6000},
                                           {1, 120, 2, BatchOrder::Random, 3, 0}}) {
      const auto lengths = make_lengths(c.kind, c.n, seed * 31 + c.kind);
      SamplerOptions o;
      o.batching.mode = c.mode;
      o.batching.max_frames = 6000;
      o.batching.max_utterances = c.max_utterances;
      o.batching.quadratic_frames = c.quadratic;
      o.seed = seed;
      o.world_size = c.world;
      for (int64_t epoch : {0, 1}) {
        SCOPED_TRACE("seed " + std::to_string(seed) + " kind " + std::to_string(c.kind) +
                     " world " + std::to_string(c.world) + " epoch " + std::to_string(epoch));
        std::map<int64_t, int> seen;
        std::vector<int64_t> per_rank(c.world, 0);
        for (int r = 0; r < c.world; ++r) {
          o.rank = r;
          BatchSampler s(lengths, o);
          s.set_epoch(epoch);
          Batch b;
          while (s.next(&b)) {
            per_rank[r] += 1;
            EXPECT_LE(BatchCost{o.batching.quadratic_frames}(static_cast<int64_t>(b.items.size()),
                                                             b.max_length),
                      static_cast<double>(o.batching.max_frames));
            if (o.batching.max_utterances > 0) {
              EXPECT_LE(static_cast<int64_t>(b.items.size()), o.batching.max_utterances);
            }
            int64_t real = 0, longest = 0;
            for (int64_t i : b.items) {
              seen[i] += 1;
              real += lengths[i];
              longest = std::max(longest, lengths[i]);
            }
            EXPECT_EQ(real, b.real_frames);
            EXPECT_EQ(longest, b.max_length);
          }
          EXPECT_EQ(per_rank[r], s.batches_per_epoch());
        }
        for (int r = 1; r < c.world; ++r) EXPECT_EQ(per_rank[r], per_rank[0]);
        ASSERT_EQ(static_cast<int>(seen.size()), c.n);
        for (const auto& [item, count] : seen) EXPECT_EQ(count, 1) << "item " << item;
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 6 * 8 * 2);
}

std::vector<std::vector<int64_t>> sequence(const std::vector<int64_t>& lengths,
                                           const SamplerOptions& o, int64_t epoch,
                                           int64_t skip = 0) {
  BatchSampler s(lengths, o);
  s.set_epoch(epoch);
  std::vector<std::vector<int64_t>> out;
  Batch b;
  while (s.next(&b)) out.push_back(b.items);
  return std::vector<std::vector<int64_t>>(out.begin() + skip, out.end());
}

TEST(Sampler, SameSeedAndEpochSameBatchesOtherEpochOtherOrder) {
  const auto lengths = make_lengths(0, 400, 5);
  SamplerOptions o;
  o.batching.max_frames = 8000;
  o.seed = 42;
  o.world_size = 2;
  o.rank = 1;
  EXPECT_EQ(sequence(lengths, o, 3), sequence(lengths, o, 3));
  EXPECT_NE(sequence(lengths, o, 3), sequence(lengths, o, 4));
  SamplerOptions other = o;
  other.seed = 43;
  EXPECT_NE(sequence(lengths, o, 3), sequence(lengths, other, 3));
}

TEST(Sampler, RestoreMidEpochContinuesIdentically) {
  const auto lengths = make_lengths(1, 250, 9);
  SamplerOptions o;
  o.batching.max_frames = 7000;
  o.seed = 7;
  o.world_size = 3;
  o.rank = 2;
  BatchSampler a(lengths, o);
  a.set_epoch(5);
  Batch b;
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(a.next(&b));
  const SamplerState saved = a.state();
  EXPECT_EQ(saved.epoch, 5);
  EXPECT_EQ(saved.position, 4);

  BatchSampler resumed(lengths, o);
  resumed.restore(saved);
  std::vector<std::vector<int64_t>> rest_a, rest_b;
  while (a.next(&b)) rest_a.push_back(b.items);
  while (resumed.next(&b)) rest_b.push_back(b.items);
  EXPECT_FALSE(rest_a.empty());
  EXPECT_EQ(rest_a, rest_b);
  EXPECT_EQ(rest_a, sequence(lengths, o, 5, 4));

  SamplerState bad = saved;
  bad.position = 100000;
  EXPECT_THROW(resumed.restore(bad), UserError);
}

// Each rank knows the step's totals over all ranks (the loss scale needs them before any
// collective): they equal the sum of every rank's own batch at that index, on every rank.
TEST(Sampler, EveryRankKnowsTheTotalsOverAllRanks) {
  const auto lengths = make_lengths(2, 300, 4);
  SamplerOptions o;
  o.batching.max_frames = 9000;
  o.seed = 11;
  o.world_size = 3;
  std::vector<std::vector<Batch>> per_rank(3);
  for (int r = 0; r < 3; ++r) {
    o.rank = r;
    BatchSampler s(lengths, o);
    s.set_epoch(2);
    Batch b;
    while (s.next(&b)) per_rank[r].push_back(b);
  }
  ASSERT_FALSE(per_rank[0].empty());
  for (size_t j = 0; j < per_rank[0].size(); ++j) {
    int64_t real = 0, padded = 0;
    for (int r = 0; r < 3; ++r) {
      real += per_rank[r][j].real_frames;
      padded += per_rank[r][j].padded_frames();
    }
    for (int r = 0; r < 3; ++r) {
      EXPECT_EQ(per_rank[r][j].all_ranks_real_frames, real) << "index " << j << " rank " << r;
      EXPECT_EQ(per_rank[r][j].all_ranks_padded_frames, padded) << "index " << j << " rank " << r;
    }
  }
}

TEST(Sampler, MicroBatchesOfOneStepHaveSimilarCostAcrossRanks) {
  const auto lengths = make_lengths(0, 800, 3);
  SamplerOptions o;
  o.batching.max_frames = 10000;
  o.world_size = 4;
  const auto plan = plan_epoch(lengths, o, 0);
  double worst = 1.0;
  for (const auto& step : plan) {
    int64_t lo = INT64_MAX, hi = 0;
    for (const auto& b : step) {
      lo = std::min(lo, b.padded_frames());
      hi = std::max(hi, b.padded_frames());
    }
    if (hi > 0) worst = std::min(worst, static_cast<double>(lo) / static_cast<double>(hi));
  }
  EXPECT_GT(worst, 0.5);
  // The costliest step comes first, so memory limits show at step 1.
  for (const auto& step : plan) {
    EXPECT_LE(step[0].padded_frames() + step[1].padded_frames(),
              plan[0][0].padded_frames() + plan[0][1].padded_frames() + 2 * 3000);
  }
}

TEST(Sampler, BucketingWastesFarLessPaddingThanRandom) {
  const auto lengths = make_lengths(0, 600, 11);
  SamplerOptions o;
  o.batching.max_frames = 20000;
  o.world_size = 2;
  const double bucket = plan_stats(plan_epoch(lengths, o, 0)).efficiency();
  o.batching.mode = BatchOrder::Random;
  const double random = plan_stats(plan_epoch(lengths, o, 0)).efficiency();
  EXPECT_GT(bucket, 0.9);
  EXPECT_LT(random, 0.8);
}

TEST(Sampler, ClearErrors) {
  SamplerOptions o;
  o.batching.max_frames = 1000;
  try {
    plan_epoch({10, 1200, 30}, o, 0);
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("1200 frames alone exceeds batching.max_frames = 1000"),
              std::string::npos);
  }
  o.world_size = 4;
  try {
    plan_epoch({10, 20, 30}, o, 0);
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("3 training segments cannot feed 4 ranks"),
              std::string::npos);
  }
}

TEST(Sampler, SingleItemBatchesThatCannotSplitEvenlyGetEmptyBatches) {
  SamplerOptions o;
  o.batching.max_frames = 100;
  o.world_size = 2;
  const auto plan = plan_epoch({90, 90, 90}, o, 0);
  ASSERT_EQ(plan.size(), 2u);
  int empty = 0, items = 0;
  for (const auto& step : plan) {
    for (const auto& b : step) {
      empty += b.items.empty();
      items += static_cast<int>(b.items.size());
    }
  }
  EXPECT_EQ(empty, 1);
  EXPECT_EQ(items, 3);
}

TEST(Sampler, BatchCostIsPaddedFramesPlusTheAttentionTerm) {
  EXPECT_EQ(BatchCost{}(3, 100), 300.0);
  EXPECT_EQ(BatchCost{400}(3, 100), 3 * 100 * (1 + 100 / 400.0));
}

std::vector<std::vector<std::vector<int64_t>>> items_of(
    const std::vector<std::vector<Batch>>& plan) {
  std::vector<std::vector<std::vector<int64_t>>> out;
  for (const auto& step : plan) {
    out.emplace_back();
    for (const auto& b : step) out.back().push_back(b.items);
  }
  return out;
}

// Each rank's batches, as that rank's sampler hands them out.
std::vector<std::vector<Batch>> sequential_batches(const std::vector<int64_t>& lengths,
                                                   SamplerOptions o) {
  std::vector<std::vector<Batch>> per_rank;
  for (int r = 0; r < o.world_size; ++r) {
    o.rank = r;
    BatchSampler s(lengths, o);
    per_rank.emplace_back();
    Batch b;
    while (s.next(&b)) per_rank.back().push_back(b);
  }
  return per_rank;
}

// Evaluation's mode: every item once, in ascending length, the same plan whatever the seed and
// epoch; the training budget rules hold for every batch but those of one over-budget item.
TEST(Sampler, SequentialCoversEveryItemOnceInLengthOrderUnderTheBudget) {
  int checked = 0;
  for (const Case& c : std::vector<Case>{{0, 300, 1, BatchOrder::Sequential, 0, 0},
                                         {0, 301, 2, BatchOrder::Sequential, 0, 0},
                                         {1, 157, 3, BatchOrder::Sequential, 8, 0},
                                         {2, 90, 4, BatchOrder::Sequential, 0, 2500},
                                         {3, 64, 8, BatchOrder::Sequential, 5, 0},
                                         {4, 3, 5, BatchOrder::Sequential, 0, 0},
                                         {1, 200, 2, BatchOrder::Sequential, 3, 6000}}) {
    SCOPED_TRACE("kind " + std::to_string(c.kind) + " world " + std::to_string(c.world));
    const auto lengths = make_lengths(c.kind, c.n, 17 + c.kind);
    SamplerOptions o;
    o.batching.mode = BatchOrder::Sequential;
    o.batching.max_frames = 6000;
    o.batching.max_utterances = c.max_utterances;
    o.batching.quadratic_frames = c.quadratic;
    o.world_size = c.world;
    const auto per_rank = sequential_batches(lengths, o);
    SamplerOptions other = o;
    other.seed = 99;
    EXPECT_EQ(items_of(plan_epoch(lengths, o, 0)), items_of(plan_epoch(lengths, other, 5)));
    std::vector<int64_t> seen(lengths.size(), 0);
    int64_t previous = 0;
    for (size_t j = 0; j < per_rank[0].size(); ++j) {
      int64_t step_longest = 0;
      for (int r = 0; r < c.world; ++r) {
        ASSERT_EQ(per_rank[static_cast<size_t>(r)].size(), per_rank[0].size());
        const Batch& b = per_rank[static_cast<size_t>(r)][j];
        if (b.items.size() > 1) {
          EXPECT_LE(BatchCost{o.batching.quadratic_frames}(static_cast<int64_t>(b.items.size()),
                                                           b.max_length),
                    static_cast<double>(o.batching.max_frames));
        }
        if (o.batching.max_utterances > 0) {
          EXPECT_LE(static_cast<int64_t>(b.items.size()), o.batching.max_utterances);
        }
        for (int64_t i : b.items) {
          seen[static_cast<size_t>(i)] += 1;
          EXPECT_GE(lengths[static_cast<size_t>(i)], previous) << "step " << j;
          step_longest = std::max(step_longest, lengths[static_cast<size_t>(i)]);
        }
      }
      previous = std::max(previous, step_longest);
    }
    for (size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], 1) << "item " << i;
    ++checked;
  }
  EXPECT_EQ(checked, 7);
}

// An utterance over the budget is not refused in evaluation (it must be predicted whole) and
// never shares a batch: it forms one of its own. Equal lengths keep index order.
TEST(Sampler, SequentialPacksAnOverBudgetItemAlone) {
  SamplerOptions o;
  o.batching.mode = BatchOrder::Sequential;
  o.batching.max_frames = 1000;
  std::vector<std::vector<int64_t>> batches;
  for (const auto& step : plan_epoch({300, 1200, 30, 1500, 300, 20}, o, 0)) {
    batches.push_back(step[0].items);
  }
  EXPECT_EQ(batches, (std::vector<std::vector<int64_t>>{{5, 2, 0}, {4}, {1}, {3}}));
  o.batching.quadratic_frames = 100;  // 1 x 300 x (1 + 3) > 1000: each 300 alone too
  batches.clear();
  for (const auto& step : plan_epoch({300, 20, 300, 30}, o, 0)) batches.push_back(step[0].items);
  EXPECT_EQ(batches, (std::vector<std::vector<int64_t>>{{1, 3}, {0}, {2}}));
}

// Fewer utterances than ranks (a small valid split): the ranks without one get empty batches,
// and every rank still has the same number of steps.
TEST(Sampler, SequentialFeedsEveryRankEvenWithFewItems) {
  SamplerOptions o;
  o.batching.mode = BatchOrder::Sequential;
  o.batching.max_frames = 100;
  o.world_size = 3;
  const auto plan = plan_epoch({90}, o, 0);
  ASSERT_EQ(plan.size(), 1u);
  ASSERT_EQ(plan[0].size(), 3u);
  int empty = 0;
  for (const auto& b : plan[0]) empty += b.items.empty();
  EXPECT_EQ(empty, 2);
  EXPECT_TRUE(plan_epoch({}, o, 0).empty());
}

}  // namespace
}  // namespace artic
