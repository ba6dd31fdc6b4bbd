#include "train/schedule.h"

#include <gtest/gtest.h>

#include <cmath>

namespace artic {
namespace {

TEST(Schedule, WarmupCosineHitsPeakAtWarmupEndAndMinLrAtRunEnd) {
  OptimConfig o;
  o.learning_rate = 1e-3;
  ScheduleConfig s;
  s.kind = ScheduleKind::WarmupCosine;
  s.warmup_steps = 100;
  s.min_lr = 1e-5;
  const int64_t total = 1100;
  EXPECT_DOUBLE_EQ(learning_rate_at(0, total, o, s), 1e-5);    // first step: peak / warmup
  EXPECT_DOUBLE_EQ(learning_rate_at(49, total, o, s), 5e-4);   // halfway up
  EXPECT_DOUBLE_EQ(learning_rate_at(99, total, o, s), 1e-3);   // last warmup step: the peak
  EXPECT_DOUBLE_EQ(learning_rate_at(100, total, o, s), 1e-3);  // cosine starts at the peak
  EXPECT_NEAR(learning_rate_at(600, total, o, s), (1e-3 + 1e-5) / 2, 1e-15);  // half-way down
  EXPECT_DOUBLE_EQ(learning_rate_at(1100, total, o, s), 1e-5);                // run end: min_lr
  EXPECT_DOUBLE_EQ(learning_rate_at(5000, total, o, s), 1e-5);                // and stays there
  double previous = 1.0;
  for (int64_t step = 100; step <= total; ++step) {
    const double lr = learning_rate_at(step, total, o, s);
    EXPECT_LE(lr, previous);
    previous = lr;
  }
}

TEST(Schedule, ConstantIgnoresSteps) {
  OptimConfig o;
  o.learning_rate = 3e-4;
  ScheduleConfig s;
  s.kind = ScheduleKind::Constant;
  for (int64_t step : {0, 10, 100000}) EXPECT_EQ(learning_rate_at(step, 50, o, s), 3e-4);
}

TEST(Schedule, NoWarmupStartsAtPeak) {
  OptimConfig o;
  o.learning_rate = 2e-3;
  ScheduleConfig s;
  s.warmup_steps = 0;
  s.min_lr = 0;
  EXPECT_DOUBLE_EQ(learning_rate_at(0, 10, o, s), 2e-3);
  EXPECT_NEAR(learning_rate_at(10, 10, o, s), 0.0, 1e-18);
}

}  // namespace
}  // namespace artic
