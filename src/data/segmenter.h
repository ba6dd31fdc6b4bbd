// Cuts utterances into training segments (data.split_mode): whole utterances ("full"),
// fixed-length chunks with overlap ("fixed"), or chunks cut at the quietest frame past
// sequence_length that is below the silence threshold ("silence", never inside speech).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/enum_names.h"

namespace artic {

enum class SplitMode { Full, Fixed, Silence };
inline const std::vector<std::string>& names_of(SplitMode) {
  static const std::vector<std::string> names = {"full", "fixed", "silence"};
  return names;
}

struct Segment {
  int64_t utterance = 0;  // index into the corpus' utterance list
  int64_t start = 0;      // first frame within the utterance
  int64_t length = 0;     // frames
};

// The data section's split keys (data.split_mode, data.sequence_length, ...).
struct SegmenterOptions {
  SplitMode mode = SplitMode::Full;
  int64_t sequence_length = 500;
  int64_t sequence_overlap = 0;
  int64_t min_length = 10;
  int64_t silence_search = 100;
  double silence_threshold_db = -30.0;
};

// Segments of one utterance of `length` frames. `energy_db` (per frame, any dB reference) is
// needed only for mode "silence". A final piece shorter than min_length is dropped in "fixed"
// mode (its frames are covered by the previous overlapping segment only if overlap allows) and
// merged into the previous segment in "silence" mode.
std::vector<Segment> segment_utterance(int64_t utterance, int64_t length,
                                       const std::vector<float>& energy_db,
                                       const SegmenterOptions& options);

// Frame energy in dB from log-power features (log-mel in natural-log units): 10*log10(sum exp).
std::vector<float> frame_energy_db(const float* features, int64_t frames, int64_t num_features);

}  // namespace artic
