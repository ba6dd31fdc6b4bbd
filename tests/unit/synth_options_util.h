// Shared by the synth tests: options that need every digit to read back, and a field-by-field
// comparison of two option sets.
#pragma once

#include <gtest/gtest.h>

#include "synth/synth_options.h"

namespace artic {

inline void expect_same_options(const SynthOptions& a, const SynthOptions& b) {
  EXPECT_EQ(a.seed, b.seed);
  EXPECT_EQ(a.num_utterances, b.num_utterances);
  EXPECT_EQ(a.num_speakers, b.num_speakers);
  EXPECT_EQ(a.mean_length_s, b.mean_length_s);
  EXPECT_EQ(a.length_sigma, b.length_sigma);
  EXPECT_EQ(a.min_length_s, b.min_length_s);
  EXPECT_EQ(a.max_length_s, b.max_length_s);
  EXPECT_EQ(a.valid_fraction, b.valid_fraction);
  EXPECT_EQ(a.test_fraction, b.test_fraction);
  EXPECT_EQ(a.snr_db, b.snr_db);
  EXPECT_EQ(a.ema_noise_mm, b.ema_noise_mm);
}

// Options far from the defaults, with values that need every digit to read back.
inline SynthOptions unusual_options() {
  SynthOptions o;
  o.seed = 9'000'000'000'000'000'000;
  o.num_utterances = 7;
  o.num_speakers = 3;
  o.mean_length_s = 1.0 / 3.0 + 1.0;
  o.length_sigma = 0.1;
  o.min_length_s = 0.75;
  o.max_length_s = 2.5;
  o.valid_fraction = 0.2;
  o.test_fraction = 0.3;
  o.snr_db = -7.25;
  o.ema_noise_mm = 1e-3;
  return o;
}

}  // namespace artic
