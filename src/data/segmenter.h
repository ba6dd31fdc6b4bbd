// Cuts utterances into training segments (data.split_mode): whole utterances ("full"),
// fixed-length chunks with overlap ("fixed"), or chunks cut in the middle of the first real pause
// past sequence_length ("silence", never inside speech). A frame is silent when its energy is at
// most the utterance's noise floor (5th percentile) plus silence_fraction of the way to its
// speech level (95th percentile): a level-independent decision that follows each recording's own
// noise (when the two are less than 6 dB apart, nothing is silent). A pause is a run of at least
// pause_frames silent frames (shorter ones are the closures
// of stops and the like).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
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
  double silence_fraction = 0.25;
  int64_t pause_frames = 15;
};

// 1 where a frame is silent (see above), from per-frame energy in dB (any reference).
std::vector<uint8_t> silent_frames(const std::vector<float>& energy_db, double silence_fraction);

// The pauses of an utterance: [start, end) runs of at least min_frames silent frames, in order.
std::vector<std::pair<int64_t, int64_t>> pauses(const std::vector<uint8_t>& silent,
                                                int64_t min_frames);

// Segments of one utterance of `length` frames. `energy_db` (per frame, any dB reference) is
// needed only for mode "silence". A final piece shorter than min_length is dropped in "fixed"
// mode (its frames are covered by the previous overlapping segment only if overlap allows) and
// merged into the previous segment in "silence" mode; an utterance without a pause past
// sequence_length stays whole there.
std::vector<Segment> segment_utterance(int64_t utterance, int64_t length,
                                       const std::vector<float>& energy_db,
                                       const SegmenterOptions& options);

// Frame energy in dB from log-power features (log-mel in natural-log units): 10*log10(sum exp).
std::vector<float> frame_energy_db(const float* features, int64_t frames, int64_t num_features);

}  // namespace artic
