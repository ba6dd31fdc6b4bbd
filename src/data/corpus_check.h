// Shared corpus checks used by the in-memory validator and the HDF5 reader.
#pragma once

#include <string>
#include <vector>

#include "data/corpus.h"

namespace artic {

// Ids unique and non-empty, lengths > 0, frames in range, no overlaps, known splits.
void check_index(const std::vector<UtteranceInfo>& utts, int64_t total_frames,
                 const std::string& origin);
// Throws DataError naming the utterance, frame and channel of the first non-finite value.
void check_finite(const float* values, int64_t frames, int64_t channels, const std::string& dataset,
                  const UtteranceInfo& utt, const std::vector<std::string>& channel_names,
                  const std::string& origin, int64_t first_frame = 0);

}  // namespace artic
