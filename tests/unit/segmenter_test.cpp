#include "data/segmenter.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/rng.h"

namespace artic {
namespace {

SegmenterOptions fixed(int64_t len, int64_t overlap, int64_t min_length) {
  SegmenterOptions o;
  o.mode = SplitMode::Fixed;
  o.sequence_length = len;
  o.sequence_overlap = overlap;
  o.min_length = min_length;
  return o;
}

std::vector<std::pair<int64_t, int64_t>> ranges(const std::vector<Segment>& segs) {
  std::vector<std::pair<int64_t, int64_t>> out;
  for (const auto& s : segs) out.emplace_back(s.start, s.start + s.length);
  return out;
}

TEST(Segmenter, FullKeepsWholeUtterance) {
  SegmenterOptions o;
  const auto segs = segment_utterance(3, 2500, {}, o);
  ASSERT_EQ(segs.size(), 1u);
  EXPECT_EQ(segs[0].utterance, 3);
  EXPECT_EQ(segs[0].start, 0);
  EXPECT_EQ(segs[0].length, 2500);
}

TEST(Segmenter, FixedWithOverlapGivesExpectedRanges) {
  using R = std::vector<std::pair<int64_t, int64_t>>;
  EXPECT_EQ(ranges(segment_utterance(0, 500, {}, fixed(200, 50, 10))),
            (R{{0, 200}, {150, 350}, {300, 500}}));
  EXPECT_EQ(ranges(segment_utterance(0, 520, {}, fixed(200, 50, 10))),
            (R{{0, 200}, {150, 350}, {300, 500}, {450, 520}}));
  // A last piece shorter than min_length is dropped.
  EXPECT_EQ(ranges(segment_utterance(0, 505, {}, fixed(100, 0, 10))),
            (R{{0, 100}, {100, 200}, {200, 300}, {300, 400}, {400, 500}}));
  EXPECT_EQ(ranges(segment_utterance(0, 512, {}, fixed(100, 0, 10))),
            (R{{0, 100}, {100, 200}, {200, 300}, {300, 400}, {400, 500}, {500, 512}}));
  // Shorter than one segment: kept whole if long enough, else dropped.
  EXPECT_EQ(ranges(segment_utterance(0, 60, {}, fixed(100, 0, 10))), (R{{0, 60}}));
  EXPECT_TRUE(segment_utterance(0, 5, {}, fixed(100, 0, 10)).empty());
}

// Speech at 60-70 dB with stop closures (6 frames at 30 dB) and pauses of 15-60 frames at 20 dB;
// a recording's level must not matter (the same utterance 40 dB louder cuts the same).
TEST(Segmenter, SilenceCutsInTheMiddleOfRealPausesOnly) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    Rng rng(seed);
    const int64_t length = 300 + static_cast<int64_t>(rng.below(3000));
    std::vector<float> energy(length);
    std::vector<std::pair<int64_t, int64_t>> real;  // [start, end) of the pauses made
    for (int64_t t = 0; t < length;) {
      const int64_t speech = 40 + static_cast<int64_t>(rng.below(200));
      for (int64_t k = 0; k < speech && t < length; ++k, ++t) {
        energy[t] = static_cast<float>(60 + 10 * rng.uniform());
        if (k % 37 == 20 && k + 16 < speech) {
          for (int64_t c = 0; c < 6 && t < length; ++c, ++t, ++k) energy[t] = 30;  // a closure
        }
      }
      const int64_t pause = 15 + static_cast<int64_t>(rng.below(46));
      if (t < length) real.emplace_back(t, std::min(length, t + pause));
      for (int64_t k = 0; k < pause && t < length; ++k, ++t) {
        energy[t] = static_cast<float>(20 + rng.uniform());
      }
    }
    SegmenterOptions o;
    o.mode = SplitMode::Silence;
    o.sequence_length = 200;
    o.min_length = 10;
    const auto segs = segment_utterance(0, length, energy, o);
    ASSERT_FALSE(segs.empty());
    EXPECT_EQ(segs.front().start, 0);
    EXPECT_EQ(segs.back().start + segs.back().length, length);
    for (size_t i = 1; i < segs.size(); ++i) {
      EXPECT_EQ(segs[i].start, segs[i - 1].start + segs[i - 1].length);
      EXPECT_GE(segs[i - 1].length, o.sequence_length);
      const int64_t cut = segs[i].start;
      bool in_pause = false;
      for (const auto& [start, end] : real) {
        in_pause = in_pause || (cut > start && cut < end && std::abs(2 * cut - start - end) <= 1);
      }
      EXPECT_TRUE(in_pause) << "seed " << seed << ": a cut at " << cut
                            << " is not the middle of a pause";
    }
    // Every pause that ends sequence_length past the last cut, with enough left after it, is cut.
    int64_t last = 0;
    for (const auto& [start, end] : real) {
      const int64_t middle = (start + end) / 2;
      if (middle - last >= o.sequence_length && length - middle >= o.min_length) last = middle;
    }
    EXPECT_EQ(segs.back().start, last) << "seed " << seed;
    std::vector<float> louder = energy;
    for (float& e : louder) e += 40;
    EXPECT_EQ(segment_utterance(0, length, louder, o).size(), segs.size());
  }
}

TEST(Segmenter, SilenceWithoutPausesKeepsUtteranceWhole) {
  std::vector<float> energy(1000, 65.0f);
  SegmenterOptions o;
  o.mode = SplitMode::Silence;
  o.sequence_length = 100;
  const auto segs = segment_utterance(0, 1000, energy, o);
  ASSERT_EQ(segs.size(), 1u);
  EXPECT_EQ(segs[0].length, 1000);
}

TEST(Segmenter, FrameEnergyOfLogPowerFeatures) {
  // Two bands of natural-log power log(1) and log(3): total power 4 -> 10*log10(4) dB.
  const std::vector<float> feats = {0.0f, static_cast<float>(std::log(3.0)), -50.0f, -50.0f};
  const auto e = frame_energy_db(feats.data(), 2, 2);
  EXPECT_NEAR(e[0], 10 * std::log10(4.0), 1e-4);
  EXPECT_NEAR(e[1], 10 * std::log10(2 * std::exp(-50.0)), 1e-3);
}

}  // namespace
}  // namespace artic
