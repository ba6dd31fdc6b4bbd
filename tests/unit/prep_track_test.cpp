// EST track files (our reader and writer against each other and against speech-tools' ch_track,
// the reference implementation) and articulatory track processing.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "core/error.h"
#include "prep/est_track.h"
#include "prep/track_processing.h"
#include "test_util.h"

namespace artic {
namespace {

EstTrack sample_track(int64_t frames, int64_t channels, double rate) {
  EstTrack t;
  for (int64_t c = 0; c < channels; ++c)
    t.channel_names.push_back("ch" + std::to_string(c) + "_py");
  for (int64_t f = 0; f < frames; ++f) {
    t.times.push_back(static_cast<double>(f) / rate);
    t.valid.push_back(f % 7 == 3 ? 0 : 1);
    for (int64_t c = 0; c < channels; ++c) {
      t.values.push_back(static_cast<float>(std::sin(0.1 * f + c) * 12.5 + c - 0.001 * f));
    }
  }
  return t;
}

// value_tol = 0: equal as float32; else relative (speech-tools writes ASCII with 6 digits).
void expect_same(const EstTrack& a, const EstTrack& b, double time_tol, double value_tol = 0) {
  ASSERT_EQ(a.channel_names, b.channel_names);
  ASSERT_EQ(a.frames(), b.frames());
  EXPECT_EQ(a.valid, b.valid);
  for (int64_t f = 0; f < a.frames(); ++f) {
    EXPECT_NEAR(a.times[static_cast<size_t>(f)], b.times[static_cast<size_t>(f)], time_tol);
  }
  for (size_t i = 0; i < a.values.size(); ++i) {
    if (std::isnan(a.values[i])) {
      EXPECT_TRUE(std::isnan(b.values[i])) << i;
    } else if (value_tol == 0) {
      EXPECT_FLOAT_EQ(a.values[i], b.values[i]) << i;
    } else {
      EXPECT_NEAR(a.values[i], b.values[i], value_tol * std::abs(a.values[i]) + 1e-6) << i;
    }
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::string error_of(const std::string& bytes) {
  try {
    parse_est_track(bytes, "bad.ema");
  } catch (const DataError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(EstTrack, RoundTripsInEveryEncoding) {
  EstTrack t = sample_track(57, 5, 200.0);
  t.values[11] = std::numeric_limits<float>::quiet_NaN();
  for (EstEncoding e :
       {EstEncoding::Ascii, EstEncoding::BinaryLittleEndian, EstEncoding::BinaryBigEndian}) {
    SCOPED_TRACE(static_cast<int>(e));
    const EstTrack back = parse_est_track(format_est_track(t, e), "t.ema");
    expect_same(t, back, 1e-7);
    EXPECT_NEAR(back.frame_rate(), 200.0, 1e-3);
  }
}

TEST(EstTrack, ByteOrdersReallyDiffer) {
  const EstTrack t = sample_track(4, 2, 100.0);
  const std::string le = format_est_track(t, EstEncoding::BinaryLittleEndian);
  const std::string be = format_est_track(t, EstEncoding::BinaryBigEndian);
  ASSERT_EQ(le.size(), be.size());
  const size_t body = le.find("EST_Header_End\n") + 15;
  // 0.01 s as float32 is 0x3C23D70A: little-endian 0A D7 23 3C, big-endian 3C 23 D7 0A.
  EXPECT_EQ(static_cast<unsigned char>(le[body + 16 + 0]), 0x0A);
  EXPECT_EQ(static_cast<unsigned char>(be[body + 16 + 0]), 0x3C);
}

TEST(EstTrack, ReadsFilesMadeBySpeechTools) {
  test::TempDir dir;
  // An ASCII track with named channels, a break and a NaN, converted by ch_track to binary.
  std::string ascii =
      "EST_File Track\nDataType ascii\nNumFrames 5\nNumChannels 3\nEqualSpace 1\n"
      "BreaksPresent true\nChannel_0 T1_py\nChannel_1 T1_pz\nChannel_2 jaw_py\nEST_Header_End\n";
  for (int f = 0; f < 5; ++f) {
    std::ostringstream line;
    line << f * 0.005 << "\t" << (f == 2 ? 0 : 1) << "\t" << 1.25 * f << " " << -3.5 + f << " "
         << (f == 4 ? std::string("nan") : std::to_string(0.5 * f)) << "\n";
    ascii += line.str();
  }
  write_file(dir.file("in.est"), ascii);
  std::string out;
  ASSERT_EQ(
      test::run_command(
          "ch_track -otype est_binary -o " + dir.file("bin.ema") + " " + dir.file("in.est"), &out),
      0)
      << "ch_track (Debian speech-tools) is needed: " << out;
  const EstTrack bin = read_est_track(dir.file("bin.ema"));
  EXPECT_NE(read_file(dir.file("bin.ema")).find("DataType binary"), std::string::npos);
  ASSERT_EQ(bin.channel_names, (std::vector<std::string>{"T1_py", "T1_pz", "jaw_py"}));
  ASSERT_EQ(bin.frames(), 5);
  EXPECT_EQ(bin.valid, (std::vector<uint8_t>{1, 1, 0, 1, 1}));
  EXPECT_NEAR(bin.times[3], 0.015, 1e-7);
  EXPECT_FLOAT_EQ(bin.values[3 * 3 + 0], 3.75f);
  EXPECT_FLOAT_EQ(bin.values[3 * 3 + 1], -0.5f);
  EXPECT_TRUE(std::isnan(bin.values[4 * 3 + 2]));
  // And ch_track's own ASCII output (a header with more keys in another order).
  ASSERT_EQ(test::run_command(
                "ch_track -otype est -o " + dir.file("asc.ema") + " " + dir.file("bin.ema"), &out),
            0)
      << out;
  expect_same(bin, read_est_track(dir.file("asc.ema")), 1e-6, 5e-6);
}

TEST(EstTrack, SpeechToolsReadsWhatWeWrite) {
  test::TempDir dir;
  const EstTrack t = sample_track(23, 4, 500.0);
  for (EstEncoding e : {EstEncoding::BinaryLittleEndian, EstEncoding::BinaryBigEndian}) {
    SCOPED_TRACE(static_cast<int>(e));
    write_est_track(dir.file("ours.ema"), t, e);
    std::string out;
    ASSERT_EQ(
        test::run_command(
            "ch_track -otype est -o " + dir.file("theirs.ema") + " " + dir.file("ours.ema"), &out),
        0)
        << out;
    expect_same(t, read_est_track(dir.file("theirs.ema")), 1e-6, 5e-6);
  }
}

TEST(EstTrack, MalformedHeadersSayWhatIsWrong) {
  const std::string ok =
      format_est_track(sample_track(3, 2, 100.0), EstEncoding::BinaryLittleEndian);
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string s = ok;
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  EXPECT_NE(error_of("RIFF....WAVEfmt ").find("not an EST track file"), std::string::npos);
  EXPECT_NE(error_of("").find("not an EST track file"), std::string::npos);
  EXPECT_NE(error_of(replace("EST_File Track", "EST_File Utterance")).find("expected 'Track'"),
            std::string::npos);
  EXPECT_NE(error_of(replace("NumFrames 3\n", "")).find("no NumFrames"), std::string::npos);
  EXPECT_NE(error_of(replace("NumChannels 2\n", "")).find("no NumChannels"), std::string::npos);
  EXPECT_NE(error_of(replace("NumFrames 3", "NumFrames three")).find("must be a count"),
            std::string::npos);
  EXPECT_NE(error_of(replace("NumChannels 2", "NumChannels -2")).find("must be a count"),
            std::string::npos);
  // Huge counts were allocated before the body was read (tests/fuzz/regressions/est_track_fuzz).
  EXPECT_NE(error_of(replace("NumChannels 2", "NumChannels 1099511627776"))
                .find("NumChannels must be a count from 0 to 65536"),
            std::string::npos);
  EXPECT_NE(error_of(replace("NumFrames 3", "NumFrames 1099511627776")).find("truncated file?"),
            std::string::npos);
  EXPECT_NE(
      error_of(replace("ByteOrder 01", "ByteOrder 0123")).find("unknown EST ByteOrder '0123'"),
      std::string::npos);
  EXPECT_NE(error_of(ok.substr(0, ok.find("EST_Header_End"))).find("no 'EST_Header_End'"),
            std::string::npos);
  // Truncated body and wrong counts.
  const std::string truncated = error_of(ok.substr(0, ok.size() - 5));
  EXPECT_NE(truncated.find("truncated file?"), std::string::npos) << truncated;
  EXPECT_NE(truncated.find("bad.ema"), std::string::npos);
  EXPECT_NE(error_of(replace("NumFrames 3", "NumFrames 2")).find("wrong NumFrames or NumChannels"),
            std::string::npos);
  EXPECT_NE(error_of(replace("NumChannels 2", "NumChannels 3")).find("truncated"),
            std::string::npos);
  // ASCII bodies: a short line, a word, too few and too many frames, with line numbers.
  const std::string asc = format_est_track(sample_track(3, 2, 100.0), EstEncoding::Ascii);
  const size_t body = asc.find("EST_Header_End\n") + 15;
  const std::string short_line = asc.substr(0, body) + "0\t1\t2.5\n" + asc.substr(body);
  EXPECT_NE(
      error_of(short_line).find("bad.ema:10: expected 4 numbers (time, valid, 2 channels), got 3"),
      std::string::npos)
      << error_of(short_line);
  const std::string word = asc.substr(0, body) + "0\t1\t2.5 abc\n";
  EXPECT_NE(error_of(word).find("'abc' is not a number"), std::string::npos);
  EXPECT_NE(error_of(asc.substr(0, body) + "0\t1\t2 3\n")
                .find("has 1 frames, the header says NumFrames 3 (truncated"),
            std::string::npos);
  EXPECT_NE(error_of(asc + "0.9\t1\t2 3\n").find("more frames than NumFrames 3"),
            std::string::npos);
}

TEST(EstTrack, HeaderKeysInAnyOrderAndHostOrderWithoutByteOrder) {
  EstTrack t = sample_track(2, 1, 100.0);
  std::string s = format_est_track(t, EstEncoding::BinaryLittleEndian);
  // Move NumFrames last, drop ByteOrder (host order = little-endian here), add unknown keys.
  s.erase(s.find("ByteOrder 01\n"), 13);
  s.erase(s.find("NumFrames 2\n"), 12);
  s.insert(s.find("EST_Header_End"), "name foo\nfile_type 14\n\nNumFrames 2\n");
  expect_same(t, parse_est_track(s, "moved.ema"), 1e-7);
}

// A CR-LF header with a stray CR: the name reads without it, and what is written reads back
// the same (fuzz.est_track_fuzz found "x\r" written, then read as "x").
TEST(EstTrack, ChannelNamesAreTrimmedOfEveryKindOfSpace) {
  EstTrack t = sample_track(2, 2, 100.0);
  std::string s = format_est_track(t, EstEncoding::BinaryLittleEndian);
  s.replace(s.find("Channel_0 ch0_py\n"), 17, "Channel_0 \f ch0_py \v\r\r\n");
  const EstTrack back = parse_est_track(s, "cr.ema");
  EXPECT_EQ(back.channel_names, t.channel_names);
  expect_same(t, back, 1e-7);
  EXPECT_EQ(format_est_track(back, EstEncoding::BinaryLittleEndian),
            format_est_track(t, EstEncoding::BinaryLittleEndian));
}

TEST(TrackProcessing, FillsShortGapsAndRefusesLongOnes) {
  EstTrack t;
  t.channel_names = {"a", "b"};
  for (int f = 0; f < 10; ++f) {
    t.times.push_back(f * 0.01);
    t.valid.push_back(1);
    t.values.push_back(static_cast<float>(f));
    t.values.push_back(static_cast<float>(2 * f));
  }
  t.valid[4] = 0;                                                 // a break: both channels
  t.values[6 * 2 + 1] = std::numeric_limits<float>::quiet_NaN();  // one sample of b
  t.values[7 * 2 + 1] = std::numeric_limits<float>::quiet_NaN();
  t.values[0 * 2 + 0] = std::numeric_limits<float>::quiet_NaN();  // at the start: nearest
  EstTrack u = t;
  const GapReport r = fill_gaps(u, 2);
  EXPECT_TRUE(r.too_long.empty()) << r.too_long;
  EXPECT_EQ(r.filled, 1 + 1 + 1 + 2);
  EXPECT_EQ(r.longest, 2);
  EXPECT_FLOAT_EQ(u.values[4 * 2 + 0], 4.0f);
  EXPECT_FLOAT_EQ(u.values[4 * 2 + 1], 8.0f);
  EXPECT_FLOAT_EQ(u.values[6 * 2 + 1], 12.0f);
  EXPECT_FLOAT_EQ(u.values[7 * 2 + 1], 14.0f);
  EXPECT_FLOAT_EQ(u.values[0], 1.0f);
  for (uint8_t v : u.valid) EXPECT_EQ(v, 1);

  EstTrack w = t;
  const GapReport r2 = fill_gaps(w, 1);
  EXPECT_NE(r2.too_long.find("a gap of 2 frames in channel b at 0.060 s"), std::string::npos)
      << r2.too_long;
  EXPECT_TRUE(std::isnan(w.values[0])) << "left as it was";
}

TEST(TrackProcessing, SelectsAndRenamesChannelsOrSuggests) {
  const EstTrack t = sample_track(6, 4, 100.0);
  const EstTrack s = select_channels(t, {{"ch2_py", "T1_x"}, {"ch0_py", "T1_y"}}, "f.ema");
  ASSERT_EQ(s.channel_names, (std::vector<std::string>{"T1_x", "T1_y"}));
  for (int f = 0; f < 6; ++f) {
    EXPECT_EQ(s.values[static_cast<size_t>(f * 2)], t.values[static_cast<size_t>(f * 4 + 2)]);
    EXPECT_EQ(s.values[static_cast<size_t>(f * 2 + 1)], t.values[static_cast<size_t>(f * 4)]);
  }
  EXPECT_EQ(s.valid, t.valid);
  try {
    select_channels(t, {{"ch2_pz", "T1_y"}}, "f.ema");
    FAIL() << "no error";
  } catch (const DataError& e) {
    EXPECT_NE(
        std::string(e.what()).find("f.ema: no channel 'ch2_pz' (for T1_y); did you mean 'ch2_py'?"),
        std::string::npos)
        << e.what();
  }
}

// Amplitude of a sine at `hz` after the filter, measured in the middle of the signal.
double passed_amplitude(double hz, double rate, double cutoff, int64_t* peak_shift) {
  const int64_t n = 2000;
  std::vector<float> x(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    x[static_cast<size_t>(i)] = static_cast<float>(std::sin(2 * M_PI * hz * i / rate));
  std::vector<float> y = x;
  lowpass_zero_phase(y, 1, rate, cutoff);
  double num = 0, den = 0;
  for (int64_t i = n / 4; i < 3 * n / 4; ++i) {
    num += static_cast<double>(y[static_cast<size_t>(i)]) * x[static_cast<size_t>(i)];
    den += static_cast<double>(x[static_cast<size_t>(i)]) * x[static_cast<size_t>(i)];
  }
  // Zero phase: y is the input scaled, so the best lag of the cross-correlation is 0.
  double best = -1e300;
  for (int64_t lag = -5; lag <= 5; ++lag) {
    double c = 0;
    for (int64_t i = n / 4; i < 3 * n / 4; ++i) {
      c += static_cast<double>(y[static_cast<size_t>(i + lag)]) * x[static_cast<size_t>(i)];
    }
    if (c > best) {
      best = c;
      *peak_shift = lag;
    }
  }
  return num / den;
}

TEST(TrackProcessing, LowPassIsZeroPhaseButterworthSquared) {
  // Forward-backward 4th-order Butterworth: |H|^2 = 1 / (1 + (f/fc)^8) after both passes,
  // with the bilinear transform's prewarping: f -> tan(pi f / rate) / tan(pi fc / rate).
  const double rate = 200, cutoff = 20;
  for (double hz : {2.0, 10.0, 20.0, 30.0, 45.0}) {
    SCOPED_TRACE(hz);
    int64_t shift = 99;
    const double gain = passed_amplitude(hz, rate, cutoff, &shift);
    const double ratio = std::tan(M_PI * hz / rate) / std::tan(M_PI * cutoff / rate);
    EXPECT_NEAR(gain, 1.0 / (1.0 + std::pow(ratio, 8)), 2e-3);
    if (hz <= 20) {
      EXPECT_EQ(shift, 0);
    }
  }
  // A constant and a ramp pass unchanged, edges included (odd reflection, steady-state start).
  std::vector<float> ramp(300);
  for (size_t i = 0; i < ramp.size(); ++i) ramp[i] = 5.0f + 0.01f * static_cast<float>(i);
  std::vector<float> y = ramp;
  lowpass_zero_phase(y, 1, rate, cutoff);
  for (size_t i = 0; i < ramp.size(); ++i) EXPECT_NEAR(y[i], ramp[i], 1e-4) << i;
}

TEST(TrackProcessing, ResamplesOntoFrameTimes) {
  // 200 Hz samples of a line; 100 Hz output at k / 100 s up to the last time.
  std::vector<double> times;
  std::vector<float> v;
  for (int i = 0; i < 41; ++i) {
    times.push_back(0.0025 + i * 0.005);  // starts after 0: the first frame takes the first value
    v.push_back(static_cast<float>(3.0 * times.back()));
    v.push_back(static_cast<float>(-times.back()));
  }
  int64_t frames = 0;
  const std::vector<float> out = resample_track(v, 2, times, 100.0, &frames);
  ASSERT_EQ(frames, 21);  // 0 .. floor(0.2025 * 100)
  EXPECT_NEAR(out[0], 3.0 * 0.0025, 1e-6);
  for (int k = 1; k < frames; ++k) {
    EXPECT_NEAR(out[static_cast<size_t>(2 * k)], 3.0 * k / 100.0, 1e-5) << k;
    EXPECT_NEAR(out[static_cast<size_t>(2 * k + 1)], -k / 100.0, 1e-5) << k;
  }
}

}  // namespace
}  // namespace artic
