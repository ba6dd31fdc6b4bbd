// The built-in synthetic articulatory corpus (docs/synthetic-corpus.md): phone sequences drive
// smooth articulator trajectories (12 EMA channels) and the speech they make, recorded as audio;
// same seed, same corpus. synth/corpus_files.h writes it to disk as a real corpus is laid out.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "synth/synth_options.h"

namespace artic {

constexpr int kSynthAudioRateHz = 16000;  // the recordings' sample rate
constexpr int kSynthEmaRateHz = 200;      // the EMA tracks' frame rate (as MNGU0's)
constexpr int kSynthLengthRateHz = 100;   // utterance lengths are whole 10 ms frames

struct SynthUtterance {
  std::string id;       // "spk01_0001": the speaker, '_', the speaker's utterance number
  std::string speaker;  // "spk01"
  std::string split;    // train | valid | test
  int64_t frames = 0;   // length in 1 / kSynthLengthRateHz s
};

// Validates `options`, then lists the corpus's utterances in index order.
std::vector<SynthUtterance> synth_utterances(const SynthOptions& options);

// Utterance `index` (synth_utterances()[index]) spoken: its EMA tracks and its recording, both
// starting at t = 0 and lasting its frames / kSynthLengthRateHz seconds.
struct SpokenUtterance {
  std::vector<float> ema;  // [frames * 2, kNumChannels] mm at kSynthEmaRateHz, frame n at n / rate
  std::vector<float> audio;  // frames * 160 samples at kSynthAudioRateHz, mono
};

// Validates `options` and `index` (0 <= index < utterances).
SpokenUtterance speak_utterance(const SynthOptions& options, int index);

// The EMA channel names (synth/speaker.h), in the tracks' order.
std::vector<std::string> synth_channel_names();

}  // namespace artic
