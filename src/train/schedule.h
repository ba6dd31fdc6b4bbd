// Learning rate at an optimizer step: "constant", or "warmup_cosine" (linear from 0 to the peak
// over warmup_steps, then cosine down to min_lr at total_steps).
#pragma once

#include <cstdint>

#include "train/config.h"

namespace artic {

// `step` counts completed optimizer steps (the LR used for step + 1).
double learning_rate_at(int64_t step, int64_t total_steps, const OptimConfig& optim,
                        const ScheduleConfig& schedule);

}  // namespace artic
