// Evaluation metrics as the table artic prints (their JSON is eval/run_records').
#pragma once

#include <string>

#include "eval/metrics.h"

namespace artic {

std::string metrics_table(const EvalMetrics& m);

}  // namespace artic
