#include "synth/acoustics.h"

#include <algorithm>
#include <cmath>

namespace artic::synth {
namespace {

constexpr double kPi = 3.14159265358979323846;

constexpr double kAnalysisWindowS = 0.025;
constexpr double kVowelPeakPower = 50.0;

double sigmoid(double x) {
  return 1.0 / (1.0 + std::exp(-x));
}

double resonance(double f2, double widen2, double pole, double bw) {
  const double p2 = pole * pole;
  const double d = p2 - f2;
  return p2 * p2 / (d * d + (bw * bw + widen2) * f2);
}

double lorentz(double f, double centre, double width) {
  const double x = (f - centre) / (0.5 * width);
  return 1.0 / (1.0 + x * x);
}

}  // namespace

double turbulence(double gap) {
  const double x = (gap - 0.9) / 0.6;
  return std::exp(-x * x) * (1.0 - std::exp(-gap / 0.15));
}

Bands make_bands(int count) {
  auto mel = [](double f) { return 2595.0 * std::log10(1.0 + f / 700.0); };
  auto hz = [](double m) { return 700.0 * (std::pow(10.0, m / 2595.0) - 1.0); };
  const double lo = mel(80.0), hi = mel(7600.0);
  Bands b;
  for (int i = 0; i < count; ++i) {
    const double f = hz(lo + (hi - lo) * i / (count - 1));
    const double step = (hi - lo) / (count - 1);
    const double width = hz(mel(f) + 0.5 * step) - hz(mel(f) - 0.5 * step);
    b.hz.push_back(f);
    b.hz2.push_back(f * f);
    b.width.push_back(width);
    b.widen2.push_back(0.25 * width * width);
    const double dof = std::max(2.0, 2.0 * width * kAnalysisWindowS);
    b.spread.push_back(std::min(1.0, std::sqrt(2.0 / dof)));
  }
  return b;
}

Filter make_filter(const Physical& p, const Speaker& s) {
  Filter f;
  const double tip_gap = p.gap_tip + 5.0 * p.lateral;
  const double k = 0.3;
  const double gap_min =
      std::max(0.0, -k * std::log(std::exp(-p.gap_lips / k) + std::exp(-tip_gap / k) +
                                  std::exp(-p.gap_body / k)));
  f.closed = std::exp(-gap_min / 0.4);
  f.nasal = p.velum;
  const double round = std::clamp(p.lip_pro / 5.0, -0.2, 1.3) + 0.4 * std::exp(-p.gap_lips / 3.0);
  const double retro = sigmoid((p.tip_h - 6.0) / 2.0) * sigmoid((-p.tip_x - 2.0) / 1.5);
  double f1 = (250.0 + 550.0 * sigmoid(-p.body_h / 4.5)) * (1.0 - 0.45 * std::exp(-gap_min / 2.5)) -
              50.0 * round;
  double f2 = 850.0 + 1450.0 * sigmoid((p.body_x - 5.0 * round) / 3.5) +
              250.0 * sigmoid((p.body_h - 4.0) / 3.0) * sigmoid(p.body_x / 2.0) - 200.0 * p.lateral;
  double f3 =
      2450.0 + 250.0 * sigmoid(p.body_x / 3.0) - 350.0 * round - 800.0 * retro + 200.0 * p.lateral;
  double f4 = 3400.0 + 150.0 * sigmoid(p.body_x / 3.0) - 200.0 * round;
  f1 = std::max(f1, 150.0);
  f2 = std::max(f2, f1 + 200.0);
  f3 = std::max(f3, f2 + 250.0);
  f4 = std::max(f4, f3 + 300.0);
  const double inv = 1.0 / s.vtl;
  f.f = {f1 * inv, f2 * inv, f3 * inv, f4 * inv, 4400 * inv, 5400 * inv, 6400 * inv, 7400 * inv};
  f.b = {60.0 + 250.0 * f.closed + 150.0 * f.nasal,
         80.0 + 100.0 * f.closed,
         120,
         180,
         300,
         400,
         500,
         600};
  f.nf = {250 * inv, 1000 * inv, 2200 * inv, 3300 * inv};
  f.nb = {100, 250, 350, 400};
  const double wl = std::exp(-p.gap_lips / 0.8), wt = std::exp(-p.gap_tip / 0.8),
               wb = std::exp(-p.gap_body / 0.8), wo = 0.3;
  f.zero_hz = (1000.0 * wl + 1800.0 * wt + 3000.0 * wb + 700.0 * wo) / (wl + wt + wb + wo) * inv;
  f.sibilant_hz =
      std::clamp((4800.0 + 320.0 * p.tip_x) * inv * (1.0 - 0.2 * round), 2000.0, 7500.0);
  f.velar_hz = 1.05 * f2 * inv;
  return f;
}

UtteranceAcoustics make_utterance_acoustics(XoshiroRng& rng, double snr_db, const Bands& bands) {
  UtteranceAcoustics u;
  const double gain = std::exp(0.3 * rng.normal());
  const double tilt = 0.3 * rng.normal();
  const double snr = snr_db + rng.uniform(-5.0, 5.0);
  const double noise_level = kVowelPeakPower * std::pow(10.0, -snr / 10.0);
  const double noise_slope = rng.uniform(0.5, 1.5);
  const size_t nb = bands.hz.size();
  for (size_t b = 0; b < nb; ++b) {
    const double pos = static_cast<double>(b) / static_cast<double>(nb - 1) - 0.5;
    u.channel.push_back(gain * std::exp(tilt * pos));
    u.noise_floor.push_back(noise_level * std::pow(500.0 / (bands.hz[b] + 500.0), noise_slope));
  }
  for (int i = 0; i < 2; ++i) {
    u.f0_phase[i] = rng.uniform(0.0, 2.0 * kPi);
    u.f0_rate[i] = rng.uniform(0.2, 0.7);
    u.effort_phase[i] = rng.uniform(0.0, 2.0 * kPi);
    u.effort_rate[i] = rng.uniform(0.1, 0.6);
  }
  return u;
}

double effort_at(const UtteranceAcoustics& u, double t) {
  return 0.4 * (0.6 * std::sin(2.0 * kPi * u.effort_rate[0] * t + u.effort_phase[0]) +
                0.4 * std::sin(2.0 * kPi * u.effort_rate[1] * t + u.effort_phase[1]));
}

double f0_at(const UtteranceAcoustics& u, const Speaker& s, double gain, double t) {
  return s.f0_hz * std::exp(0.25 * (gain - 1.0) +
                            0.05 * std::sin(2.0 * kPi * u.f0_rate[0] * t + u.f0_phase[0]) +
                            0.03 * std::sin(2.0 * kPi * u.f0_rate[1] * t + u.f0_phase[1]));
}

void spectrum(const Physical& p, const Filter& f, const FrameSource& src, const Speaker& s,
              const Bands& bands, double* harmonic, double* noisy) {
  const double flow2 = src.flow * src.flow;
  const double voiced = std::max(src.voice, 0.0) * flow2;
  const double aspirated = (std::max(src.aspiration, 0.0) + s.breathiness * src.voice) * flow2;
  const double burst = flow2 * (1.0 + 5.0 * std::max(src.pressure, 0.0));
  const double t_lips = burst * turbulence(p.gap_lips);
  const double t_tip = burst * turbulence(p.gap_tip);
  const double t_body = burst * turbulence(p.gap_body);
  const double open = 1.0 - f.closed;
  const size_t count = bands.hz.size();
  for (size_t b = 0; b < count; ++b) {
    const double hz = bands.hz[b], hz2 = bands.hz2[b], widen2 = bands.widen2[b];
    double oral = 1.0;
    for (int i = 0; i < kOralPoles; ++i) oral *= resonance(hz2, widen2, f.f[i], f.b[i]);
    double nasal = 1.0;
    for (int i = 0; i < kNasalPoles; ++i) nasal *= resonance(hz2, widen2, f.nf[i], f.nb[i]);
    nasal /= resonance(hz2, widen2, f.zero_hz, 150.0);
    const double tilt = 1.0 / (1.0 + hz2 / (src.tilt_hz * src.tilt_hz));
    const double spread = bands.width[b] / src.f0;
    const double ripple =
        spread < 2.5 ? 1.0 + 0.9 * std::exp(-spread * spread) * std::cos(2.0 * kPi * hz / src.f0)
                     : 1.0;
    const double voicebar = 0.3 * f.closed * (1.0 - f.nasal) / (1.0 + hz2 * hz2 / 3.90625e9);
    const double glottal = voiced * tilt * ripple *
                           (oral * open * (1.0 - 0.5 * f.nasal) + 0.5 * f.nasal * nasal + voicebar);
    const double breath = aspirated * 0.1 * oral * open / (1.0 + hz2 / 4.9e7);
    const double hp = hz2 * hz2 / (hz2 * hz2 + std::pow(0.5 * f.sibilant_hz, 4));
    const double fric = t_lips * 1.0 / (1.0 + hz2 / 4.9e7) +
                        t_tip * 8.0 * lorentz(hz, f.sibilant_hz, 0.5 * f.sibilant_hz) * hp +
                        t_body * 3.0 * lorentz(hz, f.velar_hz, 600.0);
    harmonic[b] = src.gain * glottal;
    noisy[b] = src.gain * (breath + fric);
  }
}

void write_features(const UtteranceAcoustics& ua, const Bands& bands, const double* harmonic,
                    const double* noisy, double acoustic_noise, XoshiroRng& rng, float* out) {
  for (size_t b = 0; b < bands.hz.size(); ++b) {
    const double sd = bands.spread[b];
    const double fluctuation = std::exp(sd * rng.normal() - 0.5 * sd * sd);
    const double power = ua.channel[b] * (harmonic[b] + noisy[b] * fluctuation) +
                         ua.noise_floor[b] * std::exp(0.5 * rng.normal());
    out[b] = static_cast<float>(std::log(power) + acoustic_noise * rng.normal());
  }
}

}  // namespace artic::synth
