// The statistics behind `artic compare` (docs/experiments.md): mean and spread over seeds, a
// percentile bootstrap interval, Welch's t-test over two groups (the seeds' metrics), Holm's
// adjustment of a family of p-values, and the Wilcoxon signed-rank test as scipy.stats computes
// them (tests/python/statistics_oracle.py checks them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace artic {

struct MeanSd {
  double mean = 0;
  double sd = 0;  // sample standard deviation (n - 1); NaN for fewer than 2 values
  int64_t n = 0;
};
MeanSd mean_sd(const std::vector<double>& values);

struct SignedRankTest {
  double statistic = 0;  // the smaller of the positive and negative rank sums
  double p_value = 1;    // two-sided; NaN when every difference is zero or there are none
  bool exact = false;    // the exact null distribution, else the normal approximation
  int64_t n = 0;         // non-zero differences
};
// Zero differences are dropped. Exact for up to 50 differences without ties or zeros (as scipy's
// method "auto", which also keeps zeros out of the exact case); otherwise the normal
// approximation with the tie correction and no continuity correction (scipy's defaults).
SignedRankTest wilcoxon_signed_rank(const std::vector<double>& differences);

struct WelchTest {
  double t = 0;    // (mean(b) - mean(a)) / its standard error
  double df = 0;   // Welch-Satterthwaite degrees of freedom
  double p_value;  // two-sided; NaN with fewer than 2 values in a group or no spread at all
};
// scipy.stats.ttest_ind(b, a, equal_var=False).
WelchTest welch_t_test(const std::vector<double>& a, const std::vector<double>& b);

// Holm's step-down adjustment (statsmodels' multipletests(method="holm")): the family-wise error
// of rejecting where the adjusted p < alpha is at most alpha. NaN entries are not in the family
// and stay NaN.
std::vector<double> holm_adjust(const std::vector<double>& p_values);

struct Interval {
  double estimate = 0;  // the statistic on the sample itself
  double lo = 0, hi = 0;
};
// Percentile bootstrap: `statistic` of `resamples` draws of n indices with replacement (seeded,
// the same draws for the same seed); lo and hi are the (1 - level) / 2 and (1 + level) / 2
// quantiles, linearly interpolated (numpy.percentile's default).
Interval bootstrap_interval(size_t n,
                            const std::function<double(const std::vector<size_t>&)>& statistic,
                            int resamples, uint64_t seed, double level = 0.95);

// numpy.percentile(values, q) with linear interpolation; q in [0, 100]; values need not be sorted.
double percentile(std::vector<double> values, double q);

}  // namespace artic
