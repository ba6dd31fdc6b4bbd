// Comparison statistics against scipy/numpy (tests/python/statistics_oracle.py) on fixed inputs:
// exact and approximate Wilcoxon p-values (ties, zeros, small and large n), the paired bootstrap
// interval, mean and sd; and the properties a comparison relies on.
#include "eval/statistics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/rng.h"
#include "test_util.h"

namespace artic {
namespace {

using Json = nlohmann::json;

std::vector<double> normal_values(uint64_t seed, size_t n, double mean, double sd) {
  XoshiroRng rng = XoshiroRng::keyed({seed});
  std::vector<double> v(n);
  for (double& x : v) x = mean + sd * rng.normal();
  return v;
}

Json wilcoxon_case(const std::vector<double>& d) {
  const SignedRankTest t = wilcoxon_signed_rank(d);
  return {{"d", d}, {"statistic", t.statistic}, {"p", t.p_value}, {"exact", t.exact}};
}

TEST(Statistics, AgreeWithScipyAndNumpy) {
  Json doc = {
      {"mean_sd", Json::array()}, {"wilcoxon", Json::array()}, {"bootstrap", Json::array()}};
  for (const auto& v : {normal_values(1, 5, 1.4, 0.05), normal_values(2, 40, -3, 2)}) {
    const MeanSd m = mean_sd(v);
    doc["mean_sd"].push_back({{"values", v}, {"mean", m.mean}, {"sd", m.sd}});
  }
  // Exact: no ties or zeros, n <= 50 (a clear shift, none, and the smallest n).
  doc["wilcoxon"].push_back(wilcoxon_case(normal_values(3, 20, 0.5, 1)));
  doc["wilcoxon"].push_back(wilcoxon_case(normal_values(4, 50, 0.0, 1)));
  doc["wilcoxon"].push_back(wilcoxon_case({0.3, -0.1, 0.2}));
  // Normal approximation: n > 50, and ties and zeros (rounded differences).
  doc["wilcoxon"].push_back(wilcoxon_case(normal_values(5, 120, 0.1, 1)));
  std::vector<double> tied = normal_values(6, 80, 0.2, 1);
  for (double& x : tied) x = std::round(x * 4) / 4;
  doc["wilcoxon"].push_back(wilcoxon_case(tied));
  for (const auto& c : doc["wilcoxon"]) {
    EXPECT_EQ(c["exact"].get<bool>(), c["d"].size() <= 50 && &c != &doc["wilcoxon"].back());
  }
  for (uint64_t seed : {7, 8}) {
    const std::vector<double> a = normal_values(seed, 47, 1.4, 0.3);
    std::vector<double> b = normal_values(seed + 100, 47, 0.0, 0.1);
    for (size_t i = 0; i < b.size(); ++i) b[i] += a[i] * (seed == 7 ? 1.05 : 1.0);
    const int resamples = 20000;
    const Interval ci = bootstrap_interval(
        a.size(),
        [&](const std::vector<size_t>& idx) {
          double s = 0;
          for (size_t i : idx) s += b[i] - a[i];
          return s / static_cast<double>(idx.size());
        },
        resamples, seed);
    EXPECT_LT(ci.lo, ci.estimate);
    EXPECT_GT(ci.hi, ci.estimate);
    doc["bootstrap"].push_back({{"a", a},
                                {"b", b},
                                {"resamples", resamples},
                                {"estimate", ci.estimate},
                                {"lo", ci.lo},
                                {"hi", ci.hi}});
  }
  doc["welch"] = Json::array();
  for (uint64_t seed : {9, 10}) {
    const std::vector<double> a = normal_values(seed, 3, 1.40, 0.02);
    const std::vector<double> b = normal_values(seed + 50, 5, 1.43, 0.05);
    const WelchTest w = welch_t_test(a, b);
    doc["welch"].push_back({{"a", a}, {"b", b}, {"t", w.t}, {"df", w.df}, {"p", w.p_value}});
  }
  const std::vector<double> family = {0.01, 0.04, std::nan(""), 0.03, 0.5, 0.002};
  Json adjusted = Json::array();
  for (double x : holm_adjust(family)) adjusted.push_back(std::isfinite(x) ? Json(x) : Json());
  Json p_json = Json::array();
  for (double x : family) p_json.push_back(std::isfinite(x) ? Json(x) : Json());
  doc["holm"] = Json::array({Json{{"p", p_json}, {"adjusted", adjusted}}});
  test::TempDir dir;
  std::ofstream(dir.file("statistics.json")) << doc.dump();
  test::run_oracle("statistics_oracle.py", dir.file("statistics.json"));
}

TEST(Statistics, WelchNeedsTwoValuesAndSomeSpreadPerGroup) {
  EXPECT_TRUE(std::isnan(welch_t_test({1.0}, {1.0, 2.0}).p_value));
  EXPECT_TRUE(std::isnan(welch_t_test({1.0, 1.0}, {2.0, 2.0}).p_value));
  EXPECT_NEAR(welch_t_test({1.0, 1.1, 0.9}, {1.0, 1.1, 0.9}).p_value, 1.0, 1e-12);
  const std::vector<double> adjusted = holm_adjust({0.01, std::nan(""), 0.5});
  EXPECT_DOUBLE_EQ(adjusted[0], 0.02);
  EXPECT_TRUE(std::isnan(adjusted[1]));
  EXPECT_DOUBLE_EQ(adjusted[2], 0.5);
}

TEST(Statistics, EdgeCases) {
  const SignedRankTest none = wilcoxon_signed_rank({0.0, 0.0});
  EXPECT_EQ(none.n, 0);
  EXPECT_TRUE(std::isnan(none.p_value)) << "a run compared with itself has no test, not p = 0";
  EXPECT_THROW(wilcoxon_signed_rank({1.0, NAN}), std::invalid_argument);
  // All of six differences positive: the exact two-sided p is 2 / 2^6.
  EXPECT_DOUBLE_EQ(wilcoxon_signed_rank({1, 2, 3, 4, 5, 6}).p_value, 2.0 / 64.0);
  EXPECT_TRUE(std::isnan(mean_sd({3.0}).sd));
  EXPECT_EQ(mean_sd({3.0}).mean, 3.0);
  EXPECT_DOUBLE_EQ(percentile({4, 1, 3, 2}, 50), 2.5);
  EXPECT_DOUBLE_EQ(percentile({4, 1, 3, 2}, 100), 4);
  // The same seed draws the same resamples.
  auto sum = [](const std::vector<size_t>& idx) {
    double s = 0;
    for (size_t i : idx) s += static_cast<double>(i * i);
    return s;
  };
  const Interval x = bootstrap_interval(30, sum, 500, 9), y = bootstrap_interval(30, sum, 500, 9);
  EXPECT_EQ(x.lo, y.lo);
  EXPECT_EQ(x.hi, y.hi);
  EXPECT_THROW(bootstrap_interval(0, sum, 10, 1), std::invalid_argument);
}

}  // namespace
}  // namespace artic
