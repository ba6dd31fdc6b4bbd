// The built-in corpus on disk (synth/corpus_files.h): WAV and EST files as a real corpus is laid
// out, read back by our readers, by speech-tools' ch_track and through `artic prep`.
#include "synth/corpus_files.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "data/corpus.h"
#include "prep/audio.h"
#include "prep/est_track.h"
#include "synth/synth.h"
#include "synth_options_util.h"
#include "test_util.h"

namespace artic {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kChannels = 12;
const std::vector<std::string> kMngu0Names = {
    "T1_py",  "T1_pz",  "T2_py",       "T2_pz",       "T3_py",       "T3_pz",
    "jaw_py", "jaw_pz", "upperlip_py", "upperlip_pz", "lowerlip_py", "lowerlip_pz"};

// Five utterances of 1-3 s from two speakers, every split present.
SynthOptions files_options(int64_t seed = 3) {
  SynthOptions o;
  o.seed = seed;
  o.num_utterances = 5;
  o.num_speakers = 2;
  o.mean_length_s = 1.8;
  o.min_length_s = 1.0;
  o.max_length_s = 3.0;
  o.valid_fraction = 0.2;
  o.test_fraction = 0.2;
  return o;
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Every file under `dir` by its path relative to `dir`.
std::map<std::string, std::string> tree(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) {
      files[fs::relative(entry.path(), dir).string()] = read_bytes(entry.path());
    }
  }
  return files;
}

TEST(SynthFilesTest, SameSeedSameBytesWhateverTheThreads) {
  test::TempDir dir;
  const SynthOptions o = files_options();
  const SynthFilesReport one = write_synth_files(dir.file("one"), o, 1, false);
  write_synth_files(dir.file("two"), o, 2, false);
  const std::vector<SynthUtterance> list = synth_utterances(o);
  EXPECT_EQ(one.utterances, 5);
  EXPECT_EQ(one.clipped_samples, 0);
  double seconds = 0;
  for (const SynthUtterance& u : list) seconds += static_cast<double>(u.frames) / 100.0;
  EXPECT_NEAR(one.seconds, seconds, 1e-9);

  const auto a = tree(dir.file("one")), b = tree(dir.file("two"));
  ASSERT_EQ(a.size(), 2 * list.size() + 4) << "wav, ema, three lists and synth.toml";
  for (const SynthUtterance& u : list) {
    EXPECT_EQ(a.count("wav/" + u.id + ".wav"), 1u) << u.id;
    EXPECT_EQ(a.count("ema/" + u.id + ".ema"), 1u) << u.id;
  }
  for (const auto& [name, bytes] : a) {
    ASSERT_EQ(b.count(name), 1u) << name;
    EXPECT_TRUE(bytes == b.at(name)) << name << " differs between 1 and 2 threads";
  }

  write_synth_files(dir.file("other"), files_options(4), 2, false);
  const auto c = tree(dir.file("other"));
  for (const auto& [name, bytes] : a) {
    if (name.rfind("wav/", 0) == 0 || name.rfind("ema/", 0) == 0) {
      ASSERT_EQ(c.count(name), 1u) << name;
      EXPECT_FALSE(bytes == c.at(name)) << name << " is the same under another seed";
    }
  }
  EXPECT_NE(a.at("synth.toml"), c.at("synth.toml"));
}

TEST(SynthFilesTest, WavHoldsTheRecording) {
  test::TempDir dir;
  const SynthOptions o = files_options();
  write_synth_files(dir.file("c"), o, 2, false);
  const std::vector<SynthUtterance> list = synth_utterances(o);
  double worst = 0.0, peak = 0.0;
  int64_t off_by_a_step = 0;
  for (size_t i = 0; i < list.size(); ++i) {
    const Audio wav = read_audio(dir.file("c/wav/" + list[i].id + ".wav"));
    const SpokenUtterance s = speak_utterance(o, static_cast<int>(i));
    EXPECT_EQ(wav.sample_rate, kSynthAudioRateHz);
    ASSERT_EQ(wav.samples.size(), static_cast<size_t>(list[i].frames * 160)) << list[i].id;
    ASSERT_EQ(wav.samples.size(), s.audio.size()) << list[i].id;
    for (size_t n = 0; n < s.audio.size(); ++n) {
      worst = std::max(worst, std::abs(static_cast<double>(wav.samples[n]) - s.audio[n]));
      peak = std::max(peak, std::abs(static_cast<double>(s.audio[n])));
      // The stored integer is the nearest to x * 32767; libsndfile reads it back over 32768.
      off_by_a_step += std::lround(wav.samples[n] * 32768.0) != std::lround(s.audio[n] * 32767.0);
    }
  }
  EXPECT_EQ(off_by_a_step, 0);
  std::printf("WAV vs float audio: max |difference| %.3g (1/32767 = %.3g), peak %.3f\n", worst,
              1.0 / 32767, peak);
  EXPECT_LE(worst, 1.0 / 32767);
}

TEST(SynthFilesTest, EstHoldsTheTracksInCentimetres) {
  test::TempDir dir;
  const SynthOptions o = files_options();
  write_synth_files(dir.file("c"), o, 2, false);
  const std::vector<SynthUtterance> list = synth_utterances(o);
  double worst = 0.0;
  for (size_t i = 0; i < list.size(); ++i) {
    const EstTrack t = read_est_track(dir.file("c/ema/" + list[i].id + ".ema"));
    const SpokenUtterance s = speak_utterance(o, static_cast<int>(i));
    EXPECT_EQ(t.channel_names, kMngu0Names);
    EXPECT_NEAR(t.frame_rate(), 200.0, 1e-3) << "times are float32";
    ASSERT_EQ(t.frames(), list[i].frames * 2) << list[i].id;
    ASSERT_EQ(t.values.size(), s.ema.size());
    for (int64_t n = 0; n < t.frames(); ++n) {
      ASSERT_NEAR(t.times[n], n / 200.0, 1e-6) << list[i].id << " frame " << n;
      ASSERT_EQ(t.valid[n], 1) << list[i].id << " frame " << n;
    }
    for (size_t k = 0; k < s.ema.size(); ++k) {
      worst = std::max(worst, std::abs(t.values[k] - s.ema[k] / 10.0));
    }
  }
  std::printf("EST vs ema / 10: max |difference| %.3g cm\n", worst);
  EXPECT_LT(worst, 1e-6);
}

// ch_track's ASCII rendering of a track: channel names, then rows of time, valid, values.
struct AsciiTrack {
  std::vector<std::string> names;
  std::vector<std::vector<double>> rows;
};

AsciiTrack parse_ascii_track(const std::string& text) {
  AsciiTrack t;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line) && line != "EST_Header_End") {
    if (line.rfind("Channel_", 0) == 0) t.names.push_back(line.substr(line.find(' ') + 1));
  }
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::vector<double> row;
    double v;
    while (fields >> v) row.push_back(v);
    if (!row.empty()) t.rows.push_back(row);
  }
  return t;
}

// Edinburgh Speech Tools, the reference reader of MNGU0's files, reads ours.
TEST(SynthFilesTest, SpeechToolsReadsTheTracks) {
  if (test::run_command("command -v ch_track") != 0) {
    GTEST_SKIP() << "ch_track (Debian speech-tools) is not installed";
  }
  test::TempDir dir;
  const SynthOptions o = files_options();
  write_synth_files(dir.file("c"), o, 2, false);
  const std::vector<SynthUtterance> list = synth_utterances(o);
  double worst = 0.0;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string ascii = dir.file(list[i].id + ".txt");
    std::string output;
    ASSERT_EQ(test::run_command("ch_track -otype est_ascii -o " + ascii + " " +
                                    dir.file("c/ema/" + list[i].id + ".ema"),
                                &output),
              0)
        << output;
    const AsciiTrack t = parse_ascii_track(read_bytes(ascii));
    const SpokenUtterance s = speak_utterance(o, static_cast<int>(i));
    EXPECT_EQ(t.names, kMngu0Names);
    ASSERT_EQ(static_cast<int64_t>(t.rows.size()), list[i].frames * 2) << list[i].id;
    for (size_t n = 0; n < t.rows.size(); ++n) {
      const std::vector<double>& row = t.rows[n];
      ASSERT_EQ(row.size(), static_cast<size_t>(2 + kChannels)) << list[i].id << " row " << n;
      ASSERT_NEAR(row[0], static_cast<double>(n) / 200.0, 1e-6) << list[i].id << " row " << n;
      ASSERT_EQ(row[1], 1.0) << list[i].id << " row " << n;
      for (int64_t ch = 0; ch < kChannels; ++ch) {
        const double cm = s.ema[n * kChannels + ch] / 10.0;
        worst = std::max(worst, std::abs(row[2 + ch] - cm));
      }
    }
  }
  std::printf("ch_track's values vs ema / 10: max |difference| %.3g cm\n", worst);
  EXPECT_LT(worst, 1e-4);
}

// Imported by `artic prep` with configs/prep_synth.toml, the corpus holds the generator's tracks
// at 100 Hz (its 200 Hz frames 0, 2, 4, ...) beside 80 log-mels, with its ids, splits and
// speakers.
TEST(SynthFilesTest, PrepImportKeepsTheTracks) {
  test::TempDir dir;
  SynthOptions o = files_options();
  o.ema_noise_mm = 0.0;
  const PrepReport report = write_synth_corpus(dir.file("synth.h5"), o, 2);
  EXPECT_EQ(report.imported, o.num_utterances);
  EXPECT_TRUE(report.skipped.empty()) << report.skipped.front();
  for (const std::string& w : report.warnings) std::printf("prep warning: %s\n", w.c_str());
  EXPECT_FALSE(fs::exists(dir.file("synth.h5.synth"))) << "the WAV/EST folder is left behind";

  const Corpus c = read_corpus(dir.file("synth.h5"));
  EXPECT_EQ(c.meta.feature_names.size(), 80u);
  EXPECT_DOUBLE_EQ(c.meta.frame_rate_hz, 100.0);
  EXPECT_EQ(c.meta.articulator_names, synth_channel_names());
  EXPECT_NE(c.meta.source.find(synth_command(o)), std::string::npos) << c.meta.source;
  for (float v : c.features) ASSERT_TRUE(std::isfinite(v));

  const std::vector<SynthUtterance> list = synth_utterances(o);
  ASSERT_EQ(c.utterances.size(), list.size());
  double worst = 0.0;
  for (size_t i = 0; i < list.size(); ++i) {
    const SynthUtterance& u = list[i];
    const auto it = std::find_if(c.utterances.begin(), c.utterances.end(),
                                 [&](const UtteranceInfo& info) { return info.id == u.id; });
    ASSERT_NE(it, c.utterances.end()) << u.id;
    EXPECT_EQ(it->split, u.split) << u.id;
    EXPECT_EQ(it->speaker, u.speaker) << u.id;
    ASSERT_EQ(it->length, u.frames) << u.id;
    const SpokenUtterance s = speak_utterance(o, static_cast<int>(i));
    const float* targets = c.targets_of(static_cast<size_t>(it - c.utterances.begin()));
    for (int64_t k = 0; k < u.frames; ++k) {
      for (int64_t ch = 0; ch < kChannels; ++ch) {
        const double diff = targets[k * kChannels + ch] - s.ema[(2 * k) * kChannels + ch];
        worst = std::max(worst, std::abs(diff));
      }
    }
  }
  std::printf(
      "imported targets vs the generator's EMA at 200 Hz frame 2k: max |difference| "
      "%.3g mm\n",
      worst);
  EXPECT_LT(worst, 0.05);
}

TEST(SynthFilesTest, RefusesAnExistingFolderAndLeavesNoPartial) {
  test::TempDir dir;
  const std::string out = dir.file("corpus");
  write_synth_files(out, files_options(), 2, false);
  EXPECT_TRUE(fs::exists(out + "/synth.toml"));
  EXPECT_FALSE(fs::exists(out + ".partial"));
  try {
    write_synth_files(out, files_options(4), 2, false);
    ADD_FAILURE() << "overwrote " << out;
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find(out), std::string::npos) << e.what();
  }
  EXPECT_EQ(load_synth_options(out + "/synth.toml").seed, 3) << "the refused call changed it";
  EXPECT_FALSE(fs::exists(out + ".partial"));
  write_synth_files(out, files_options(4), 2, true);
  EXPECT_EQ(load_synth_options(out + "/synth.toml").seed, 4);
  EXPECT_FALSE(fs::exists(out + ".partial"));
  std::vector<std::string> entries;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    entries.push_back(entry.path().filename().string());
  }
  EXPECT_EQ(entries, std::vector<std::string>{"corpus"});
}

// synth.toml parses back to the options that made the corpus; the lists hold its splits.
TEST(SynthFilesTest, OptionsAndListsDescribeTheCorpus) {
  test::TempDir dir;
  const SynthOptions o = unusual_options();
  write_synth_files(dir.file("c"), o, 2, false);
  const SynthOptions back = load_synth_options(dir.file("c/synth.toml"));
  expect_same_options(back, o);
  EXPECT_EQ(synth_options_to_toml(back), synth_options_to_toml(o));

  std::map<std::string, std::string> lists;
  for (const SynthUtterance& u : synth_utterances(o)) lists[u.split] += u.id + "\n";
  for (const char* split : {"train", "valid", "test"}) {
    EXPECT_EQ(read_bytes(dir.file("c/" + std::string(split) + ".list")), lists[split]) << split;
  }
}

}  // namespace
}  // namespace artic
