// Evaluation metrics as the table artic prints (their JSON is eval/run_records').
#pragma once

#include <string>

#include "eval/metrics.h"

namespace artic {

std::string metrics_table(const EvalMetrics& m);
// One line: the mean metrics on speech frames only, and how many frames those are.
std::string speech_line(const EvalMetrics& speech, int64_t all_frames);

}  // namespace artic
