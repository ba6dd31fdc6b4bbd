// Presentation of evaluation metrics: the stdout table and the JSON written to eval.json
// and metrics.jsonl ({"mean": {...}, "articulators": {name: {...}}}).
#pragma once

#include <string>

#include "core/json.h"
#include "eval/metrics.h"

namespace artic {

std::string metrics_table(const EvalMetrics& m);
json::Value metrics_to_json(const EvalMetrics& m);
// metrics_to_json plus "split", "utterances" and "frames".
json::Value eval_json(const EvalMetrics& m, const std::string& split);

}  // namespace artic
