// Audio input for `artic prep`: any file libsndfile reads (WAV, FLAC, NIST SPHERE, ...), mixed
// down to mono, and resampled with libsamplerate's best sinc converter when needed.
#pragma once

#include <string>
#include <vector>

namespace artic {

struct Audio {
  std::vector<float> samples;  // mono, nominally in [-1, 1]
  int sample_rate = 0;
};

// Throws DataError naming the file when libsndfile cannot read it or it holds no samples.
Audio read_audio(const std::string& path);
// Band-limited sample-rate conversion (SRC_SINC_BEST_QUALITY); a copy when the rates match.
Audio resample(const Audio& audio, int sample_rate);

}  // namespace artic
