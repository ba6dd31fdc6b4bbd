#include "synth/acoustics.h"

#include <algorithm>
#include <cmath>

namespace artic::synth {
namespace {

constexpr double kPi = 3.14159265358979323846;

double sigmoid(double x) {
  return 1.0 / (1.0 + std::exp(-x));
}

}  // namespace

double turbulence(double gap) {
  const double x = (gap - 0.9) / 0.6;
  return std::exp(-x * x) * (1.0 - std::exp(-gap / 0.15));
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

UtteranceAcoustics make_utterance_acoustics(XoshiroRng& rng, double snr_db) {
  UtteranceAcoustics u;
  u.channel_gain = std::exp(0.3 * rng.normal());
  u.channel_tilt = std::clamp(0.3 * rng.normal(), -0.6, 0.6);
  u.noise_level = std::pow(10.0, -(snr_db + rng.uniform(-5.0, 5.0)) / 20.0);
  u.noise_colour = rng.uniform(0.0, 0.9);
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

}  // namespace artic::synth
