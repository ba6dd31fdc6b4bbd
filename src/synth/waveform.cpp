#include "synth/waveform.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <stdexcept>

namespace artic::synth {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kMinHz = 50.0;
constexpr double kMinBandwidthHz = 20.0;
constexpr double kMaxPole = 0.45;      // of the sample rate: higher poles are left out
constexpr double kVoiceBarHz = 250.0;  // the voice bar radiated during a voiced closure
constexpr double kVelarBandwidthHz = 600.0;
constexpr double kOutputGain = 0.01;  // the corpus's levels to sample values

// A frame as the renderer needs it: the filter, and the source as powers (spectrum()'s weights).
struct Params {
  std::array<double, kOralPoles> f{}, b{};
  std::array<double, kNasalPoles> nf{}, nb{};
  double zero_hz = 0, closed = 0, nasal = 0, sibilant_hz = 0, velar_hz = 0;
  double voiced = 0, aspirated = 0, gain = 0, f0 = 0, tilt_hz = 0;
  double lips = 0, tip = 0, body = 0;  // frication power at each constriction
};

Params frame_params(const Physical& p, const Filter& f, const FrameSource& s, const Speaker& spk) {
  Params q;
  q.f = f.f;
  q.b = f.b;
  q.nf = f.nf;
  q.nb = f.nb;
  q.zero_hz = f.zero_hz;
  q.closed = std::clamp(f.closed, 0.0, 1.0);
  q.nasal = std::clamp(f.nasal, 0.0, 1.0);
  q.sibilant_hz = f.sibilant_hz;
  q.velar_hz = f.velar_hz;
  const double flow2 = s.flow * s.flow;
  const double voice = std::max(s.voice, 0.0);
  q.voiced = voice * flow2;
  q.aspirated = (std::max(s.aspiration, 0.0) + spk.breathiness * voice) * flow2;
  q.gain = std::max(s.gain, 0.0);
  q.f0 = s.f0;
  q.tilt_hz = s.tilt_hz;
  const double burst = flow2 * (1.0 + 5.0 * std::max(s.pressure, 0.0));
  q.lips = burst * turbulence(p.gap_lips);
  q.tip = 8.0 * burst * turbulence(p.gap_tip);
  q.body = 3.0 * burst * turbulence(p.gap_body);
  return q;
}

Params mix(const Params& a, const Params& b, double w) {
  const auto lerp = [w](double x, double y) { return x + w * (y - x); };
  Params m;
  for (int i = 0; i < kOralPoles; ++i) {
    m.f[i] = lerp(a.f[i], b.f[i]);
    m.b[i] = lerp(a.b[i], b.b[i]);
  }
  for (int i = 0; i < kNasalPoles; ++i) {
    m.nf[i] = lerp(a.nf[i], b.nf[i]);
    m.nb[i] = lerp(a.nb[i], b.nb[i]);
  }
  m.zero_hz = lerp(a.zero_hz, b.zero_hz);
  m.closed = lerp(a.closed, b.closed);
  m.nasal = lerp(a.nasal, b.nasal);
  m.sibilant_hz = lerp(a.sibilant_hz, b.sibilant_hz);
  m.velar_hz = lerp(a.velar_hz, b.velar_hz);
  m.voiced = lerp(a.voiced, b.voiced);
  m.aspirated = lerp(a.aspirated, b.aspirated);
  m.gain = lerp(a.gain, b.gain);
  m.f0 = lerp(a.f0, b.f0);
  m.tilt_hz = lerp(a.tilt_hz, b.tilt_hz);
  m.lips = lerp(a.lips, b.lips);
  m.tip = lerp(a.tip, b.tip);
  m.body = lerp(a.body, b.body);
  return m;
}

// Klatt's two-pole resonator, unity gain at 0 Hz; `zeros` makes it its inverse (two zeros).
class Resonator {
 public:
  void tune(double hz, double bw, double fs) {
    const double r = std::exp(-kPi * std::max(bw, kMinBandwidthHz) / fs);
    const double hz_ok = std::clamp(hz, kMinHz, kMaxPole * fs);
    c_ = -r * r;
    b_ = 2.0 * r * std::cos(2.0 * kPi * hz_ok / fs);
    a_ = 1.0 - b_ - c_;
  }
  double pole(double x) {
    const double y = a_ * x + b_ * y1_ + c_ * y2_;
    y2_ = y1_;
    y1_ = y;
    return y;
  }
  double zero(double x) {
    const double y = (x - b_ * y1_ - c_ * y2_) / a_;
    y2_ = y1_;
    y1_ = x;
    return y;
  }

 private:
  double a_ = 1, b_ = 0, c_ = 0, y1_ = 0, y2_ = 0;
};

// A biquad (RBJ's cookbook forms), transposed direct form II.
class Biquad {
 public:
  // Band-pass of unit peak gain at `hz`, -3 dB bandwidth `bw`; zeros at 0 Hz and Nyquist.
  void bandpass(double hz, double bw, double fs) {
    const double w = 2.0 * kPi * std::clamp(hz, kMinHz, kMaxPole * fs) / fs;
    const double q = std::clamp(hz, kMinHz, kMaxPole * fs) / std::max(bw, kMinBandwidthHz);
    const double alpha = std::sin(w) / (2.0 * q);
    set(alpha, 0.0, -alpha, 1.0 + alpha, -2.0 * std::cos(w), 1.0 - alpha);
  }
  // Butterworth low-pass: power gain 1 / (1 + (f / hz)^4).
  void lowpass(double hz, double fs) {
    const double w = 2.0 * kPi * hz / fs;
    const double alpha = std::sin(w) / std::sqrt(2.0);
    const double c = std::cos(w);
    set(0.5 * (1.0 - c), 1.0 - c, 0.5 * (1.0 - c), 1.0 + alpha, -2.0 * c, 1.0 - alpha);
  }
  double operator()(double x) {
    const double y = b0_ * x + s1_;
    s1_ = b1_ * x - a1_ * y + s2_;
    s2_ = b2_ * x - a2_ * y;
    return y;
  }

 private:
  void set(double b0, double b1, double b2, double a0, double a1, double a2) {
    b0_ = b0 / a0;
    b1_ = b1 / a0;
    b2_ = b2 / a0;
    a1_ = a1 / a0;
    a2_ = a2 / a0;
  }
  double b0_ = 1, b1_ = 0, b2_ = 0, a1_ = 0, a2_ = 0, s1_ = 0, s2_ = 0;
};

// Rosenberg glottal flow pulses, differentiated (the radiated flow derivative), at unit mean
// power. The open phase lasts about 1 / tilt_hz (open quotient 0.3..0.8), so the spectrum
// falls at about -6 dB/octave above tilt_hz, as spectrum() has it.
class Glottis {
 public:
  double operator()(double f0, double tilt_hz, double fs) {
    const double hz = std::clamp(f0, 20.0, 0.25 * fs);
    phase_ += hz / fs;
    if (phase_ >= 1.0) {
      phase_ -= std::floor(phase_);
      start_period(hz, std::max(tilt_hz, 1.0));
    }
    const double g = flow(phase_);
    const double d = (g - last_) * fs * scale_;
    last_ = g;
    return d;
  }

 private:
  void start_period(double f0, double tilt_hz) {
    open_ = std::clamp(f0 / tilt_hz, 0.3, 0.8);
    const double period = 1.0 / f0;
    const double energy =
        kPi * kPi / 8.0 * (1.0 / (0.7 * open_ * period) + 1.0 / (0.3 * open_ * period));
    scale_ = std::sqrt(period / energy);
  }
  double flow(double phase) const {
    const double opening = 0.7 * open_, closing = 0.3 * open_;
    if (phase < opening) return 0.5 * (1.0 - std::cos(kPi * phase / opening));
    if (phase < open_) return std::cos(0.5 * kPi * (phase - opening) / closing);
    return 0.0;
  }
  double phase_ = 1.0, last_ = 0.0, open_ = 0.5, scale_ = 0.0;
};

// Source, tract and radiation: one output sample per call.
class Synthesizer {
 public:
  explicit Synthesizer(double fs) : fs_(fs) { voice_bar_.lowpass(kVoiceBarHz, fs); }

  double operator()(const Params& p, XoshiroRng& rng) {
    const double source = std::sqrt(p.gain * p.voiced) * glottis_(p.f0, p.tilt_hz, fs_);
    const double breath = rng.normal();
    const double excitation = source + std::sqrt(0.1 * p.gain * p.aspirated) * breath;
    double oral = excitation;
    for (int i = 0; i < kOralPoles; ++i) {
      if (p.f[i] >= kMaxPole * fs_) continue;
      oral_[i].tune(p.f[i], p.b[i], fs_);
      oral = oral_[i].pole(oral);
    }
    double nasal = excitation;
    for (int i = 0; i < kNasalPoles; ++i) {
      if (p.nf[i] >= kMaxPole * fs_) continue;
      nasal_[i].tune(p.nf[i], p.nb[i], fs_);
      nasal = nasal_[i].pole(nasal);
    }
    zero_.tune(p.zero_hz, 150.0, fs_);
    nasal = zero_.zero(nasal);
    sibilant_.bandpass(p.sibilant_hz, 0.5 * p.sibilant_hz, fs_);
    velar_.bandpass(p.velar_hz, kVelarBandwidthHz, fs_);
    const double open = 1.0 - p.closed;
    const double voiced = std::sqrt(open * (1.0 - 0.5 * p.nasal)) * oral +
                          std::sqrt(0.5 * p.nasal) * nasal +
                          std::sqrt(0.3 * p.closed * (1.0 - p.nasal)) * voice_bar_(source);
    // One draw per statement: the order of the draws may not depend on the compiler.
    const double at_lips = rng.normal();
    const double at_tip = sibilant_(rng.normal());
    const double at_body = velar_(rng.normal());
    const double frication = std::sqrt(p.gain * p.lips) * at_lips +
                             std::sqrt(p.gain * p.tip) * at_tip +
                             std::sqrt(p.gain * p.body) * at_body;
    return kOutputGain * (voiced + frication);
  }

 private:
  double fs_;
  Glottis glottis_;
  std::array<Resonator, kOralPoles> oral_;
  std::array<Resonator, kNasalPoles> nasal_;
  Resonator zero_;
  Biquad voice_bar_, sibilant_, velar_;
};

// The recording: background noise, low-passed by a one-pole filter and scaled to
// noise_level * kVowelRms, added to the speech at the microphone; then the channel's one-pole
// tilt and gain act on both.
class Channel {
 public:
  explicit Channel(const UtteranceAcoustics& r)
      : gain_(r.channel_gain),
        tilt_(r.channel_tilt),
        colour_(r.noise_colour),
        noise_scale_(r.noise_level * kVowelRms * std::sqrt(1.0 - r.noise_colour * r.noise_colour)) {
  }

  double operator()(double speech, double white) {
    noise_ = colour_ * noise_ + noise_scale_ * white;
    const double heard = speech + noise_;
    const double tilted = heard - tilt_ * last_;
    last_ = heard;
    return gain_ * tilted;
  }

 private:
  double gain_, tilt_, colour_, noise_scale_;
  double last_ = 0.0, noise_ = 0.0;
};

}  // namespace

std::vector<float> render_waveform(const UtteranceFrames& frames, const Speaker& speaker,
                                   const UtteranceAcoustics& recording, double frame_rate_hz,
                                   double sample_rate_hz, XoshiroRng& rng) {
  const size_t count = frames.filter.size();
  if (!(sample_rate_hz >= 8000.0) || !(frame_rate_hz > 0.0) || frames.physical.size() != count ||
      frames.source.size() != count) {
    throw std::invalid_argument(
        "render_waveform: needs a sample rate >= 8000 Hz, a positive frame rate and tracks of "
        "one length");
  }
  std::vector<Params> params;
  params.reserve(count);
  for (size_t n = 0; n < count; ++n) {
    params.push_back(frame_params(frames.physical[n], frames.filter[n], frames.source[n], speaker));
  }
  const auto samples = static_cast<size_t>(
      std::llround(static_cast<double>(count) / frame_rate_hz * sample_rate_hz));
  std::vector<float> out(samples);
  Synthesizer synthesizer(sample_rate_hz);
  Channel channel(recording);
  for (size_t n = 0; n < samples; ++n) {
    const double pos = static_cast<double>(n) / sample_rate_hz * frame_rate_hz;
    const double k = std::floor(pos);
    const Params p =
        pos <= 0.0 ? params.front()
        : k + 1.0 >= static_cast<double>(count)
            ? params.back()
            : mix(params[static_cast<size_t>(k)], params[static_cast<size_t>(k) + 1], pos - k);
    const double speech = synthesizer(p, rng);
    out[n] = static_cast<float>(channel(speech, rng.normal()));
  }
  return out;
}

}  // namespace artic::synth
