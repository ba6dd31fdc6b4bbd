#include "synth/synth.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/schema.h"
#include "synth_options_util.h"
#include "test_util.h"

namespace artic {
namespace {

const std::vector<std::string> kArticulators = {"T1_x",  "T1_y",  "T2_x", "T2_y", "T3_x", "T3_y",
                                                "JAW_x", "JAW_y", "UL_x", "UL_y", "LL_x", "LL_y"};
constexpr int64_t kChannels = 12;
constexpr int64_t kEmaPerFrame = kSynthEmaRateHz / kSynthLengthRateHz;
constexpr int64_t kSamplesPerFrame = kSynthAudioRateHz / kSynthLengthRateHz;

SynthOptions small_options(int64_t seed = 1) {
  SynthOptions o;
  o.seed = seed;
  o.num_utterances = 12;
  o.mean_length_s = 3.0;
  return o;
}

struct Spoken {
  SynthOptions options;
  std::vector<SynthUtterance> list;
  std::vector<SpokenUtterance> spoken;
};

Spoken speak_all(const SynthOptions& o) {
  Spoken s{o, synth_utterances(o), {}};
  for (int i = 0; i < o.num_utterances; ++i) s.spoken.push_back(speak_utterance(o, i));
  return s;
}

// A 40-utterance corpus with default settings, spoken once per test process.
const Spoken& shared_corpus() {
  static const Spoken corpus = [] {
    SynthOptions o;
    o.num_utterances = 40;
    return speak_all(o);
  }();
  return corpus;
}

double pearson(const std::vector<double>& a, const std::vector<double>& b) {
  const double n = static_cast<double>(a.size());
  double ma = 0, mb = 0;
  for (size_t i = 0; i < a.size(); ++i) ma += a[i] / n, mb += b[i] / n;
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

double rms(const std::vector<float>& x, size_t from, size_t to) {
  double sum = 0.0;
  for (size_t n = from; n < to; ++n) sum += static_cast<double>(x[n]) * x[n];
  return std::sqrt(sum / static_cast<double>(to - from));
}

bool same_bytes(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TEST(SynthTest, SameSeedGivesIdenticalUtterances) {
  SynthOptions o = small_options(7);
  o.num_utterances = 6;
  o.mean_length_s = 2.0;
  const Spoken a = speak_all(o), b = speak_all(o);
  for (size_t i = 0; i < a.list.size(); ++i) {
    EXPECT_EQ(a.list[i].id, b.list[i].id);
    EXPECT_EQ(a.list[i].speaker, b.list[i].speaker);
    EXPECT_EQ(a.list[i].split, b.list[i].split);
    EXPECT_EQ(a.list[i].frames, b.list[i].frames);
    EXPECT_TRUE(same_bytes(a.spoken[i].ema, b.spoken[i].ema)) << a.list[i].id;
    EXPECT_TRUE(same_bytes(a.spoken[i].audio, b.spoken[i].audio)) << a.list[i].id;
  }
}

// The corpus of small_options(1): lengths and splits exactly, as the engine has drawn them since
// core/rng.h (issue 21); utterance 3's tracks and recording as the generator first spoke them at
// 200 Hz and 16 kHz (the same C math library gives the same bits; the tolerances allow another).
TEST(SynthTest, UtteranceIsPinned) {
  const SynthOptions o = small_options(1);
  std::vector<int64_t> lengths;
  std::vector<std::string> splits;
  for (const SynthUtterance& u : synth_utterances(o)) {
    lengths.push_back(u.frames);
    splits.push_back(u.split);
  }
  EXPECT_EQ(lengths,
            (std::vector<int64_t>{318, 354, 320, 117, 376, 208, 273, 114, 789, 298, 877, 167}));
  EXPECT_EQ(splits, (std::vector<std::string>{"train", "train", "train", "valid", "train", "train",
                                              "train", "test", "train", "test", "valid", "train"}));
  const SpokenUtterance s = speak_utterance(o, 3);
  ASSERT_EQ(s.ema.size(), 117u * kEmaPerFrame * kChannels);
  ASSERT_EQ(s.audio.size(), 117u * kSamplesPerFrame);
  double ema = 0, energy = 0;
  for (float v : s.ema) ema += v;
  for (float v : s.audio) energy += static_cast<double>(v) * v;
  EXPECT_NEAR(s.ema[0], -10.4834003, 1e-4);
  EXPECT_NEAR(s.ema[1000], -43.1832886, 1e-4);
  EXPECT_NEAR(s.ema[2000], 11.270133, 1e-4);
  EXPECT_NEAR(ema, -16587.5699, 0.1);
  EXPECT_NEAR(s.audio[5000], 0.00101779646, 1e-6);
  EXPECT_NEAR(s.audio[12000], 0.000600960222, 1e-6);
  EXPECT_NEAR(energy, 2.33265845, 1e-3);
}

TEST(SynthTest, DifferentSeedGivesDifferentCorpus) {
  SynthOptions o = small_options(7);
  o.num_utterances = 4;
  const std::vector<SynthUtterance> a = synth_utterances(o);
  o.seed = 8;
  const std::vector<SynthUtterance> b = synth_utterances(o);
  bool lengths_differ = false;
  for (size_t i = 0; i < a.size(); ++i)
    lengths_differ = lengths_differ || a[i].frames != b[i].frames;
  EXPECT_TRUE(lengths_differ);
  o.seed = 7;
  const SpokenUtterance x = speak_utterance(o, 0);
  o.seed = 8;
  const SpokenUtterance y = speak_utterance(o, 0);
  const size_t ema = std::min(x.ema.size(), y.ema.size());
  const size_t audio = std::min(x.audio.size(), y.audio.size());
  EXPECT_NE(0, std::memcmp(x.ema.data(), y.ema.data(), ema * sizeof(float)));
  EXPECT_NE(0, std::memcmp(x.audio.data(), y.audio.data(), audio * sizeof(float)));
}

TEST(SynthTest, UtterancesDoNotDependOnCorpusSize) {
  SynthOptions o = small_options(3);
  o.num_utterances = 4;
  const Spoken a = speak_all(o);
  o.num_utterances = 9;
  const std::vector<SynthUtterance> b = synth_utterances(o);
  for (size_t i = 0; i < a.list.size(); ++i) {
    ASSERT_EQ(a.list[i].id, b[i].id);
    ASSERT_EQ(a.list[i].frames, b[i].frames);
    const SpokenUtterance s = speak_utterance(o, static_cast<int>(i));
    EXPECT_TRUE(same_bytes(a.spoken[i].ema, s.ema)) << b[i].id;
    EXPECT_TRUE(same_bytes(a.spoken[i].audio, s.audio)) << b[i].id;
  }
}

TEST(SynthTest, IdsSpeakersShapesAndNames) {
  SynthOptions o = small_options(42);
  o.num_speakers = 3;
  const std::vector<SynthUtterance> list = synth_utterances(o);
  ASSERT_EQ(list.size(), 12u);
  EXPECT_EQ(list[0].id, "spk01_0001");
  EXPECT_EQ(list[0].speaker, "spk01");
  EXPECT_EQ(list[4].id, "spk02_0002");
  EXPECT_EQ(list[5].speaker, "spk03");
  for (size_t i = 0; i < list.size(); ++i) {
    EXPECT_EQ(list[i].speaker, list[i % 3].speaker);
    EXPECT_EQ(list[i].id.rfind(list[i].speaker + "_", 0), 0u) << list[i].id;
    EXPECT_GT(list[i].frames, 0) << list[i].id;
  }
  EXPECT_EQ(synth_channel_names(), kArticulators);
  for (int i : {0, 11}) {
    const SpokenUtterance s = speak_utterance(o, i);
    EXPECT_EQ(s.ema.size(), static_cast<size_t>(list[i].frames * kEmaPerFrame * kChannels));
    EXPECT_EQ(s.audio.size(), static_cast<size_t>(list[i].frames * kSamplesPerFrame));
  }
  EXPECT_THROW(speak_utterance(o, 12), UserError);
  EXPECT_THROW(speak_utterance(o, -1), UserError);
}

TEST(SynthTest, AllValuesFinite) {
  for (const SpokenUtterance& s : shared_corpus().spoken) {
    for (float v : s.ema) ASSERT_TRUE(std::isfinite(v));
    for (float v : s.audio) ASSERT_TRUE(std::isfinite(v));
  }
}

TEST(SynthTest, LengthsWithinBoundsAndMeanNearRequested) {
  SynthOptions o;
  o.num_utterances = 200;
  double total_s = 0.0;
  const std::vector<SynthUtterance> list = synth_utterances(o);
  for (const SynthUtterance& u : list) {
    const double s = static_cast<double>(u.frames) / kSynthLengthRateHz;
    EXPECT_GE(s, o.min_length_s - 0.005) << u.id;
    EXPECT_LE(s, o.max_length_s + 0.005) << u.id;
    total_s += s;
  }
  const double mean_s = total_s / static_cast<double>(list.size());
  EXPECT_NEAR(mean_s, o.mean_length_s, 0.15 * o.mean_length_s);

  SynthOptions clipped = small_options();
  clipped.min_length_s = 2.0;
  clipped.max_length_s = 3.5;
  for (const SynthUtterance& u : synth_utterances(clipped)) {
    EXPECT_GE(u.frames, 200) << u.id;
    EXPECT_LE(u.frames, 350) << u.id;
  }
}

TEST(SynthTest, EverySplitPresent) {
  int count[3] = {0, 0, 0};
  for (const SynthUtterance& u : shared_corpus().list) {
    count[u.split == "train" ? 0 : u.split == "valid" ? 1 : 2]++;
    EXPECT_TRUE(u.split == "train" || u.split == "valid" || u.split == "test") << u.split;
  }
  EXPECT_GT(count[0], count[1] + count[2]);
  EXPECT_GT(count[1], 0);
  EXPECT_GT(count[2], 0);
  for (int64_t seed = 1; seed <= 5; ++seed) {
    SynthOptions o = small_options(seed);
    o.num_utterances = 3;
    o.mean_length_s = 1.0;
    std::vector<std::string> splits;
    for (const SynthUtterance& u : synth_utterances(o)) splits.push_back(u.split);
    std::sort(splits.begin(), splits.end());
    EXPECT_EQ(splits, (std::vector<std::string>{"test", "train", "valid"})) << "seed " << seed;
  }
}

// Every EMA sample of channel `a` in the shared corpus.
std::vector<float> channel(const Spoken& c, int64_t a) {
  std::vector<float> v;
  for (const SpokenUtterance& s : c.spoken) {
    for (size_t n = static_cast<size_t>(a); n < s.ema.size(); n += kChannels) v.push_back(s.ema[n]);
  }
  return v;
}

TEST(SynthTest, ArticulatorRangesAreRealistic) {
  for (int64_t a = 0; a < kChannels; ++a) {
    std::vector<float> v = channel(shared_corpus(), a);
    std::sort(v.begin(), v.end());
    const double lo = v[v.size() / 100], hi = v[v.size() * 99 / 100];
    const std::string& name = kArticulators[a];
    EXPECT_GT(lo, -70.0) << name;
    EXPECT_LT(hi, 40.0) << name;
    if (name == "T1_y" || name == "T2_y") {
      EXPECT_GT(hi - lo, 10.0) << name;
      EXPECT_LT(hi - lo, 30.0) << name;
    } else if (name == "UL_y") {
      EXPECT_GT(hi - lo, 1.5) << name;
      EXPECT_LT(hi - lo, 8.0) << name;
    } else {
      EXPECT_GT(hi - lo, 2.0) << name;
      EXPECT_LT(hi - lo, 25.0) << name;
    }
  }
}

// At 200 Hz, each sample is close to the last: a step is a small part of the channel's range.
TEST(SynthTest, TargetsMoveSmoothly) {
  const Spoken& c = shared_corpus();
  for (int64_t a = 0; a < kChannels; ++a) {
    std::vector<double> now, next;
    double abs_step = 0.0, lo = 1e9, hi = -1e9;
    for (const SpokenUtterance& s : c.spoken) {
      for (size_t n = static_cast<size_t>(a); n + kChannels < s.ema.size(); n += kChannels) {
        now.push_back(s.ema[n]);
        next.push_back(s.ema[n + kChannels]);
        abs_step += std::abs(next.back() - now.back());
        lo = std::min(lo, now.back());
        hi = std::max(hi, now.back());
      }
    }
    abs_step /= static_cast<double>(now.size());
    std::printf("%-5s r %.4f, mean step %.3f mm = %.4f of the range %.1f mm\n",
                kArticulators[a].c_str(), pearson(now, next), abs_step, abs_step / (hi - lo),
                hi - lo);
    EXPECT_GT(pearson(now, next), 0.95) << kArticulators[a];
    EXPECT_LT(abs_step, 0.025 * (hi - lo)) << kArticulators[a];
  }
}

// Every utterance opens with a pause of at least 0.15 s: its recording there is background noise,
// far below the utterance's loudest speech and as far below as snr_db puts it.
TEST(SynthTest, PausesAreNearSilent) {
  const Spoken& c = shared_corpus();
  constexpr size_t kWindow = kSynthAudioRateHz / 50;  // 20 ms
  constexpr size_t kPause = kSynthAudioRateHz / 10;   // the opening 0.1 s
  std::vector<double> below_db;
  for (size_t i = 0; i < c.spoken.size(); ++i) {
    const std::vector<float>& x = c.spoken[i].audio;
    double peak = 0.0;
    for (size_t a = 0; a + kWindow <= x.size(); a += kWindow)
      peak = std::max(peak, rms(x, a, a + kWindow));
    const double pause = rms(x, 0, kPause);
    below_db.push_back(20.0 * std::log10(peak / pause));
    EXPECT_GT(below_db.back(), 20.0) << c.list[i].id;
  }
  std::sort(below_db.begin(), below_db.end());
  std::printf("the opening 0.1 s is %.1f dB (median %.1f) below the loudest 20 ms\n",
              below_db.front(), below_db[below_db.size() / 2]);

  // The pause holds nothing but the noise: 20 dB more snr_db, 20 dB less pause.
  SynthOptions o = small_options(5);
  o.num_utterances = 1;
  const double noisy = rms(speak_utterance(o, 0).audio, 0, kPause);
  o.snr_db += 20.0;
  const double quiet = rms(speak_utterance(o, 0).audio, 0, kPause);
  EXPECT_NEAR(20.0 * std::log10(noisy / quiet), 20.0, 0.1);
}

std::string synth_error(const std::function<void(SynthOptions&)>& change) {
  SynthOptions o = small_options();
  change(o);
  try {
    validate(o);
  } catch (const UserError& e) {
    EXPECT_THROW(synth_utterances(o), UserError);
    EXPECT_THROW(speak_utterance(o, 0), UserError);
    return e.what();
  }
  return "";
}

TEST(SynthTest, BadOptionsThrowUserErrorNamingTheOption) {
  struct Case {
    std::function<void(SynthOptions&)> change;
    std::string option;
  };
  const std::vector<Case> cases = {
      {[](SynthOptions& o) { o.num_utterances = 0; }, "synth.utterances"},
      {[](SynthOptions& o) { o.num_speakers = 0; }, "synth.speakers"},
      {[](SynthOptions& o) { o.mean_length_s = 40.0; }, "mean_length"},
      {[](SynthOptions& o) { o.mean_length_s = NAN; }, "synth.mean_length"},
      {[](SynthOptions& o) { o.length_sigma = -0.1; }, "synth.length_sigma"},
      {[](SynthOptions& o) { o.min_length_s = 0.0; }, "synth.min_length"},
      {[](SynthOptions& o) { o.max_length_s = 0.5; }, "max_length"},
      {[](SynthOptions& o) { o.valid_fraction = -0.1; }, "synth.valid_fraction"},
      {[](SynthOptions& o) { o.test_fraction = 1.0; }, "synth.test_fraction"},
      {[](SynthOptions& o) { o.valid_fraction = o.test_fraction = 0.5; }, "valid_fraction"},
      {[](SynthOptions& o) { o.snr_db = INFINITY; }, "synth.snr_db"},
      {[](SynthOptions& o) { o.ema_noise_mm = -1.0; }, "synth.ema_noise_mm"},
      {[](SynthOptions& o) { o.seed = -1; }, "synth.seed"},
  };
  for (const Case& c : cases) {
    const std::string message = synth_error(c.change);
    EXPECT_NE(message.find(c.option), std::string::npos) << c.option << ": '" << message << "'";
    EXPECT_EQ(message.rfind("synth: ", 0), 0u) << message;
  }
  EXPECT_EQ(synth_error([](SynthOptions& o) { o.num_speakers = 0; }),
            "synth: synth.speakers must be in [1, 999], got 0");
  EXPECT_EQ(synth_error([](SynthOptions& o) { o.max_length_s = 0.5; }),
            "synth: max_length = 0.5 must be >= min_length = 1.0");
  EXPECT_EQ(synth_error([](SynthOptions&) {}), "");
}

// The keys are the CLI flags with '_' for '-', in this order; the defaults are the struct's.
TEST(SynthOptionsTest, SchemaDeclaresEveryKeyWithDefaultsRangeAndHelp) {
  SynthOptions o;
  const schema::Schema keys = synth_schema(o);
  std::vector<std::string> names;
  for (const schema::Field& f : keys.fields()) {
    names.push_back(f.name());
    EXPECT_FALSE(f.help.empty()) << f.name();
    EXPECT_TRUE(std::isfinite(f.lo)) << f.name();
  }
  EXPECT_EQ(names, (std::vector<std::string>{
                       "synth.seed", "synth.utterances", "synth.speakers", "synth.mean_length",
                       "synth.length_sigma", "synth.min_length", "synth.max_length",
                       "synth.valid_fraction", "synth.test_fraction", "synth.snr_db",
                       "synth.ema_noise_mm", "synth.long_range_mm"}));
  EXPECT_EQ(synth_options_to_toml(o),
            "[synth]\nseed = 1\nutterances = 500\nspeakers = 4\n"
            "mean_length = 6.0\nlength_sigma = 0.5\nmin_length = 1.0\nmax_length = " +
                schema::format_number(30.0) + "\nvalid_fraction = 0.1\ntest_fraction = 0.1\n" +
                "snr_db = " + schema::format_number(30.0) +
                "\nema_noise_mm = 0.1\nlong_range_mm = 0.0\n");
  EXPECT_NO_THROW(validate(o));
}

TEST(SynthOptionsTest, TomlRoundTripsToTheSameOptions) {
  const SynthOptions o = unusual_options();
  for (bool with_help : {false, true}) {
    const std::string text = synth_options_to_toml(o, with_help);
    SCOPED_TRACE(text);
    const SynthOptions back = parse_synth_options(text, "recipe.toml");
    expect_same_options(o, back);
    EXPECT_EQ(synth_options_to_toml(back, with_help), text);
  }
  // Keys left out keep their defaults; an empty document is the defaults.
  expect_same_options(parse_synth_options("", "empty.toml"), SynthOptions{});
  const SynthOptions part = parse_synth_options("[synth]\nspeakers = 9\n", "part.toml");
  EXPECT_EQ(part.num_speakers, 9);
  EXPECT_EQ(part.num_utterances, SynthOptions{}.num_utterances);
}

std::string parse_error(const std::string& text) {
  try {
    parse_synth_options(text, "s.toml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(SynthOptionsTest, FileErrorsNameTheLineKeyAndRange) {
  EXPECT_EQ(parse_error("[synth]\nseed = 2\nutterances = 0\n"),
            "s.toml:3: synth.utterances must be in [1, 1000000], got 0");
  EXPECT_EQ(parse_error("[synth]\nutterance = 3\n"),
            "s.toml:2: unknown key 'utterance' in [synth]; did you mean 'utterances'?");
  EXPECT_EQ(parse_error("[synt]\nseed = 3\n"),
            "s.toml:1: unknown section [synt]; did you mean [synth]?");
  EXPECT_EQ(parse_error("[synth]\nseed = -4\n"), "s.toml:2: synth.seed must be >= 0, got -4");
  EXPECT_EQ(parse_error("[synth]\nspeakers = \"many\"\n"),
            "s.toml:2: synth.speakers must be an integer, got a string");
  EXPECT_NE(parse_error("[synth\n").find("s.toml:1"), std::string::npos);
  try {
    load_synth_options("/nonexistent/synth.toml");
    ADD_FAILURE() << "read a missing file";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("/nonexistent/synth.toml: cannot open", 0), 0u)
        << e.what();
  }
}

// The keys of the feature-making corpus are gone: a file that sets one is an error naming it,
// not a silently different corpus.
TEST(SynthOptionsTest, RemovedKeysAreErrors) {
  test::TempDir dir;
  for (const std::string key : {"features", "frame_rate", "acoustic_noise"}) {
    const std::string path = dir.file(key + ".toml");
    std::ofstream(path) << "[synth]\nseed = 2\n" << key << " = 60\n";
    try {
      load_synth_options(path);
      ADD_FAILURE() << key << " was accepted";
    } catch (const ConfigError& e) {
      const std::string message = e.what();
      EXPECT_EQ(message.rfind(path + ":3: unknown key '" + key + "' in [synth]", 0), 0u) << message;
    }
  }
}

}  // namespace
}  // namespace artic
