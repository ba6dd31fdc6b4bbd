// Acoustics: the vocal tract's filter (formants, bandwidths, nasal branch, frication) from the
// physical tract, the prosody of an utterance and the conditions it is recorded under.
#pragma once

#include <array>

#include "core/rng.h"
#include "synth/articulation.h"
#include "synth/speaker.h"

namespace artic::synth {

constexpr int kOralPoles = 8;
constexpr int kNasalPoles = 4;

struct Filter {
  std::array<double, kOralPoles> f{}, b{};
  std::array<double, kNasalPoles> nf{}, nb{};
  double zero_hz = 1000.0;
  double closed = 0.0;
  double nasal = 0.0;
  double sibilant_hz = 5000.0;
  double velar_hz = 2000.0;
};

Filter make_filter(const Physical& p, const Speaker& s);

// Turbulence at a constriction of aperture `gap` (mm): strongest near 1 mm, none at closure or
// when wide open.
double turbulence(double gap);

// Per-utterance recording conditions and prosody.
struct UtteranceAcoustics {
  double channel_gain = 1.0;  // microphone and preamp gain
  double channel_tilt = 0.0;  // one-pole spectral tilt of the channel, in (-1, 1)
  double noise_level = 0.0;   // background noise RMS over a typical vowel's, at the microphone
  double noise_colour = 0.0;  // one-pole low-pass of the background noise, in [0, 1)
  double f0_phase[2] = {0, 0};
  double f0_rate[2] = {0.3, 0.5};
  double effort_phase[2] = {0, 0};
  double effort_rate[2] = {0.2, 0.5};
};

// The vowel-to-noise ratio is `snr_db` +- 5 dB.
UtteranceAcoustics make_utterance_acoustics(XoshiroRng& rng, double snr_db);

// Slow vocal-effort drift in log power (about +-0.4).
double effort_at(const UtteranceAcoustics& u, double t);
double f0_at(const UtteranceAcoustics& u, const Speaker& s, double gain, double t);

struct FrameSource {
  double voice, aspiration, flow, gain, pressure, f0, tilt_hz;
};

}  // namespace artic::synth
