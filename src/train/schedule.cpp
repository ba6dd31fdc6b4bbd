#include "train/schedule.h"

#include <algorithm>
#include <cmath>

namespace artic {

double learning_rate_at(int64_t step, int64_t total_steps, const OptimConfig& optim,
                        const ScheduleConfig& schedule) {
  const double peak = optim.learning_rate;
  if (schedule.kind == ScheduleKind::Constant) return peak;
  const int64_t warmup = schedule.warmup_steps;
  if (step < warmup) return peak * static_cast<double>(step + 1) / static_cast<double>(warmup);
  const int64_t decay_steps = std::max<int64_t>(1, total_steps - warmup);
  const double progress =
      std::clamp(static_cast<double>(step - warmup) / static_cast<double>(decay_steps), 0.0, 1.0);
  return schedule.min_lr + 0.5 * (peak - schedule.min_lr) * (1.0 + std::cos(M_PI * progress));
}

}  // namespace artic
