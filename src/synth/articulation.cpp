#include "synth/articulation.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace artic::synth {
namespace {

constexpr double kPalateTip = 14.0;   // tip height at alveolar contact
constexpr double kPalateBody = 16.0;  // body height at velar/palatal contact
// Anticipatory reach of each motor variable's dominance (s); carry-over is 0.7 of it.
constexpr MotorVec kReach = {0.07, 0.06, 0.06, 0.035, 0.035, 0.04, 0.10, 0.09, 0.04};
// Natural frequency of the critically damped dynamics (rad/s): lips and tip fast, jaw slow.
constexpr MotorVec kOmega = {28.0, 32.0, 32.0, 55.0, 50.0, 55.0, 30.0, 30.0, 45.0};
constexpr SourceVec kSourceOmega = {90.0, 70.0, 45.0, 25.0};

std::vector<MotorVec> blend_targets(const std::vector<Segment>& segs, int64_t frames, double fps) {
  std::vector<MotorVec> num(static_cast<size_t>(frames)), den(static_cast<size_t>(frames));
  for (const Segment& s : segs) {
    const double quarter = 0.25 * (s.end - s.start);
    const double core_lo = s.start + quarter, core_hi = s.end - quarter;
    for (int m = 0; m < kNumMotor; ++m) {
      const double ant = kReach[m], car = 0.7 * kReach[m];
      const int64_t lo = std::max<int64_t>(0, static_cast<int64_t>((core_lo - 14 * ant) * fps));
      const int64_t hi =
          std::min<int64_t>(frames, static_cast<int64_t>((core_hi + 14 * car) * fps) + 1);
      for (int64_t n = lo; n < hi; ++n) {
        const double t = frame_time(n, fps);
        const double d = t < core_lo ? (core_lo - t) / ant : t > core_hi ? (t - core_hi) / car : 0;
        const double w = s.strength[m] * std::exp(-d);
        num[n][m] += w * s.target[m];
        den[n][m] += w;
      }
    }
  }
  const MotorVec rest = inventory().phones[inventory().silence].target;
  for (int64_t n = 0; n < frames; ++n) {
    for (int m = 0; m < kNumMotor; ++m) {
      num[n][m] = (num[n][m] + 1e-9 * rest[m]) / (den[n][m] + 1e-9);
    }
  }
  return num;
}

std::vector<SourceVec> source_targets(const std::vector<Segment>& segs, int64_t frames,
                                      double fps) {
  std::vector<SourceVec> out(static_cast<size_t>(frames));
  size_t k = 0;
  for (int64_t n = 0; n < frames; ++n) {
    const double t = frame_time(n, fps);
    while (k + 1 < segs.size() && segs[k].end <= t) ++k;
    out[n] = segs[k].source;
  }
  return out;
}

// Integrates x'' = w^2 (u - x) - 2 w x' with `substeps` semi-implicit Euler steps per frame,
// the input interpolated linearly between frames.
template <size_t N>
std::vector<std::array<double, N>> damp(const std::vector<std::array<double, N>>& input,
                                        const std::array<double, N>& omega, double fps,
                                        bool interpolate) {
  const int substeps = std::max(1, static_cast<int>(std::ceil(1.0 / (fps * 0.0025))));
  const double dt = 1.0 / (fps * substeps);
  std::vector<std::array<double, N>> out(input.size());
  if (input.empty()) return out;
  std::array<double, N> x = input[0], v{};
  for (size_t n = 0; n < input.size(); ++n) {
    const auto& prev = input[n > 0 ? n - 1 : 0];
    for (int j = 1; j <= substeps; ++j) {
      const double a = interpolate ? static_cast<double>(j) / substeps : 1.0;
      for (size_t m = 0; m < N; ++m) {
        const double u = prev[m] + a * (input[n][m] - prev[m]);
        v[m] += dt * (omega[m] * omega[m] * (u - x[m]) - 2.0 * omega[m] * v[m]);
        x[m] += dt * v[m];
      }
    }
    out[n] = x;
  }
  return out;
}

double softplus(double x, double k) {
  return x > 20.0 * k ? x : k * std::log1p(std::exp(x / k));
}

void ema_frame(const Physical& p, const Speaker& s, float* out) {
  const double k = s.scale;
  const double upper_lip = 0.08 * p.lip_ap - 2.0 * std::exp(-p.lip_ap / 2.0) + 0.3 * p.lip_pro;
  const double v[kNumChannels] = {p.tip_x + 0.15 * p.body_x,
                                  p.tip_h,
                                  0.8 * p.body_x + 0.1 * p.tip_x,
                                  0.9 * p.body_h + 0.1 * p.tip_h,
                                  0.9 * p.body_x,
                                  0.8 * p.body_h - 0.35 * p.body_x,
                                  -0.35 * p.jaw,
                                  -p.jaw,
                                  p.lip_pro,
                                  upper_lip,
                                  0.9 * p.lip_pro - 0.2 * p.jaw,
                                  upper_lip - p.lip_ap};
  for (int c = 0; c < kNumChannels; ++c) out[c] = static_cast<float>(s.rest[c] + k * v[c]);
}

}  // namespace

double frame_time(int64_t n, double fps) {
  return static_cast<double>(n) / fps;
}

std::vector<MotorVec> motor_trajectory(const std::vector<Segment>& segs, int64_t frames,
                                       double fps) {
  return damp(blend_targets(segs, frames, fps), kOmega, fps, true);
}

std::vector<SourceVec> source_trajectory(const std::vector<Segment>& segs, int64_t frames,
                                         double fps) {
  return damp(source_targets(segs, frames, fps), kSourceOmega, fps, false);
}

Physical physical(const MotorVec& m) {
  Physical p;
  p.gap_lips = softplus(m[kLipAp], 0.4);
  p.gap_tip = softplus(kPalateTip - m[kTipH], 0.4);
  p.gap_body = softplus(kPalateBody - m[kBodyH], 0.4);
  p.jaw = m[kJaw];
  p.body_h = kPalateBody - p.gap_body;
  p.body_x = m[kBodyX];
  p.tip_h = kPalateTip - p.gap_tip;
  p.tip_x = m[kTipX];
  p.lip_ap = p.gap_lips;
  p.lip_pro = m[kLipPro];
  p.velum = std::clamp(m[kVelum], 0.0, 1.0);
  p.lateral = std::clamp(m[kLateral], 0.0, 1.0);
  return p;
}

void write_targets(const Physical& p, const Speaker& speaker, double noise_mm, XoshiroRng& rng,
                   float* out) {
  ema_frame(p, speaker, out);
  for (int c = 0; c < kNumChannels; ++c) out[c] += static_cast<float>(noise_mm * rng.normal());
}

}  // namespace artic::synth
