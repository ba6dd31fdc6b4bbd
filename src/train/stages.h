// The stage lifecycle of a run ([[stage]] tables; a run without them is one stage): each stage
// gets its config, training segments, fresh optimizer, sampler and schedule; its end is recorded
// in the checkpoint and summary, and the next stage starts from its best weights.
#pragma once

#include <string>

#include "train/session.h"

namespace artic {

// The stage's resolved config, segments, optimizer (fresh) and sampler; later stages shuffle
// with their own seed.
void build_stage(Session& s, int64_t stage);
// Fresh per-stage progress (epochs, schedule, early stopping) from the current step on; `from`
// names the checkpoint its weights came from (empty: none).
void start_stage(Session& s, int64_t stage, const std::string& from);
// Records the end of the stage (summary list, best-NAME.pt) and checkpoints it, so that a resume
// goes straight to the next stage.
void finish_stage(Session& s);
// Builds and starts the stage after the one that ended, from that one's best weights.
void next_stage(Session& s);

}  // namespace artic
