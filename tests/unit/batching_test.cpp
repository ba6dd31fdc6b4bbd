#include "train/batching.h"

#include <gtest/gtest.h>

#include "model/flops.h"

namespace artic {
namespace {

// The training plan must not change when the cost estimate moved from data/ to the model: the
// step cost is the formula data/dataset.cpp applied before, 2 * d_model + ff_dim for a
// full-attention transformer and the budget's own quadratic term otherwise.
TEST(Batching, TrainingStepCostIsTheFormulaTheSamplerUsedBefore) {
  Config c;
  c.model.d_model = 128;
  c.model.ff_dim = 512;
  c.batching.quadratic_frames = 0;
  SamplerOptions o = training_sampler_options(c, 0, 2, 1);
  EXPECT_EQ(o.step_cost.quadratic_frames, 2 * 128 + 512);
  EXPECT_EQ(o.batching.quadratic_frames, 0);
  EXPECT_EQ(o.batching.mode, BatchOrder::Bucket);
  EXPECT_EQ(o.batching.max_frames, c.batching.max_frames);
  EXPECT_EQ(o.world_size, 2);
  EXPECT_EQ(o.rank, 1);
  EXPECT_EQ(o.seed, static_cast<uint64_t>(c.run.seed));
  EXPECT_EQ(training_sampler_options(c, 3, 1, 0).seed,
            static_cast<uint64_t>(c.run.seed) + 3 * 7919);

  c.batching.quadratic_frames = 1500;
  c.model.attention_window = 16;
  EXPECT_EQ(training_sampler_options(c, 0, 1, 0).step_cost.quadratic_frames, 1500);
  c.model.attention_window = 0;
  c.model.kind = ModelKind::Blstm;
  EXPECT_EQ(training_sampler_options(c, 0, 1, 0).step_cost.quadratic_frames, 1500);
  c.batching.quadratic_frames = 0;
  EXPECT_EQ(training_sampler_options(c, 0, 1, 0).step_cost.quadratic_frames, 0);
}

// At T = quadratic_cost_frames a layer's attention FLOPs equal its dense FLOPs (no front end or
// head: zero features and channels).
TEST(Batching, ModelCostTermIsWhereAttentionCostsAsMuchAsTheDenseLayers) {
  ModelConfig m;
  m.d_model = 96;
  m.ff_dim = 320;
  const int64_t q = quadratic_cost_frames(m);
  ASSERT_EQ(q, 2 * 96 + 320);
  const ModelShape none{0, 0};
  const double dense = forward_flops_per_frame(m, none, 0);
  const double attention = forward_flops_per_frame(m, none, q) - dense;
  EXPECT_DOUBLE_EQ(attention, dense);
  m.attention_window = 8;
  EXPECT_EQ(quadratic_cost_frames(m), 0);
}

TEST(Batching, EvaluationIsSequentialUnderTheTrainingBudget) {
  Config c;
  c.batching.max_frames = 3000;
  c.batching.max_utterances = 4;
  c.batching.quadratic_frames = 900;
  const SamplerOptions o = evaluation_sampler_options(c, 3, 2);
  EXPECT_EQ(o.batching.mode, BatchOrder::Sequential);
  EXPECT_EQ(o.batching.max_frames, 3000);
  EXPECT_EQ(o.batching.max_utterances, 4);
  EXPECT_EQ(o.batching.quadratic_frames, 900);
  EXPECT_EQ(o.world_size, 3);
  EXPECT_EQ(o.rank, 2);
}

}  // namespace
}  // namespace artic
