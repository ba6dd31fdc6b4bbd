// Audio input for `artic prep`: any file libsndfile reads (WAV, FLAC, NIST SPHERE, ...), mixed
// down to mono, and resampled with libsamplerate's best sinc converter when needed; and 16-bit
// WAV output, as corpora are distributed.
#pragma once

#include <cstdint>
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

// Writes mono 16-bit PCM WAV: each sample rounded to the nearest of x * 32767, values beyond
// [-1, 1] clipped. Returns how many were clipped; throws DataError when the file cannot be
// written. The same samples always give the same bytes.
int64_t write_wav_pcm16(const std::string& path, const Audio& audio);

}  // namespace artic
