#include "data/normalizer.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "core/rng.h"

namespace artic {
namespace {

Corpus random_corpus(int utts, uint64_t seed) {
  Corpus c;
  c.meta.feature_names = {"f0", "f1", "flat"};
  c.meta.articulator_names = {"T1_x", "T1_y"};
  Rng rng(seed);
  int64_t offset = 0;
  for (int u = 0; u < utts; ++u) {
    const int64_t len = 5 + static_cast<int64_t>(rng.below(50));
    c.utterances.push_back(
        {"u" + std::to_string(u), "s", u % 4 == 3 ? "valid" : "train", offset, len});
    for (int64_t t = 0; t < len; ++t) {
      c.features.push_back(static_cast<float>(3.0 + 2.0 * rng.uniform()));
      c.features.push_back(static_cast<float>(-100.0 + 0.01 * rng.uniform()));
      c.features.push_back(7.25f);
      c.targets.push_back(static_cast<float>(40.0 + 10.0 * rng.uniform()));
      c.targets.push_back(static_cast<float>(-5.0 * rng.uniform()));
    }
    offset += len;
  }
  return c;
}

std::vector<size_t> train_indices(const Corpus& c) {
  std::vector<size_t> out;
  for (size_t i = 0; i < c.utterances.size(); ++i) {
    if (c.utterances[i].split == "train") out.push_back(i);
  }
  return out;
}

// Two-pass fp64 mean and population std of one channel over the given utterances.
std::pair<double, double> two_pass(const Corpus& c, const std::vector<size_t>& idx, bool features,
                                   int ch) {
  const int64_t width = features ? c.num_features() : c.num_articulators();
  double sum = 0, n = 0;
  for (size_t i : idx) {
    const float* x = features ? c.features_of(i) : c.targets_of(i);
    for (int64_t t = 0; t < c.utterances[i].length; ++t) sum += x[t * width + ch], n += 1;
  }
  const double mean = sum / n;
  double ss = 0;
  for (size_t i : idx) {
    const float* x = features ? c.features_of(i) : c.targets_of(i);
    for (int64_t t = 0; t < c.utterances[i].length; ++t) {
      ss += (x[t * width + ch] - mean) * (x[t * width + ch] - mean);
    }
  }
  return {mean, std::sqrt(ss / n)};
}

TEST(Normalizer, MatchesTwoPassFp64OverTrainFramesOnly) {
  const Corpus c = random_corpus(40, 3);
  const auto idx = train_indices(c);
  testing::internal::CaptureStderr();
  const Normalizer n = finalize_normalizer(accumulate_sums(c, idx), c.meta);
  testing::internal::GetCapturedStderr();
  for (int ch = 0; ch < 2; ++ch) {
    const auto [m, s] = two_pass(c, idx, true, ch);
    EXPECT_NEAR(n.feature_mean[ch], m, 1e-12 * std::max(1.0, std::abs(m)));
    EXPECT_NEAR(n.feature_std[ch], s, 1e-7 * s);
  }
  for (int ch = 0; ch < 2; ++ch) {
    const auto [m, s] = two_pass(c, idx, false, ch);
    EXPECT_NEAR(n.target_mean[ch], m, 1e-12 * std::max(1.0, std::abs(m)));
    EXPECT_NEAR(n.target_std[ch], s, 1e-9 * s);
  }
  // A statistic over all utterances (valid included) would differ.
  std::vector<size_t> all(c.utterances.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  EXPECT_NE(two_pass(c, all, false, 0).first, n.target_mean[0]);
}

TEST(Normalizer, ZeroVarianceChannelGetsStdOneAndOneWarning) {
  const Corpus c = random_corpus(10, 4);
  testing::internal::CaptureStderr();
  const Normalizer n = finalize_normalizer(accumulate_sums(c, train_indices(c)), c.meta);
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(n.feature_std[2], 1.0);
  EXPECT_DOUBLE_EQ(n.feature_mean[2], 7.25);
  EXPECT_NE(err.find("zero variance in the train split for channel(s) flat;"), std::string::npos)
      << err;
  EXPECT_EQ(err.find("warning"), err.rfind("warning")) << "warned more than once: " << err;
  std::vector<float> frame = {4.0f, -99.995f, 7.25f};
  n.normalize_features(frame.data(), 1);
  for (float v : frame) EXPECT_TRUE(std::isfinite(v));
  EXPECT_EQ(frame[2], 0.0f);
}

TEST(Normalizer, SumsOfShardsEqualSumsOfWhole) {
  const Corpus c = random_corpus(30, 5);
  const auto idx = train_indices(c);
  std::vector<size_t> even, odd;
  for (size_t k = 0; k < idx.size(); ++k) (k % 2 ? odd : even).push_back(idx[k]);
  const auto a = accumulate_sums(c, even).to_flat(), b = accumulate_sums(c, odd).to_flat();
  std::vector<double> added(a.size());
  for (size_t i = 0; i < a.size(); ++i) added[i] = a[i] + b[i];
  const auto whole = accumulate_sums(c, idx).to_flat();
  ASSERT_EQ(added.size(), whole.size());
  for (size_t i = 0; i < whole.size(); ++i)
    EXPECT_NEAR(added[i], whole[i], 1e-9 * std::abs(whole[i]));
  const auto back = NormalizerSums::from_flat(whole, 3, 2).to_flat();
  EXPECT_EQ(back, whole);
}

TEST(Normalizer, DenormalizeInvertsNormalize) {
  const Corpus c = random_corpus(10, 6);
  testing::internal::CaptureStderr();
  const Normalizer n = finalize_normalizer(accumulate_sums(c, train_indices(c)), c.meta);
  testing::internal::GetCapturedStderr();
  std::vector<float> y(c.targets.begin(), c.targets.begin() + 20);
  n.normalize_targets(y.data(), 10);
  n.denormalize_targets(y.data(), 10);
  for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], c.targets[i], 1e-4);
}

TEST(Normalizer, EmptyTrainSplitIsAClearError) {
  const Corpus c = random_corpus(3, 7);
  EXPECT_THROW(finalize_normalizer(accumulate_sums(c, {}), c.meta), DataError);
}

}  // namespace
}  // namespace artic
