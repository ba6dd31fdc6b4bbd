// The built-in synthetic articulatory corpus (docs/synthetic-corpus.md): phone sequences drive
// smooth articulator trajectories (12 EMA channels, mm) and log-mel-like acoustics; same seed, same
// corpus.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/corpus.h"
#include "synth/synth_options.h"

namespace artic {

// Validates `options`, then builds the corpus; meta.recipe holds the options as TOML
// (synth_options_to_toml). meta.created_by is left empty for the caller.
Corpus synthesize(const SynthOptions& options);

// Utterance `index` of the corpus `options` describe, spoken: its EMA targets exactly as
// synthesize() writes them, and audio rendered from the same frames (synth/waveform.h). The audio
// is not part of the corpus synthesize() makes (yet).
struct SpokenUtterance {
  std::string id;
  std::string speaker;
  int64_t frames = 0;
  std::vector<float> ema;  // frames x kNumChannels (synth/speaker.h), mm
  double sample_rate_hz = 0.0;
  std::vector<float> audio;  // mono
};

// Validates `options`, `index` (0 <= index < utterances) and the sample rate (8 to 192 kHz).
SpokenUtterance speak_utterance(const SynthOptions& options, int index,
                                double sample_rate_hz = 16000.0);

}  // namespace artic
