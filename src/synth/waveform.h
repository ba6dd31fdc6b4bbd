// Speech audio from an utterance's frames (docs/synthetic-corpus.md §9): a glottal pulse train
// following f0, aspiration and frication noise, oral formant resonators in cascade beside a nasal
// branch, every parameter interpolated per sample between frame centres. Same frames, speaker and
// rng state: the same samples, always finite. Not yet used by the corpus written to HDF5.
#pragma once

#include <vector>

#include "core/rng.h"
#include "synth/frames.h"
#include "synth/speaker.h"

namespace artic::synth {

// Mono samples at `sample_rate_hz` (>= 8000) covering frames / `frame_rate_hz` seconds, within
// [-1, 1] at the corpus's source levels; noise is drawn from `rng`.
std::vector<float> render_waveform(const UtteranceFrames& frames, const Speaker& speaker,
                                   double frame_rate_hz, double sample_rate_hz, XoshiroRng& rng);

}  // namespace artic::synth
