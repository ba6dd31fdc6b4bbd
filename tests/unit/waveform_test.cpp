#include "synth/waveform.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/error.h"
#include "synth/phones.h"
#include "synth/synth.h"
#include "test_util.h"

namespace artic::synth {
namespace {

constexpr double kFs = 16000.0;
constexpr double kFps = 100.0;

Speaker test_speaker(double vtl, double f0_hz) {
  Speaker s;
  s.id = "spk01";
  s.vtl = vtl;
  s.f0_hz = f0_hz;
  s.tilt_hz = 400.0;
  s.breathiness = 0.05;
  return s;
}

// Prosody without drift: f0 and vocal effort hold still.
UtteranceAcoustics steady_prosody() {
  UtteranceAcoustics ua;
  for (int i = 0; i < 2; ++i) ua.f0_rate[i] = ua.effort_rate[i] = 0.0;
  return ua;
}

// A recording that leaves the speech as the synthesizer makes it: unit gain, flat, no noise.
UtteranceAcoustics clean_recording() {
  UtteranceAcoustics r = steady_prosody();
  r.channel_gain = 1.0;
  r.channel_tilt = 0.0;
  r.noise_level = 0.0;
  return r;
}

struct Held {
  std::string phone;
  double seconds;
  std::map<Motor, double> set = {};  // targets other than the phone's
  std::string label = "";
};

// Phones at their inventory targets (no speaker setting, no jitter), each held `seconds`;
// `whispered`: no voice, full aspiration. "sil" is a pause: no airflow.
UtteranceFrames held_frames(const std::vector<Held>& phones, const Speaker& speaker,
                            bool whispered = false) {
  std::vector<Segment> segs;
  double t = 0.0;
  for (const Held& h : phones) {
    const Phone& ph = inventory().phones[inventory().index(h.phone)];
    Segment s;
    s.start = t;
    s.end = t + h.seconds;
    s.target = ph.target;
    for (const auto& [motor, value] : h.set) s.target[motor] = value;
    s.strength = ph.strength;
    const double flow = ph.cls == PhoneClass::kPause ? 0.0 : 1.0;
    s.source = {whispered ? 0.0 : ph.voice, whispered ? 1.0 : ph.aspiration, flow, 1.0};
    segs.push_back(s);
    t = s.end;
  }
  return utterance_frames(segs, speaker, steady_prosody(), std::llround(t * kFps), kFps);
}

std::vector<float> render(const UtteranceFrames& frames, const Speaker& speaker,
                          const UtteranceAcoustics& recording = clean_recording(),
                          uint64_t seed = 1) {
  XoshiroRng rng(seed);
  return render_waveform(frames, speaker, recording, kFps, kFs, rng);
}

double rms(const std::vector<float>& x, double from_s, double to_s) {
  const auto a = static_cast<size_t>(from_s * kFs), b = static_cast<size_t>(to_s * kFs);
  double sum = 0.0;
  for (size_t n = a; n < b; ++n) sum += static_cast<double>(x[n]) * x[n];
  return std::sqrt(sum / static_cast<double>(b - a));
}

// Largest RMS over 20 ms windows in [from_s, to_s).
double peak_rms(const std::vector<float>& x, double from_s, double to_s) {
  double best = 0.0;
  for (double t = from_s; t + 0.02 <= to_s + 1e-9; t += 0.01)
    best = std::max(best, rms(x, t, t + 0.02));
  return best;
}

double db(double ratio) {
  return 20.0 * std::log10(ratio);
}

struct Vowel {
  std::string name;                  // case name: phone and speaker
  std::array<double, 4> model{};     // the tract model's F1-F4 at the middle frame
  std::array<double, 4> measured{};  // tests/python/formant_oracle.py on the audio
};

// Each vowel held (0.8 s), rendered; the oracle measures the formants of its middle 0.5 s.
std::vector<Vowel> measure_vowels(const std::vector<Held>& vowels,
                                  const std::vector<Speaker>& speakers, bool whispered) {
  test::TempDir dir;
  std::ofstream manifest(dir.file("manifest.txt"));
  std::vector<Vowel> out;
  for (size_t s = 0; s < speakers.size(); ++s) {
    for (const Held& vowel : vowels) {
      const UtteranceFrames frames = held_frames({vowel}, speakers[s], whispered);
      const std::vector<float> audio = render(frames, speakers[s]);
      Vowel v;
      v.name = (vowel.label.empty() ? vowel.phone : vowel.label) + "/vtl" +
               std::to_string(speakers[s].vtl).substr(0, 4);
      for (int i = 0; i < 4; ++i) v.model[i] = frames.filter[frames.filter.size() / 2].f[i];
      const std::string path = dir.file(std::to_string(out.size()) + ".f32");
      std::ofstream(path, std::ios::binary)
          .write(reinterpret_cast<const char*>(audio.data() + static_cast<size_t>(0.15 * kFs)),
                 static_cast<std::streamsize>(0.5 * kFs * sizeof(float)));
      manifest << out.size() << " " << path << " " << kFs << (whispered ? " noise\n" : " voiced\n");
      out.push_back(v);
    }
  }
  manifest.close();
  std::string output;
  const int rc =
      test::run_command(std::string(ARTIC_ORACLE_PYTHON) + " " + ARTIC_SOURCE_DIR +
                            "/tests/python/formant_oracle.py " + dir.file("manifest.txt"),
                        &output);
  EXPECT_EQ(rc, 0) << output;
  std::istringstream lines(output);
  size_t index;
  while (lines >> index) {
    for (int i = 0; i < 4; ++i) lines >> out.at(index).measured[i];
  }
  for (const Vowel& v : out) {
    std::printf("%-10s", v.name.c_str());
    for (int i = 0; i < 4; ++i) {
      std::printf("  F%d %6.0f/%6.0f (%+5.1f%%)", i + 1, v.measured[i], v.model[i],
                  100.0 * (v.measured[i] / v.model[i] - 1.0));
    }
    std::printf("\n");
  }
  return out;
}

const std::vector<Held> kVowels = {{"i", 0.8},  {"I", 0.8}, {"e", 0.8}, {"E", 0.8},
                                   {"ae", 0.8}, {"a", 0.8}, {"V", 0.8}, {"O", 0.8},
                                   {"o", 0.8},  {"U", 0.8}, {"u", 0.8}};

TEST(WaveformTest, FormantsOfVoicedVowelsFollowTheTractModel) {
  for (const Vowel& v :
       measure_vowels(kVowels, {test_speaker(0.9, 110.0), test_speaker(1.12, 100.0)}, false)) {
    for (int i = 0; i < 4; ++i) {
      EXPECT_NEAR(v.measured[i] / v.model[i], 1.0, 0.05) << v.name << " F" << i + 1;
    }
  }
}

TEST(WaveformTest, FormantsOfWhisperedVowelsFollowTheTractModel) {
  for (const Vowel& v :
       measure_vowels(kVowels, {test_speaker(0.9, 110.0), test_speaker(1.12, 100.0)}, true)) {
    for (int i = 0; i < 4; ++i) {
      EXPECT_NEAR(v.measured[i] / v.model[i], 1.0, 0.05) << v.name << " F" << i + 1;
    }
  }
}

// A voiceless bilabial closure between two /a/: the output during the closure is silent.
TEST(WaveformTest, ClosureSilencesTheOutput) {
  const Speaker speaker = test_speaker(1.0, 120.0);
  const UtteranceFrames frames = held_frames({{"a", 0.4}, {"p", 0.3}, {"a", 0.3}}, speaker);
  const std::vector<float> audio = render(frames, speaker);
  double closed_from = 0, closed_to = 0;
  for (size_t n = 0; n < frames.filter.size(); ++n) {
    if (frames.filter[n].closed < 0.99) continue;
    if (closed_from == 0) closed_from = frame_time(static_cast<int64_t>(n), kFps);
    closed_to = frame_time(static_cast<int64_t>(n), kFps);
  }
  ASSERT_GT(closed_to - closed_from, 0.1) << "the plan should hold a closure";
  const double vowel = peak_rms(audio, 0.1, 0.4);
  const double closure = rms(audio, closed_from + 0.03, closed_to);
  std::printf("closure %.3f-%.3f s: %.1f dB below the vowel's peak RMS (%.4f vs %.4f)\n",
              closed_from, closed_to, db(vowel / closure), closure, vowel);
  EXPECT_GT(db(vowel / closure), 40.0);
}

// A voiced closure keeps only the voice bar: low-frequency, well below the vowel.
TEST(WaveformTest, VoicedClosureKeepsOnlyAWeakVoiceBar) {
  const Speaker speaker = test_speaker(1.0, 120.0);
  const UtteranceFrames frames = held_frames({{"a", 0.4}, {"b", 0.3}, {"a", 0.3}}, speaker);
  const std::vector<float> audio = render(frames, speaker);
  const double vowel = peak_rms(audio, 0.1, 0.4);
  double closure = 1e9;
  for (size_t n = 0; n < frames.filter.size(); ++n) {
    const double t = frame_time(static_cast<int64_t>(n), kFps);
    if (frames.filter[n].closed > 0.99 && t > 0.45)
      closure = std::min(closure, rms(audio, t - 0.01, t + 0.01));
  }
  std::printf("voice bar: %.1f dB below the vowel's peak RMS\n", db(vowel / closure));
  EXPECT_GT(db(vowel / closure), 15.0);
}

// Power per DFT bin (bin k at k * kFs / 256 Hz) of [from_s, to_s): averaged periodograms of
// 256-sample Hann windows.
std::vector<double> power_spectrum(const std::vector<float>& x, double from_s, double to_s) {
  constexpr int kN = 256;
  const double pi = std::acos(-1.0);
  std::vector<double> power(kN / 2, 0.0);
  for (auto a = static_cast<size_t>(from_s * kFs); a + kN <= static_cast<size_t>(to_s * kFs);
       a += kN / 2) {
    for (int k = 1; k < kN / 2; ++k) {
      double re = 0.0, im = 0.0;
      for (int n = 0; n < kN; ++n) {
        const double w = 0.5 - 0.5 * std::cos(2.0 * pi * n / kN);
        re += w * x[a + n] * std::cos(2.0 * pi * k * n / kN);
        im -= w * x[a + n] * std::sin(2.0 * pi * k * n / kN);
      }
      power[k] += re * re + im * im;
    }
  }
  return power;
}

double bin_hz(size_t k) {
  return static_cast<double>(k) * kFs / 256.0;
}

// Power-weighted mean frequency of [from_s, to_s).
double centroid_hz(const std::vector<float>& x, double from_s, double to_s) {
  const std::vector<double> power = power_spectrum(x, from_s, to_s);
  double weighted = 0.0, total = 0.0;
  for (size_t k = 0; k < power.size(); ++k) {
    weighted += power[k] * bin_hz(k);
    total += power[k];
  }
  return weighted / total;
}

// Power above 4 kHz over power below 1 kHz in [from_s, to_s), in dB.
double high_over_low_db(const std::vector<float>& x, double from_s, double to_s) {
  const std::vector<double> power = power_spectrum(x, from_s, to_s);
  double high = 0.0, low = 0.0;
  for (size_t k = 0; k < power.size(); ++k) {
    if (bin_hz(k) < 1000.0) low += power[k];
    if (bin_hz(k) >= 4000.0) high += power[k];
  }
  return 10.0 * std::log10(high / low);
}

// Frication at the tongue tip: /s/ hisses high, /S/ lower (tip retracted, lips rounded).
TEST(WaveformTest, SibilantsHissAtTheirPlace) {
  const Speaker speaker = test_speaker(1.0, 120.0);
  double centre[2], level[2], vowel[2];
  const char* const kSibilants[2] = {"s", "S"};
  for (int i = 0; i < 2; ++i) {
    const UtteranceFrames frames =
        held_frames({{"a", 0.3}, {kSibilants[i], 0.25}, {"a", 0.3}}, speaker);
    const std::vector<float> audio = render(frames, speaker);
    centre[i] = centroid_hz(audio, 0.395, 0.455);
    level[i] = rms(audio, 0.395, 0.455);
    vowel[i] = peak_rms(audio, 0.05, 0.3);
    std::printf("/%s/: centroid %.0f Hz (model f_s %.0f Hz), %.1f dB below the vowel\n",
                kSibilants[i], centre[i], frames.filter[42].sibilant_hz, db(vowel[i] / level[i]));
  }
  EXPECT_GT(centre[0], 4000.0);
  EXPECT_GT(centre[0], centre[1] + 1000.0);
  EXPECT_GT(centre[1], 2000.0);
  for (int i = 0; i < 2; ++i) EXPECT_LT(db(vowel[i] / level[i]), 20.0) << kSibilants[i];
}

TEST(WaveformTest, OpenAndCloseVowelsDiffer) {
  const std::vector<Vowel> v =
      measure_vowels({{"i", 0.8}, {"a", 0.8}, {"u", 0.8}}, {test_speaker(1.0, 110.0)}, false);
  ASSERT_EQ(v.size(), 3u);
  const Vowel &i = v[0], &a = v[1], &u = v[2];
  EXPECT_GT(a.measured[0], 1.8 * i.measured[0]) << "F1: /a/ is open, /i/ close";
  EXPECT_GT(i.measured[1], 1.5 * a.measured[1]) << "F2: /i/ is front, /a/ back";
  EXPECT_GT(i.measured[1], 2.0 * u.measured[1]) << "F2: /i/ front and spread, /u/ back and round";
}

// Lip rounding alone (the tongue of /i/, the lips of /u/) lowers F2 and F3.
TEST(WaveformTest, RoundingLowersF2AndF3) {
  const std::vector<Vowel> v =
      measure_vowels({{"i", 0.8}, {"i", 0.8, {{kLipAp, 4.0}, {kLipPro, 6.0}}, "i+round"}},
                     {test_speaker(1.0, 110.0)}, false);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_LT(v[1].measured[1], 0.85 * v[0].measured[1]) << "F2";
  EXPECT_LT(v[1].measured[2], 0.9 * v[0].measured[2]) << "F3";
}

// Many to one: rounding the lips of /a/ (protrusion +5 mm) and backing its tongue body by 5 mm
// lower F2 alike, so the two sound alike in F2 although the tongue and lips stand 5 mm apart;
// F1 (rounding lowers it a little) and F3 are what tell them apart.
TEST(WaveformTest, RoundingAndBackingLowerF2Alike) {
  const std::vector<Vowel> v = measure_vowels(
      {{"a", 0.8}, {"a", 0.8, {{kLipPro, 5.5}}, "a+round"}, {"a", 0.8, {{kBodyX, -7.0}}, "a+back"}},
      {test_speaker(1.0, 110.0)}, false);
  ASSERT_EQ(v.size(), 3u);
  for (const Vowel& x : v) {
    std::printf("%-12s F1 %4.0f F2 %4.0f F3 %4.0f Hz\n", x.name.c_str(), x.measured[0],
                x.measured[1], x.measured[2]);
  }
  EXPECT_LT(v[1].measured[1], 0.85 * v[0].measured[1]) << "rounding lowers F2";
  EXPECT_LT(v[2].measured[1], 0.85 * v[0].measured[1]) << "backing lowers F2";
  EXPECT_NEAR(v[1].measured[1] / v[2].measured[1], 1.0, 0.03) << "and by the same";
}

// The background noise sits noise_level below a vowel's RMS, whatever its colour; the channel
// gain scales the output and its tilt moves the spectrum.
TEST(WaveformTest, RecordingConditionsAct) {
  const Speaker speaker = test_speaker(1.0, 120.0);
  double vowel_power = 0.0;
  for (const Held& v : kVowels) {
    const double level = rms(render(held_frames({v}, speaker), speaker), 0.15, 0.65);
    std::printf("/%s/ RMS %.4f (%+.1f dB re kVowelRms)\n", v.phone.c_str(), level,
                db(level / kVowelRms));
    vowel_power += level * level / static_cast<double>(kVowels.size());
  }
  const double vowel = std::sqrt(vowel_power);
  std::printf("vowels: RMS %.4f, %+.1f dB re kVowelRms\n", vowel, db(vowel / kVowelRms));
  EXPECT_NEAR(db(vowel / kVowelRms), 0.0, 3.0);

  const UtteranceFrames silence = held_frames({{"sil", 0.8}}, speaker);
  const double quiet = rms(render(silence, speaker), 0.1, 0.7);
  std::printf("silent plan, clean recording: RMS %.2g\n", quiet);
  EXPECT_LT(quiet, 1e-3 * kVowelRms);
  UtteranceAcoustics noisy = clean_recording();
  noisy.noise_level = std::pow(10.0, -30.0 / 20.0);
  for (double colour : {0.0, 0.5, 0.85}) {
    noisy.noise_colour = colour;
    const double noise = rms(render(silence, speaker, noisy), 0.1, 0.7);
    std::printf("noise_level -30 dB, colour %.2f: %.1f dB below the vowels' RMS\n", colour,
                db(vowel / noise));
    EXPECT_NEAR(db(vowel / noise), 30.0, 3.0) << "colour " << colour;
  }

  const UtteranceFrames a = held_frames({{"a", 0.5}}, speaker);
  const std::vector<float> unit = render(a, speaker);
  UtteranceAcoustics loud = clean_recording();
  loud.channel_gain = 2.5;
  const std::vector<float> louder = render(a, speaker, loud);
  ASSERT_EQ(louder.size(), unit.size());
  double worst = 0.0;
  for (size_t n = 0; n < unit.size(); ++n) {
    worst = std::max(worst, std::abs(louder[n] - 2.5 * static_cast<double>(unit[n])));
  }
  EXPECT_LT(worst, 1e-6);
  EXPECT_NEAR(rms(louder, 0.1, 0.4) / rms(unit, 0.1, 0.4), 2.5, 1e-4);

  UtteranceAcoustics tilted = clean_recording();
  double balance[3];
  for (int i = 0; i < 3; ++i) {
    tilted.channel_tilt = 0.5 * (i - 1);
    balance[i] = high_over_low_db(render(a, speaker, tilted), 0.1, 0.4);
    std::printf("channel_tilt %+.1f: power above 4 kHz %.1f dB re below 1 kHz\n",
                tilted.channel_tilt, balance[i]);
  }
  EXPECT_LT(balance[0], balance[1] - 2.0) << "a negative tilt boosts the lows";
  EXPECT_GT(balance[2], balance[1] + 2.0) << "a positive tilt boosts the highs";
}

TEST(WaveformTest, SameSeedSameSamplesOfTheListedLength) {
  SynthOptions o;
  o.num_utterances = 6;
  o.mean_length_s = 2.0;
  const std::vector<SynthUtterance> list = synth_utterances(o);
  const SpokenUtterance a = speak_utterance(o, 3), b = speak_utterance(o, 3);
  ASSERT_EQ(a.audio.size(), b.audio.size());
  EXPECT_EQ(0, std::memcmp(a.audio.data(), b.audio.data(), a.audio.size() * sizeof(float)));
  ASSERT_EQ(a.ema.size(), b.ema.size());
  EXPECT_EQ(0, std::memcmp(a.ema.data(), b.ema.data(), a.ema.size() * sizeof(float)));
  const int64_t frames = list[3].frames;
  EXPECT_EQ(a.audio.size(), static_cast<size_t>(frames * (kSynthAudioRateHz / kSynthLengthRateHz)));
  EXPECT_EQ(a.ema.size(),
            static_cast<size_t>(frames * (kSynthEmaRateHz / kSynthLengthRateHz) * kNumChannels));
  o.seed = 2;
  const SpokenUtterance c = speak_utterance(o, 3);
  EXPECT_NE(a.audio, c.audio);
  EXPECT_NE(a.ema, c.ema);
  EXPECT_THROW(speak_utterance(o, 6), UserError);
  EXPECT_THROW(speak_utterance(o, -1), UserError);
}

// Utterance 0 of the default corpus as the renderer speaks it since the recording moved into
// render_waveform (same C math library, same bits; elsewhere within what another library could
// change).
TEST(WaveformTest, SamplesArePinned) {
  SynthOptions o;
  o.num_utterances = 1;
  const SpokenUtterance s = speak_utterance(o, 0);
  double energy = 0.0;
  for (float x : s.audio) energy += static_cast<double>(x) * x;
  EXPECT_EQ(s.audio.size(), 101760u);
  EXPECT_NEAR(energy, 10.984559, 1e-3);
  EXPECT_NEAR(s.audio.at(20000), 0.0078697642, 1e-6);
  EXPECT_NEAR(s.audio.at(40000), -0.0173273664, 1e-6);
}

TEST(WaveformTest, BadArgumentsThrow) {
  const Speaker speaker = test_speaker(1.0, 120.0);
  UtteranceFrames frames = held_frames({{"a", 0.1}}, speaker);
  const UtteranceAcoustics r = clean_recording();
  XoshiroRng rng(1);
  EXPECT_THROW(render_waveform(frames, speaker, r, kFps, 4000.0, rng), std::invalid_argument);
  EXPECT_THROW(render_waveform(frames, speaker, r, 0.0, kFs, rng), std::invalid_argument);
  frames.source.pop_back();
  EXPECT_THROW(render_waveform(frames, speaker, r, kFps, kFs, rng), std::invalid_argument);
}

// Whole utterances of every speaker: finite, within [-1, 1], not silent.
TEST(WaveformTest, UtterancesAreFiniteAndBounded) {
  SynthOptions o;
  o.num_utterances = 8;
  o.mean_length_s = 4.0;
  const std::vector<SynthUtterance> list = synth_utterances(o);
  for (int i = 0; i < o.num_utterances; ++i) {
    const SpokenUtterance s = speak_utterance(o, i);
    const std::string& id = list[static_cast<size_t>(i)].id;
    double peak = 0.0, sum = 0.0;
    for (float x : s.audio) {
      ASSERT_TRUE(std::isfinite(x)) << id;
      peak = std::max(peak, std::abs(static_cast<double>(x)));
      sum += static_cast<double>(x) * x;
    }
    const double level = std::sqrt(sum / static_cast<double>(s.audio.size()));
    std::printf("%s: %.2f s, peak %.3f, RMS %.4f\n", id.c_str(), s.audio.size() / kFs, peak, level);
    EXPECT_LT(peak, 1.0) << id;
    EXPECT_GT(level, 0.005) << id;
  }
}

}  // namespace
}  // namespace artic::synth
