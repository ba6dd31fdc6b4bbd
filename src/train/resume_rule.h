// What `artic train --resume` may change (docs/training.md, "Resuming"): a resumed run continues
// the computation it started, so only keys that do not change what it computes may differ from
// the config recorded in its checkpoint: logging, threads, device, communication, monitoring and
// checkpoint cadence (and the run's name, for --resume-from a checkpoint of another run).
#pragma once

#include <string>
#include <vector>

#include "train/config.h"

namespace artic {

// The keys --resume may change ("section.key", or "section.*" for a whole section).
const std::vector<std::string>& resumable_keys();

// Empty when `given` may continue the run recorded as `recorded`; else one sentence naming the
// first key it changes, both values, the checkpoint that recorded them and what to run instead.
std::string resume_problem(const Config& recorded, const Config& given, const std::string& run_dir,
                           const std::string& checkpoint);

}  // namespace artic
