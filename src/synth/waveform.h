// Speech audio from an utterance's frames (docs/synthetic-corpus.md §9): a glottal pulse train
// following f0, aspiration and frication noise, oral formant resonators in cascade beside a nasal
// branch, every parameter interpolated per sample between frame times; then the recording: a
// coloured channel and background noise. Same inputs and rng state: the same samples, always
// finite.
#pragma once

#include <vector>

#include "core/rng.h"
#include "synth/frames.h"
#include "synth/speaker.h"

namespace artic::synth {

// Mono samples at `sample_rate_hz` (>= 8000) covering frames / `frame_rate_hz` seconds (frame n
// at n / frame_rate_hz), recorded under `recording`; noise is drawn from `rng`. A vowel's RMS is
// about kVowelRms (before the channel gain).
std::vector<float> render_waveform(const UtteranceFrames& frames, const Speaker& speaker,
                                   const UtteranceAcoustics& recording, double frame_rate_hz,
                                   double sample_rate_hz, XoshiroRng& rng);

constexpr double kVowelRms = 0.03;

}  // namespace artic::synth
