// Windowed inference's windows and taper: every frame covered, the last window ends at the
// utterance's end, the raw taper of evenly spaced windows already sums to 1 at every frame (a
// constant-weight overlap-add), and the normalized weights always do.
#include "train/windowing.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace artic {
namespace {

std::vector<double> coverage(const std::vector<Window>& windows,
                             const std::vector<std::vector<double>>& weights, int64_t length) {
  std::vector<double> sum(static_cast<size_t>(length), 0.0);
  for (size_t w = 0; w < windows.size(); ++w) {
    for (int64_t k = 0; k < windows[w].length; ++k) {
      sum[static_cast<size_t>(windows[w].start + k)] += weights[w][static_cast<size_t>(k)];
    }
  }
  return sum;
}

TEST(Windowing, WindowsCoverTheUtteranceAndEndAtItsEnd) {
  EXPECT_EQ(windows_of(80, 100, 20).size(), 1u);
  EXPECT_EQ(windows_of(80, 100, 20)[0].length, 80);
  const auto w = windows_of(1000, 100, 20);
  ASSERT_EQ(w.size(), 13u);
  for (size_t i = 0; i + 1 < w.size(); ++i) EXPECT_EQ(w[i].start, static_cast<int64_t>(i) * 80);
  EXPECT_EQ(w.back().start + w.back().length, 1000);
  EXPECT_THROW(windows_of(100, 10, 10), std::invalid_argument);
  EXPECT_THROW(windows_of(100, 0, 0), std::invalid_argument);
}

TEST(Windowing, TaperIsConstantWeight) {
  // 100-frame windows, overlap 20: 20 + 4 x 80 = 340 frames exactly, evenly spaced.
  const auto even = windows_of(340, 100, 20);
  ASSERT_EQ(even.size(), 4u);
  for (double s : coverage(even, taper_weights(even, 20), 340)) EXPECT_NEAR(s, 1.0, 1e-12);
  // Any length (the last window overlaps more): the normalized weights sum to 1.
  for (int64_t length : {101, 333, 999, 2500}) {
    for (int64_t overlap : {0, 1, 25, 99}) {
      const auto w = windows_of(length, 100, overlap);
      for (double s : coverage(w, overlap_weights(w, length, overlap), length)) {
        EXPECT_NEAR(s, 1.0, 1e-12) << length << " " << overlap;
      }
    }
  }
  // Weights ramp up into a window and down out of it; its outer edges keep full weight.
  const auto t = taper_weights(even, 20);
  EXPECT_EQ(t[0][0], 1.0);
  EXPECT_NEAR(t[1][0], 1.0 / 21.0, 1e-15);
  EXPECT_NEAR(t[0][99], 1.0 / 21.0, 1e-15);
  EXPECT_EQ(t[3][99], 1.0);
}

}  // namespace
}  // namespace artic
