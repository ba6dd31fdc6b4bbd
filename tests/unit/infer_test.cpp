// artic invert's pieces without a model: the inputs it is given (files, folders, lists), the
// files it writes (CSV, EST) and what ranks hand each other (rank results, whole or cut short).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "core/error.h"
#include "infer/inputs.h"
#include "infer/outputs.h"
#include "infer/rank_result.h"
#include "prep/est_track.h"
#include "test_util.h"

namespace artic {
namespace {

namespace fs = std::filesystem;

void touch(const std::string& path) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path) << "x";
}

std::string error_of(const std::vector<std::string>& paths, const std::string& list = "") {
  try {
    collect_inputs(paths, list, {".wav", ".flac"});
  } catch (const UserError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(InvertInputs, FilesFoldersAndListsSortedWithTheirNames) {
  test::TempDir d;
  touch(d.file("a/x.wav"));
  touch(d.file("a/deep/y.FLAC"));
  touch(d.file("a/notes.txt"));
  touch(d.file("z.wav"));
  std::ofstream(d.file("list.txt")) << "# recordings\n\n  " << d.file("z.wav") << "  \r\n";
  const auto in = collect_inputs({d.file("a")}, d.file("list.txt"), {".wav", ".flac"});
  ASSERT_EQ(in.size(), 3u);
  EXPECT_EQ(in[0].path, d.file("a/deep/y.FLAC"));
  EXPECT_EQ(in[0].name, "y");
  EXPECT_EQ(in[1].name, "x");
  EXPECT_EQ(in[2].name, "z");
  // The same file named twice is inverted once.
  EXPECT_EQ(collect_inputs({d.file("z.wav"), d.file("z.wav")}, "", {".wav"}).size(), 1u);
}

TEST(InvertInputs, RefusesWhatCannotBeInverted) {
  test::TempDir d;
  fs::create_directories(d.file("empty"));
  touch(d.file("one/s1.wav"));
  touch(d.file("two/s1.wav"));
  EXPECT_NE(error_of({d.file("missing.wav")}).find("missing.wav: no such audio file or folder"),
            std::string::npos);
  EXPECT_NE(error_of({d.file("empty")}).find("empty holds no audio files (looked for .wav/.flac"),
            std::string::npos);
  EXPECT_NE(error_of({}).find("nothing to invert"), std::string::npos);
  EXPECT_NE(error_of({d.file("one"), d.file("two")}).find("have the same name 's1'"),
            std::string::npos);
  EXPECT_NE(error_of({}, d.file("nolist.txt")).find("nolist.txt: cannot open"), std::string::npos);
  std::ofstream(d.file("bad.txt")) << d.file("one/s1.wav") << "\n" << d.file("gone.wav") << "\n";
  EXPECT_NE(error_of({}, d.file("bad.txt")).find("bad.txt:2: " + d.file("gone.wav")),
            std::string::npos);
}

Trajectories sample() {
  Trajectories t{"s1", {"T1_x", "T1_y"}, 100.0, {}};
  for (int f = 0; f < 5; ++f) {
    t.mm.push_back(0.1f * static_cast<float>(f) - 12.345678f);
    t.mm.push_back(1.0f / 3.0f + static_cast<float>(f));
  }
  return t;
}

TEST(InvertOutputs, CsvHasAHeaderAndReadsBackExactly) {
  test::TempDir d;
  const Trajectories t = sample();
  write_csv(d.file("s1.csv"), t);
  std::ifstream in(d.file("s1.csv"));
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "time_s,T1_x,T1_y");
  for (int f = 0; f < 5; ++f) {
    ASSERT_TRUE(std::getline(in, line));
    float time = 0, x = 0, y = 0;
    ASSERT_EQ(std::sscanf(line.c_str(), "%f,%f,%f", &time, &x, &y), 3) << line;
    EXPECT_FLOAT_EQ(time, 0.01f * static_cast<float>(f));
    EXPECT_EQ(x, t.mm[static_cast<size_t>(2 * f)]);
    EXPECT_EQ(y, t.mm[static_cast<size_t>(2 * f + 1)]);
  }
  EXPECT_FALSE(std::getline(in, line));
  EXPECT_FALSE(fs::exists(d.file("s1.csv.tmp")));
}

TEST(InvertOutputs, EstIsBinaryWithEveryFrameValid) {
  test::TempDir d;
  const Trajectories t = sample();
  write_est(d.file("s1.ema"), t);
  const EstTrack back = read_est_track(d.file("s1.ema"));
  EXPECT_EQ(back.channel_names, t.channels);
  EXPECT_EQ(back.values, t.mm);
  EXPECT_EQ(back.valid, std::vector<uint8_t>(5, 1));
  EXPECT_NEAR(back.frame_rate(), 100.0, 1e-3);
  EXPECT_EQ(output_path("out", OutputFormat::Est, "s1"), "out/s1.ema");
  EXPECT_EQ(output_path("out", OutputFormat::H5, "s1"), "out/predictions.h5");
}

TEST(InvertRankResult, RoundTripsAndRefusesBytesCutShort) {
  RankResult r;
  r.inverted = 2;
  r.audio_seconds = 12.5;
  r.failures = {{"/a/b.wav", "cannot read audio"}};
  r.inputs = {3};
  r.tracks = {sample()};
  r.features = {{1.0f, 2.0f, 3.0f}};
  const std::vector<std::string> names = {"a", "b", "c", "s1"};
  const std::string bytes = encode_rank_result(r, true);
  const RankResult back = decode_rank_result(bytes, names, {"T1_x", "T1_y"}, 100.0);
  EXPECT_EQ(back.inverted, 2);
  EXPECT_EQ(back.audio_seconds, 12.5);
  ASSERT_EQ(back.failures.size(), 1u);
  EXPECT_EQ(back.failures[0].reason, "cannot read audio");
  ASSERT_EQ(back.tracks.size(), 1u);
  EXPECT_EQ(back.tracks[0].name, "s1");
  EXPECT_EQ(back.tracks[0].mm, r.tracks[0].mm);
  EXPECT_EQ(back.features[0], r.features[0]);
  EXPECT_TRUE(decode_rank_result(encode_rank_result(r, false), names, {}, 100.0).tracks.empty());
  for (size_t cut : {size_t{0}, size_t{7}, bytes.size() / 2, bytes.size() - 1}) {
    EXPECT_THROW(decode_rank_result(bytes.substr(0, cut), names, {}, 100.0), std::runtime_error)
        << cut;
  }
  EXPECT_THROW(decode_rank_result(bytes, {"a"}, {}, 100.0), std::runtime_error);
}

}  // namespace
}  // namespace artic
