#include "synth/synth.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/schema.h"
#include "test_util.h"

namespace artic {
namespace {

const std::vector<std::string> kArticulators = {"T1_x",  "T1_y",  "T2_x", "T2_y", "T3_x", "T3_y",
                                                "JAW_x", "JAW_y", "UL_x", "UL_y", "LL_x", "LL_y"};

SynthOptions small_options(uint64_t seed = 1) {
  SynthOptions o;
  o.seed = seed;
  o.num_utterances = 12;
  o.mean_length_s = 3.0;
  return o;
}

// A 40-utterance corpus with default settings, built once per test process.
const Corpus& shared_corpus() {
  static const Corpus corpus = [] {
    SynthOptions o;
    o.num_utterances = 40;
    return synthesize(o);
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

// Largest |Pearson r| between any feature band and any articulator channel over `frames`.
double max_feature_target_correlation(const Corpus& c, const std::vector<int64_t>& frames) {
  const int64_t nf = c.num_features(), na = c.num_articulators();
  double best = 0.0;
  for (int64_t f = 0; f < nf; ++f) {
    std::vector<double> x;
    for (int64_t t : frames) x.push_back(c.features[t * nf + f]);
    for (int64_t a = 0; a < na; ++a) {
      std::vector<double> y;
      for (int64_t t : frames) y.push_back(c.targets[t * na + a]);
      best = std::max(best, std::abs(pearson(x, y)));
    }
  }
  return best;
}

float frame_max(const Corpus& c, int64_t t) {
  const float* row = c.features.data() + t * c.num_features();
  return *std::max_element(row, row + c.num_features());
}

TEST(SynthTest, SameSeedGivesIdenticalCorpus) {
  const Corpus a = synthesize(small_options(7));
  const Corpus b = synthesize(small_options(7));
  ASSERT_EQ(a.features.size(), b.features.size());
  ASSERT_EQ(a.targets.size(), b.targets.size());
  EXPECT_EQ(0, std::memcmp(a.features.data(), b.features.data(), a.features.size() * 4));
  EXPECT_EQ(0, std::memcmp(a.targets.data(), b.targets.data(), a.targets.size() * 4));
  ASSERT_EQ(a.utterances.size(), b.utterances.size());
  for (size_t i = 0; i < a.utterances.size(); ++i) {
    EXPECT_EQ(a.utterances[i].id, b.utterances[i].id);
    EXPECT_EQ(a.utterances[i].speaker, b.utterances[i].speaker);
    EXPECT_EQ(a.utterances[i].split, b.utterances[i].split);
    EXPECT_EQ(a.utterances[i].offset, b.utterances[i].offset);
    EXPECT_EQ(a.utterances[i].length, b.utterances[i].length);
  }
}

// The corpus of small_options(1) as `artic synth` wrote it before the synth engine moved to
// core/rng.h (issue 21): lengths and splits exactly; values within what another C math library
// could change (the same library gives the same bits).
TEST(SynthTest, CorpusIsPinned) {
  const Corpus c = synthesize(small_options(1));
  std::vector<int64_t> lengths;
  std::vector<std::string> splits;
  for (const auto& u : c.utterances) {
    lengths.push_back(u.length);
    splits.push_back(u.split);
  }
  EXPECT_EQ(lengths,
            (std::vector<int64_t>{318, 354, 320, 117, 376, 208, 273, 114, 789, 298, 877, 167}));
  EXPECT_EQ(splits, (std::vector<std::string>{"train", "train", "train", "valid", "train", "train",
                                              "train", "test", "train", "test", "valid", "train"}));
  ASSERT_EQ(c.total_frames(), 4211);
  const int64_t nf = c.num_features(), na = c.num_articulators();
  EXPECT_NEAR(c.features[0 * nf + 0], -3.173684597015381, 1e-4);
  EXPECT_NEAR(c.features[100 * nf + 17], -0.8943096995353699, 1e-4);
  EXPECT_NEAR(c.features[1000 * nf + 59], -5.762049198150635, 1e-4);
  EXPECT_NEAR(c.targets[0 * na + 0], -9.310596466064453, 1e-4);
  EXPECT_NEAR(c.targets[100 * na + 5], -1.3491990566253662, 1e-4);
  EXPECT_NEAR(c.targets[1000 * na + 11], -4.051478385925293, 1e-4);
  double features = 0, targets = 0;
  for (float v : c.features) features += v;
  for (float v : c.targets) targets += v;
  EXPECT_NEAR(features, -776171.6090809178, 1.0);
  EXPECT_NEAR(targets, -261349.72665024688, 1.0);
}

TEST(SynthTest, DifferentSeedGivesDifferentCorpus) {
  const Corpus a = synthesize(small_options(7));
  const Corpus b = synthesize(small_options(8));
  EXPECT_NE(a.meta.source, b.meta.source);
  bool lengths_differ = false;
  for (size_t i = 0; i < a.utterances.size(); ++i) {
    lengths_differ = lengths_differ || a.utterances[i].length != b.utterances[i].length;
  }
  EXPECT_TRUE(lengths_differ);
  const size_t n = std::min(a.features.size(), b.features.size());
  EXPECT_NE(0, std::memcmp(a.features.data(), b.features.data(), n * 4));
}

TEST(SynthTest, UtterancesDoNotDependOnCorpusSize) {
  SynthOptions o = small_options(3);
  o.num_utterances = 4;
  const Corpus a = synthesize(o);
  o.num_utterances = 9;
  const Corpus b = synthesize(o);
  for (size_t i = 0; i < a.utterances.size(); ++i) {
    ASSERT_EQ(a.utterances[i].id, b.utterances[i].id);
    ASSERT_EQ(a.utterances[i].length, b.utterances[i].length);
  }
  const size_t frames = static_cast<size_t>(a.total_frames());
  EXPECT_EQ(0, std::memcmp(a.features.data(), b.features.data(), frames * 60 * 4));
  EXPECT_EQ(0, std::memcmp(a.targets.data(), b.targets.data(), frames * 12 * 4));
}

TEST(SynthTest, ShapesNamesAndMeta) {
  SynthOptions o = small_options(42);
  o.num_features = 48;
  o.num_speakers = 3;
  const Corpus c = synthesize(o);
  ASSERT_EQ(c.num_features(), 48);
  EXPECT_EQ(c.meta.feature_names.front(), "mel_00");
  EXPECT_EQ(c.meta.feature_names.back(), "mel_47");
  EXPECT_EQ(c.meta.articulator_names, kArticulators);
  EXPECT_EQ(c.meta.feature_kind, "synthetic-logmel");
  EXPECT_EQ(c.meta.source, "artic synth seed=42");
  EXPECT_TRUE(c.meta.created_by.empty());
  EXPECT_DOUBLE_EQ(c.meta.frame_rate_hz, 100.0);
  ASSERT_EQ(c.utterances.size(), 12u);
  EXPECT_EQ(c.features.size(), static_cast<size_t>(c.total_frames() * 48));
  EXPECT_EQ(c.targets.size(), static_cast<size_t>(c.total_frames() * 12));
  EXPECT_EQ(c.utterances[0].id, "spk01_0001");
  EXPECT_EQ(c.utterances[0].speaker, "spk01");
  EXPECT_EQ(c.utterances[4].id, "spk02_0002");
  EXPECT_EQ(c.utterances[5].speaker, "spk03");
  EXPECT_NO_THROW(validate_corpus(c, "synth"));
}

TEST(SynthTest, IndexIsContiguous) {
  const Corpus& c = shared_corpus();
  int64_t next = 0;
  for (const auto& u : c.utterances) {
    EXPECT_EQ(u.offset, next) << u.id;
    EXPECT_GT(u.length, 0) << u.id;
    next = u.offset + u.length;
  }
  EXPECT_EQ(next, c.total_frames());
}

TEST(SynthTest, AllValuesFinite) {
  const Corpus& c = shared_corpus();
  for (float v : c.features) ASSERT_TRUE(std::isfinite(v));
  for (float v : c.targets) ASSERT_TRUE(std::isfinite(v));
}

TEST(SynthTest, LengthsWithinBoundsAndMeanNearRequested) {
  SynthOptions o;
  o.num_utterances = 200;
  o.num_features = 40;
  const Corpus c = synthesize(o);
  double total_s = 0.0;
  for (const auto& u : c.utterances) {
    const double s = static_cast<double>(u.length) / o.frame_rate_hz;
    EXPECT_GE(s, o.min_length_s - 0.005) << u.id;
    EXPECT_LE(s, o.max_length_s + 0.005) << u.id;
    total_s += s;
  }
  const double mean_s = total_s / static_cast<double>(c.utterances.size());
  EXPECT_NEAR(mean_s, o.mean_length_s, 0.15 * o.mean_length_s);

  SynthOptions clipped = small_options();
  clipped.min_length_s = 2.0;
  clipped.max_length_s = 3.5;
  for (const auto& u : synthesize(clipped).utterances) {
    EXPECT_GE(u.length, 200) << u.id;
    EXPECT_LE(u.length, 350) << u.id;
  }
}

TEST(SynthTest, EverySplitPresent) {
  for (const Corpus* c : {&shared_corpus()}) {
    int count[3] = {0, 0, 0};
    for (const auto& u : c->utterances) {
      count[u.split == "train" ? 0 : u.split == "valid" ? 1 : 2]++;
      EXPECT_TRUE(u.split == "train" || u.split == "valid" || u.split == "test") << u.split;
    }
    EXPECT_GT(count[0], count[1] + count[2]);
    EXPECT_GT(count[1], 0);
    EXPECT_GT(count[2], 0);
  }
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    SynthOptions o = small_options(seed);
    o.num_utterances = 3;
    o.mean_length_s = 1.0;
    std::vector<std::string> splits;
    for (const auto& u : synthesize(o).utterances) splits.push_back(u.split);
    std::sort(splits.begin(), splits.end());
    EXPECT_EQ(splits, (std::vector<std::string>{"test", "train", "valid"})) << "seed " << seed;
  }
}

TEST(SynthTest, ArticulatorRangesAreRealistic) {
  const Corpus& c = shared_corpus();
  const int64_t na = c.num_articulators(), frames = c.total_frames();
  for (int64_t a = 0; a < na; ++a) {
    std::vector<float> v;
    for (int64_t t = 0; t < frames; ++t) v.push_back(c.targets[t * na + a]);
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

TEST(SynthTest, TargetsMoveSmoothly) {
  const Corpus& c = shared_corpus();
  const int64_t na = c.num_articulators();
  for (int64_t a = 0; a < na; ++a) {
    std::vector<double> now, next;
    double abs_step = 0.0, lo = 1e9, hi = -1e9;
    for (const auto& u : c.utterances) {
      for (int64_t t = u.offset; t + 1 < u.offset + u.length; ++t) {
        now.push_back(c.targets[t * na + a]);
        next.push_back(c.targets[(t + 1) * na + a]);
        abs_step += std::abs(next.back() - now.back());
        lo = std::min(lo, now.back());
        hi = std::max(hi, now.back());
      }
    }
    abs_step /= static_cast<double>(now.size());
    EXPECT_GT(pearson(now, next), 0.95) << kArticulators[a];
    EXPECT_LT(abs_step, 0.05 * (hi - lo)) << kArticulators[a];
  }
}

TEST(SynthTest, PausesAreNearSilentAndSayNothing) {
  const Corpus& c = shared_corpus();
  // Every utterance opens with a pause of at least 0.15 s.
  std::vector<int64_t> pause, all;
  for (const auto& u : c.utterances) {
    for (int64_t t = u.offset; t < u.offset + 10; ++t) pause.push_back(t);
    for (int64_t t = u.offset; t < u.offset + u.length; ++t) all.push_back(t);
  }
  std::vector<float> level;
  for (int64_t t : all) level.push_back(frame_max(c, t));
  std::sort(level.begin(), level.end());
  const float loud_level = level[level.size() * 7 / 10];
  std::vector<int64_t> loud;
  for (int64_t t : all) {
    if (frame_max(c, t) >= loud_level) loud.push_back(t);
  }
  for (int64_t t : pause) ASSERT_LT(frame_max(c, t), loud_level - 2.0) << "frame " << t;
  EXPECT_LT(max_feature_target_correlation(c, pause), 0.3);
  EXPECT_GT(max_feature_target_correlation(c, loud), 0.5);
}

std::string synth_error(const std::function<void(SynthOptions&)>& change) {
  SynthOptions o = small_options();
  change(o);
  try {
    validate(o);
  } catch (const UserError& e) {
    EXPECT_THROW(synthesize(o), UserError);
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
      {[](SynthOptions& o) { o.num_features = 12; }, "synth.features"},
      {[](SynthOptions& o) { o.num_features = 81; }, "synth.features"},
      {[](SynthOptions& o) { o.mean_length_s = 40.0; }, "mean_length"},
      {[](SynthOptions& o) { o.mean_length_s = NAN; }, "synth.mean_length"},
      {[](SynthOptions& o) { o.length_sigma = -0.1; }, "synth.length_sigma"},
      {[](SynthOptions& o) { o.min_length_s = 0.0; }, "synth.min_length"},
      {[](SynthOptions& o) { o.max_length_s = 0.5; }, "max_length"},
      {[](SynthOptions& o) { o.valid_fraction = -0.1; }, "synth.valid_fraction"},
      {[](SynthOptions& o) { o.test_fraction = 1.0; }, "synth.test_fraction"},
      {[](SynthOptions& o) { o.valid_fraction = o.test_fraction = 0.5; }, "valid_fraction"},
      {[](SynthOptions& o) { o.frame_rate_hz = 0.0; }, "synth.frame_rate"},
      {[](SynthOptions& o) { o.acoustic_noise = -1.0; }, "synth.acoustic_noise"},
      {[](SynthOptions& o) { o.snr_db = INFINITY; }, "synth.snr_db"},
      {[](SynthOptions& o) { o.ema_noise_mm = -1.0; }, "synth.ema_noise_mm"},
      {[](SynthOptions& o) { o.seed = -1; }, "synth.seed"},
  };
  for (const Case& c : cases) {
    const std::string message = synth_error(c.change);
    EXPECT_NE(message.find(c.option), std::string::npos) << c.option << ": '" << message << "'";
    EXPECT_EQ(message.rfind("synth: ", 0), 0u) << message;
  }
  EXPECT_EQ(synth_error([](SynthOptions& o) { o.num_features = 12; }),
            "synth: synth.features must be in [40, 80], got 12");
  EXPECT_EQ(synth_error([](SynthOptions& o) { o.max_length_s = 0.5; }),
            "synth: max_length = 0.5 must be >= min_length = 1.0");
  EXPECT_EQ(synth_error([](SynthOptions&) {}), "");
}

void expect_same_options(const SynthOptions& a, const SynthOptions& b) {
  EXPECT_EQ(a.seed, b.seed);
  EXPECT_EQ(a.num_utterances, b.num_utterances);
  EXPECT_EQ(a.num_speakers, b.num_speakers);
  EXPECT_EQ(a.num_features, b.num_features);
  EXPECT_EQ(a.mean_length_s, b.mean_length_s);
  EXPECT_EQ(a.length_sigma, b.length_sigma);
  EXPECT_EQ(a.min_length_s, b.min_length_s);
  EXPECT_EQ(a.max_length_s, b.max_length_s);
  EXPECT_EQ(a.valid_fraction, b.valid_fraction);
  EXPECT_EQ(a.test_fraction, b.test_fraction);
  EXPECT_EQ(a.frame_rate_hz, b.frame_rate_hz);
  EXPECT_EQ(a.acoustic_noise, b.acoustic_noise);
  EXPECT_EQ(a.snr_db, b.snr_db);
  EXPECT_EQ(a.ema_noise_mm, b.ema_noise_mm);
}

// Options far from the defaults, with values that need every digit to read back.
SynthOptions unusual_options() {
  SynthOptions o;
  o.seed = 9'000'000'000'000'000'000;
  o.num_utterances = 7;
  o.num_speakers = 3;
  o.num_features = 41;
  o.mean_length_s = 1.0 / 3.0 + 1.0;
  o.length_sigma = 0.1;
  o.min_length_s = 0.75;
  o.max_length_s = 2.5;
  o.valid_fraction = 0.2;
  o.test_fraction = 0.3;
  o.frame_rate_hz = 200.0;
  o.acoustic_noise = 0.0;
  o.snr_db = -7.25;
  o.ema_noise_mm = 1e-3;
  return o;
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
  EXPECT_EQ(names,
            (std::vector<std::string>{
                "synth.seed", "synth.utterances", "synth.speakers", "synth.features",
                "synth.mean_length", "synth.length_sigma", "synth.min_length", "synth.max_length",
                "synth.valid_fraction", "synth.test_fraction", "synth.frame_rate",
                "synth.acoustic_noise", "synth.snr_db", "synth.ema_noise_mm"}));
  EXPECT_EQ(synth_options_to_toml(o),
            "[synth]\nseed = 1\nutterances = 500\nspeakers = 4\nfeatures = 60\n"
            "mean_length = 6.0\nlength_sigma = 0.5\nmin_length = 1.0\nmax_length = " +
                schema::format_number(30.0) + "\nvalid_fraction = 0.1\ntest_fraction = 0.1\n" +
                "frame_rate = " + schema::format_number(100.0) +
                "\nacoustic_noise = 0.1\nsnr_db = " + schema::format_number(30.0) +
                "\nema_noise_mm = 0.1\n");
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
  EXPECT_EQ(parse_error("[synth]\nfeatures = \"many\"\n"),
            "s.toml:2: synth.features must be an integer, got a string");
  EXPECT_NE(parse_error("[synth\n").find("s.toml:1"), std::string::npos);
  try {
    load_synth_options("/nonexistent/synth.toml");
    ADD_FAILURE() << "read a missing file";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("/nonexistent/synth.toml: cannot open", 0), 0u)
        << e.what();
  }
}

// What synthesize() records is the options: written to HDF5 and read back, the recipe parses
// to the same options, and those make the same corpus.
TEST(SynthOptionsTest, CorpusRecordsItsOptionsAndTheyRemakeIt) {
  test::TempDir dir;
  const SynthOptions o = unusual_options();
  Corpus c = synthesize(o);
  EXPECT_EQ(c.meta.recipe, synth_options_to_toml(o));
  write_corpus(dir.file("c.h5"), c);
  const Corpus back = read_corpus(dir.file("c.h5"));
  EXPECT_EQ(back.meta.recipe, c.meta.recipe);
  const SynthOptions parsed = parse_synth_options(back.meta.recipe, "recipe");
  expect_same_options(o, parsed);
  const Corpus again = synthesize(parsed);
  EXPECT_EQ(again.features, c.features);
  EXPECT_EQ(again.targets, c.targets);
  EXPECT_EQ(back.meta.source, "artic synth seed=9000000000000000000");
}

}  // namespace
}  // namespace artic
