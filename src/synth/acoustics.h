// Acoustics: a source-filter model of the physical vocal tract evaluated at mel-spaced band
// centres, under per-utterance recording conditions, written as noisy log band powers.
#pragma once

#include <array>
#include <vector>

#include "core/rng.h"
#include "synth/articulation.h"
#include "synth/speaker.h"

namespace artic::synth {

struct Bands {
  std::vector<double> hz, hz2, widen2, width;
  std::vector<double> spread;  // log-std of a noise-excited band's power (periodogram variance)
};

// `count` bands, mel-spaced from 80 to 7600 Hz.
Bands make_bands(int count);

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
  std::vector<double> channel;      // microphone/channel gain per band
  std::vector<double> noise_floor;  // background noise power per band
  double f0_phase[2] = {0, 0};
  double f0_rate[2] = {0.3, 0.5};
  double effort_phase[2] = {0, 0};
  double effort_rate[2] = {0.2, 0.5};
};

UtteranceAcoustics make_utterance_acoustics(XoshiroRng& rng, double snr_db, const Bands& bands);

// Slow vocal-effort drift in log power (about +-0.4).
double effort_at(const UtteranceAcoustics& u, double t);
double f0_at(const UtteranceAcoustics& u, const Speaker& s, double gain, double t);

struct FrameSource {
  double voice, aspiration, flow, gain, pressure, f0, tilt_hz;
};

// Writes the harmonic (deterministic) and the noise-excited power of every band.
void spectrum(const Physical& p, const Filter& f, const FrameSource& src, const Speaker& s,
              const Bands& bands, double* harmonic, double* noisy);

// Log band power: speech through the channel, noise-excited parts with periodogram-like
// fluctuation, plus fluctuating background noise and Gaussian noise in the log domain.
void write_features(const UtteranceAcoustics& ua, const Bands& bands, const double* harmonic,
                    const double* noisy, double acoustic_noise, XoshiroRng& rng, float* out);

}  // namespace artic::synth
