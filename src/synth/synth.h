// The built-in synthetic articulatory corpus (docs/synthetic-corpus.md): phone sequences drive
// smooth articulator trajectories (12 EMA channels, mm) and log-mel-like acoustics; same seed, same
// corpus.
#pragma once

#include <cstdint>

#include "data/corpus.h"

namespace artic {

struct SynthOptions {
  uint64_t seed = 1;
  int num_utterances = 500;
  int num_speakers = 4;
  int num_features = 60;       // log-mel-like bands, 40..80
  double mean_length_s = 6.0;  // mean utterance length
  double length_sigma = 0.5;   // lognormal shape; gives a tail to 20+ s
  double min_length_s = 1.0;
  double max_length_s = 30.0;
  double valid_fraction = 0.1;
  double test_fraction = 0.1;
  double frame_rate_hz = 100.0;
  double acoustic_noise = 0.1;  // std of Gaussian noise added to every log-power feature
  double snr_db = 30.0;         // typical vowel peak over the background noise, in dB
  double ema_noise_mm = 0.1;    // std of Gaussian sensor noise on every EMA coordinate
};

// Throws UserError naming the first bad option.
void validate(const SynthOptions& options);

// Validates `options`, then builds the corpus. meta.created_by is left empty for the caller.
Corpus synthesize(const SynthOptions& options);

}  // namespace artic
