// Articulatory track processing for `artic prep`: filling short gaps (break frames and NaN
// samples), choosing and renaming channels, zero-phase low-pass filtering and resampling to the
// feature frame times.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "prep/est_track.h"

namespace artic {

struct GapReport {
  int64_t filled = 0;    // samples interpolated
  int64_t longest = 0;   // longest gap in frames (over channels)
  std::string too_long;  // empty when every gap was filled; else which gap was too long
};

// Per channel, runs of break frames or non-finite samples of at most max_gap frames are
// interpolated linearly (at the ends: the nearest valid sample). A longer gap, or a channel
// with no valid sample, leaves the track as it is and is described in `too_long`.
GapReport fill_gaps(EstTrack& track, int64_t max_gap);

// Picks channels by source name and gives them target names, in the mapping's order (times and
// valid flags kept). Throws DataError naming a missing channel and the nearest one the file has.
EstTrack select_channels(const EstTrack& track,
                         const std::vector<std::pair<std::string, std::string>>& mapping,
                         const std::string& origin);

// Zero-phase low-pass: a 4th-order Butterworth (two biquads) run forward and backward with
// reflected edges, so the response is -6 dB at cutoff_hz and the phase is zero. [frames, C].
void lowpass_zero_phase(std::vector<float>& values, int64_t channels, double sample_rate,
                        double cutoff_hz);

// Linear interpolation of [frames, C] samples taken at `times` onto frames at k / rate_hz,
// k = 0 .. floor(last time * rate_hz).
std::vector<float> resample_track(const std::vector<float>& values, int64_t channels,
                                  const std::vector<double>& times, double rate_hz,
                                  int64_t* frames_out);

}  // namespace artic
