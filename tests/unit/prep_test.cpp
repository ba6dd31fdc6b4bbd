// `artic prep` below the command line: audio input and resampling, features against the numpy
// oracle on real speech (espeak-ng), the prep config, file pairing and split rules.
#include <gtest/gtest.h>
#include <sndfile.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "prep/audio.h"
#include "prep/features.h"
#include "prep/pairing.h"
#include "prep/prep_config.h"
#include "prep/splits.h"
#include "test_util.h"

namespace artic {
namespace {

void write_wav(const std::string& path, const std::vector<float>& interleaved, int channels,
               int rate, int format = SF_FORMAT_WAV | SF_FORMAT_PCM_16) {
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = channels;
  info.format = format;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  ASSERT_NE(f, nullptr) << sf_strerror(nullptr);
  sf_writef_float(f, interleaved.data(), static_cast<sf_count_t>(interleaved.size() / channels));
  sf_close(f);
}

// Amplitude of the `hz` component (least squares on sine and cosine), away from the edges.
double amplitude_at(const std::vector<float>& x, int rate, double hz) {
  double ss = 0, sc = 0, s2 = 0, c2 = 0;
  const size_t lo = x.size() / 8, hi = x.size() - x.size() / 8;
  for (size_t i = lo; i < hi; ++i) {
    const double s = std::sin(2 * M_PI * hz * static_cast<double>(i) / rate);
    const double c = std::cos(2 * M_PI * hz * static_cast<double>(i) / rate);
    ss += x[i] * s;
    sc += x[i] * c;
    s2 += s * s;
    c2 += c * c;
  }
  return std::hypot(ss / s2, sc / c2);
}

void write_floats(const std::string& path, const std::vector<float>& v) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size() * 4));
}

void touch(const std::string& path) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << "x";
}

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(PrepAudio, MixesDownToMonoAndReadsFlac) {
  test::TempDir dir;
  const int rate = 16000;
  std::vector<float> stereo;
  for (int i = 0; i < rate; ++i) {
    const float s = 0.5f * static_cast<float>(std::sin(2 * M_PI * 300 * i / rate));
    stereo.push_back(s);
    stereo.push_back(-0.5f * s);
  }
  write_wav(dir.file("st.wav"), stereo, 2, rate);
  write_wav(dir.file("st.flac"), stereo, 2, rate, SF_FORMAT_FLAC | SF_FORMAT_PCM_16);
  for (const char* name : {"st.wav", "st.flac"}) {
    const Audio a = read_audio(dir.file(name));
    EXPECT_EQ(a.sample_rate, rate);
    ASSERT_EQ(a.samples.size(), static_cast<size_t>(rate));
    EXPECT_NEAR(amplitude_at(a.samples, rate, 300), 0.125, 1e-3) << name;
  }
  std::ofstream(dir.file("junk.wav")) << "not audio";
  EXPECT_NE(error_of([&] { read_audio(dir.file("junk.wav")); }).find("junk.wav: cannot read audio"),
            std::string::npos);
  EXPECT_NE(error_of([&] { read_audio(dir.file("missing.wav")); }).find("missing.wav"),
            std::string::npos);
}

TEST(PrepAudio, ResamplingKeepsThePassbandAndRemovesWhatWouldAlias) {
  // 22.05 kHz (espeak-ng's rate) -> 16 kHz: 440 Hz stays, 9 kHz (above the new Nyquist) goes.
  const int in_rate = 22050;
  Audio a;
  a.sample_rate = in_rate;
  for (int i = 0; i < in_rate; ++i) {
    a.samples.push_back(static_cast<float>(0.4 * std::sin(2 * M_PI * 440 * i / in_rate) +
                                           0.4 * std::sin(2 * M_PI * 9000 * i / in_rate)));
  }
  const Audio b = resample(a, 16000);
  EXPECT_EQ(b.sample_rate, 16000);
  EXPECT_NEAR(static_cast<double>(b.samples.size()), 16000.0, 2.0);
  EXPECT_NEAR(amplitude_at(b.samples, 16000, 440), 0.4, 2e-3);
  EXPECT_LT(amplitude_at(b.samples, 16000, 7000), 4e-4) << "9 kHz aliased to 7 kHz";
  const Audio same = resample(b, 16000);
  EXPECT_EQ(same.samples, b.samples);
}

TEST(PrepFeatures, MatchTheNumpyOracleOnRealSpeech) {
  test::TempDir dir;
  std::string out;
  ASSERT_EQ(test::run_command("espeak-ng -w " + dir.file("s.wav") +
                                  " 'The quick brown fox jumps over the lazy dog.'",
                              &out),
            0)
      << "espeak-ng (Debian) is needed: " << out;
  const Audio speech = resample(read_audio(dir.file("s.wav")), 16000);
  ASSERT_GT(speech.samples.size(), 16000u);
  write_floats(dir.file("samples.f32"), speech.samples);
  FeatureOptions logmel;
  const Features lm = compute_features(speech.samples, logmel);
  EXPECT_EQ(lm.frames, static_cast<int64_t>(speech.samples.size()) / 160 + 1);
  ASSERT_EQ(lm.names.size(), 80u);
  EXPECT_EQ(lm.names[0], "logmel_0");
  write_floats(dir.file("logmel.f32"), lm.values);
  test::run_oracle("features_oracle.py",
                   dir.file("samples.f32") + " " + dir.file("logmel.f32") + " logmel 80");

  FeatureOptions mfcc;
  mfcc.kind = FeatureKind::Mfcc;
  const Features mf = compute_features(speech.samples, mfcc);
  ASSERT_EQ(mf.names.size(), 39u);
  EXPECT_EQ(mf.names[13], "d_mfcc_0");
  EXPECT_EQ(mf.names[38], "dd_mfcc_12");
  write_floats(dir.file("mfcc.f32"), mf.values);
  test::run_oracle("features_oracle.py",
                   dir.file("samples.f32") + " " + dir.file("mfcc.f32") + " mfcc 40 13");
}

TEST(PrepFeatures, FrameKIsCentredAtKHops) {
  // A click at 0.73 s peaks in frame 73 (frames are centred at k * 10 ms, like the track).
  std::vector<float> x(16000, 0.0f);
  x[static_cast<size_t>(0.73 * 16000)] = 1.0f;
  const Features f = compute_features(x, FeatureOptions{});
  int64_t best = -1;
  double best_energy = -1e300;
  for (int64_t t = 0; t < f.frames; ++t) {
    double e = 0;
    for (int m = 0; m < 80; ++m) e += std::exp(f.values[static_cast<size_t>(t * 80 + m)]);
    if (e > best_energy) {
      best_energy = e;
      best = t;
    }
  }
  EXPECT_EQ(best, 73);
  EXPECT_NE(error_of([] {
              compute_features(std::vector<float>(100, 0.0f), FeatureOptions{});
            }).find("shorter than half an analysis window"),
            std::string::npos);
}

const char* kMinimal = R"(
[prep]
input_dir = "corpus"
output = "out.h5"
preset = "mngu0"
)";

TEST(PrepConfig, PresetsFillChannelsScaleAndSplitAndKeysOverrideThem) {
  const PrepConfig c = parse_prep_config(kMinimal, "p.toml");
  ASSERT_EQ(c.channels.size(), 12u);
  EXPECT_EQ(c.channels[0], (std::pair<std::string, std::string>{"T1_py", "T1_x"}));
  EXPECT_EQ(c.channels[11], (std::pair<std::string, std::string>{"lowerlip_pz", "LL_y"}));
  EXPECT_EQ(c.scale, 10.0);
  EXPECT_EQ(c.split_rule, "mngu0");
  EXPECT_EQ(c.features.kind, FeatureKind::Logmel);
  EXPECT_EQ(c.features.n_mels, 80);
  EXPECT_EQ(c.lowpass_hz, 20.0);

  const PrepConfig m = parse_prep_config(
      std::string(kMinimal) + "[tracks]\nscale = 1\nchannels = [[\"T1_py\", \"TT_x\"]]\n" +
          "[features]\nkind = \"mfcc\"\n",
      "p.toml", {"prep.preset=mocha", "split.rule=ratio", "features.n_mfcc=12"});
  EXPECT_EQ(m.preset, "mocha");
  EXPECT_EQ(m.scale, 1.0);
  ASSERT_EQ(m.channels.size(), 1u);
  EXPECT_EQ(m.channels[0].second, "TT_x");
  EXPECT_EQ(m.split_rule, "ratio");
  EXPECT_EQ(m.features.kind, FeatureKind::Mfcc);
  EXPECT_EQ(m.features.n_mfcc, 12);
  // The printed config parses back to the same thing.
  const PrepConfig again = parse_prep_config(prep_config_to_toml(m), "printed.toml");
  EXPECT_EQ(prep_config_to_toml(again), prep_config_to_toml(m));
}

TEST(PrepConfig, BadInputNamesFileLineAndKey) {
  auto err = [](const std::string& text, std::vector<std::string> overrides = {}) {
    return error_of([&] { parse_prep_config(text, "p.toml", overrides); });
  };
  EXPECT_NE(err("[prep]\ninput_dir = \"c\"\noutput = \"o.h5\"\n").find("tracks.channels is empty"),
            std::string::npos);
  EXPECT_NE(
      err("[prep]\noutput = \"o.h5\"\npreset = \"mngu0\"\n").find("prep.input_dir is required"),
      std::string::npos);
  EXPECT_NE(err(std::string(kMinimal) + "[tracks]\nlowpas_hz = 10\n")
                .find("p.toml:7: unknown key 'lowpas_hz' in [tracks]; did you mean 'lowpass_hz'?"),
            std::string::npos)
      << err(std::string(kMinimal) + "[tracks]\nlowpas_hz = 10\n");
  EXPECT_NE(err(std::string(kMinimal) + "[trakcs]\nscale = 1\n")
                .find("unknown section [trakcs]; did you mean [tracks]?"),
            std::string::npos);
  EXPECT_NE(err("[prep]\npreset = \"mngu\"\n").find("p.toml:2: prep.preset must be one of"),
            std::string::npos);
  EXPECT_NE(
      err(std::string(kMinimal) + "[tracks]\nchannels = [\"T1_py\"]\n")
          .find("p.toml:7: tracks.channels must be a list of [\"from\", \"to\"] name pairs, e.g. "
                "[[\"T1_py\", \"T1_x\"], [\"T1_pz\", \"T1_y\"]], got [\"T1_py\"]"),
      std::string::npos);
  EXPECT_NE(err(std::string(kMinimal) + "[tracks]\nchannels = [[\"a\", \"X\"], [\"b\", \"X\"]]\n")
                .find("names the target 'X' twice"),
            std::string::npos);
  EXPECT_NE(err(std::string(kMinimal) + "[tracks]\nlowpass_hz = 60\n")
                .find("must be below half the frame rate"),
            std::string::npos);
  EXPECT_NE(err(std::string(kMinimal) + "[features]\nwindow_ms = 40\n")
                .find("does not fit in features.n_fft"),
            std::string::npos);
  EXPECT_NE(err(std::string(kMinimal) + "[features]\nn_mels = \"80\"\n")
                .find("p.toml:7: features.n_mels must be an integer"),
            std::string::npos);
  EXPECT_NE(
      err(std::string(kMinimal) + "[split]\nrule = \"lists\"\n").find("needs split.train_list"),
      std::string::npos);
  EXPECT_NE(
      err(kMinimal, {"tracks.scael=1"})
          .find("--set tracks.scael=1: unknown key 'scael' in [tracks]; did you mean 'scale'?"),
      std::string::npos);
  EXPECT_NE(err("[prep\n").find("p.toml:1: TOML syntax error"), std::string::npos);
}

std::vector<UtteranceFiles> utterances(const std::vector<std::pair<std::string, std::string>>& v) {
  std::vector<UtteranceFiles> out;
  for (const auto& [id, speaker] : v) out.push_back({id, speaker, id + ".wav", id + ".ema"});
  return out;
}

TEST(PrepSplits, Mngu0RuleUsesTheLastTwoDigits) {
  PrepConfig c = parse_prep_config(kMinimal, "p.toml");
  const auto utts = utterances({{"mngu0_s1_0010", "m"},
                                {"mngu0_s1_0020", "m"},
                                {"mngu0_s1_0011", "m"},
                                {"mngu0_s1_0130", "m"},
                                {"mngu0_s1_0100", "m"},
                                {"mngu0_s1_0040b", "m"},
                                {"odd", "m"}});
  const SplitAssignment s = assign_splits(c, utts);
  EXPECT_EQ(s.split,
            (std::vector<std::string>{"valid", "test", "train", "valid", "test", "test", ""}));
  ASSERT_EQ(s.left_out.size(), 1u);
  EXPECT_NE(s.left_out[0].find("odd: split.rule = \"mngu0\" needs two digits"), std::string::npos);
}

TEST(PrepSplits, RatioIsSeededStratifiedByspeakerAndStable) {
  PrepConfig c = parse_prep_config(
      kMinimal, "p.toml",
      {"split.rule=ratio", "split.valid_fraction=0.1", "split.test_fraction=0.2"});
  std::vector<std::pair<std::string, std::string>> ids;
  for (int i = 0; i < 100; ++i) ids.emplace_back("a_" + std::to_string(i), "a");
  for (int i = 0; i < 30; ++i) ids.emplace_back("b_" + std::to_string(i), "b");
  const auto utts = utterances(ids);
  const SplitAssignment s = assign_splits(c, utts);
  auto count = [&](const std::string& speaker, const std::string& split) {
    int n = 0;
    for (size_t i = 0; i < utts.size(); ++i) n += utts[i].speaker == speaker && s.split[i] == split;
    return n;
  };
  EXPECT_EQ(count("a", "valid"), 10);
  EXPECT_EQ(count("a", "test"), 20);
  EXPECT_EQ(count("b", "valid"), 3);
  EXPECT_EQ(count("b", "test"), 6);
  EXPECT_EQ(assign_splits(c, utts).split, s.split) << "same seed, same splits";
  c.seed = 2;
  EXPECT_NE(assign_splits(c, utts).split, s.split);
}

TEST(PrepSplits, ListsAndSpeakers) {
  test::TempDir dir;
  std::ofstream(dir.file("train.txt")) << "# train\nx_1\nwav/x_2.wav\n\n";
  std::ofstream(dir.file("valid.txt")) << "x_3\nx_9  # not in the corpus\n";
  PrepConfig c = parse_prep_config(kMinimal, "p.toml",
                                   {"split.rule=lists", "split.train_list=" + dir.file("train.txt"),
                                    "split.valid_list=" + dir.file("valid.txt")});
  const auto utts = utterances({{"x_1", "x"}, {"x_2", "x"}, {"x_3", "x"}, {"x_4", "x"}});
  const SplitAssignment s = assign_splits(c, utts);
  EXPECT_EQ(s.split, (std::vector<std::string>{"train", "train", "valid", ""}));
  ASSERT_EQ(s.left_out.size(), 1u);
  EXPECT_NE(s.left_out[0].find("x_4: in none of the split lists"), std::string::npos);
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_NE(s.warnings[0].find("1 listed utterances have no audio+track pair, e.g. 'x_9'"),
            std::string::npos);
  std::ofstream(dir.file("test.txt")) << "x_1\n";
  c.test_list = dir.file("test.txt");
  EXPECT_NE(error_of([&] { assign_splits(c, utts); }).find("'x_1' is in both"), std::string::npos);
  std::ofstream(dir.file("bad.txt")) << "x_1 x_2\n";
  c.test_list = dir.file("bad.txt");
  EXPECT_NE(error_of([&] {
              assign_splits(c, utts);
            }).find("bad.txt:1: expected one utterance id per line"),
            std::string::npos);

  PrepConfig sp = parse_prep_config(kMinimal, "p.toml",
                                    {"split.rule=speaker", "split.test_speakers=[\"fsew0\"]"});
  const auto two = utterances({{"fsew0_001", "fsew0"}, {"msak0_001", "msak0"}});
  EXPECT_EQ(assign_splits(sp, two).split, (std::vector<std::string>{"test", "train"}));
  sp.valid_speakers = {"maps0"};
  EXPECT_NE(error_of([&] { assign_splits(sp, two); })
                .find("split.valid_speakers names 'maps0', who has no utterances; the speakers "
                      "are: fsew0, msak0"),
            std::string::npos);
}

TEST(PrepPairing, PairsByBasenameAcrossFoldersAndReportsTheRest) {
  test::TempDir dir;
  touch(dir.file("wav/fsew0_001.wav"));
  touch(dir.file("ema/fsew0_001.ema"));
  touch(dir.file("wav/fsew0_002.WAV"));
  touch(dir.file("ema/fsew0_002.ema"));
  touch(dir.file("wav/fsew0_003.wav"));
  touch(dir.file("ema/fsew0_004.ema"));
  touch(dir.file("lab/fsew0_001.lab"));
  PrepConfig c = parse_prep_config(kMinimal, "p.toml", {"prep.input_dir=" + dir.path()});
  const PairingResult r = pair_files(c);
  ASSERT_EQ(r.utterances.size(), 2u);
  EXPECT_EQ(r.utterances[0].id, "fsew0_001");
  EXPECT_EQ(r.utterances[0].speaker, "fsew0");
  EXPECT_EQ(r.utterances[1].audio, dir.file("wav/fsew0_002.WAV"));
  ASSERT_EQ(r.unpaired.size(), 2u);
  EXPECT_NE(r.unpaired[0].find("fsew0_003: " + dir.file("wav/fsew0_003.wav") + " has no .ema file"),
            std::string::npos);
  EXPECT_NE(
      r.unpaired[1].find("fsew0_004: " + dir.file("ema/fsew0_004.ema") + " has no audio file"),
      std::string::npos);

  c.speaker_from = "dir";
  EXPECT_EQ(pair_files(c).utterances[0].speaker, "ema");
  std::ofstream(dir.file("only.txt")) << "fsew0_002\nfsew0_404\n";
  c.list = dir.file("only.txt");
  const PairingResult listed = pair_files(c);
  ASSERT_EQ(listed.utterances.size(), 1u);
  EXPECT_EQ(listed.utterances[0].id, "fsew0_002");
  ASSERT_EQ(listed.unpaired.size(), 1u);
  EXPECT_NE(listed.unpaired[0].find("fsew0_404: listed in"), std::string::npos);

  c.list.clear();
  touch(dir.file("copy/fsew0_001.wav"));
  EXPECT_NE(error_of([&] { pair_files(c); }).find("two audio files for utterance 'fsew0_001'"),
            std::string::npos);
  c.input_dir = dir.file("nowhere");
  EXPECT_NE(error_of([&] { pair_files(c); }).find("is not a folder"), std::string::npos);
}

}  // namespace
}  // namespace artic
