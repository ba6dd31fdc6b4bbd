#include "eval/statistics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include <boost/math/distributions/students_t.hpp>

#include "core/rng.h"

namespace artic {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Average ranks (1-based) of |d|, ties sharing their mean rank; `tie_sizes` gets each tie group's
// size.
std::vector<double> average_ranks(const std::vector<double>& magnitudes,
                                  std::vector<double>* tie_sizes) {
  std::vector<size_t> order(magnitudes.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return magnitudes[a] < magnitudes[b]; });
  std::vector<double> ranks(magnitudes.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && magnitudes[order[j + 1]] == magnitudes[order[i]]) ++j;
    const double rank = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;
    for (size_t k = i; k <= j; ++k) ranks[order[k]] = rank;
    if (j > i) tie_sizes->push_back(static_cast<double>(j - i + 1));
    i = j + 1;
  }
  return ranks;
}

// P(W+ = w) for w = 0..n(n+1)/2 under the null: subsets of {1..n} by their sum, over 2^n.
std::vector<double> signed_rank_distribution(int64_t n) {
  const auto top = static_cast<size_t>(n * (n + 1) / 2);
  std::vector<double> counts(top + 1, 0.0);
  counts[0] = 1.0;
  for (int64_t k = 1; k <= n; ++k) {
    for (size_t w = top; w >= static_cast<size_t>(k); --w)
      counts[w] += counts[w - static_cast<size_t>(k)];
  }
  const double total = std::ldexp(1.0, static_cast<int>(n));
  for (double& c : counts) c /= total;
  return counts;
}

}  // namespace

MeanSd mean_sd(const std::vector<double>& values) {
  MeanSd out;
  out.n = static_cast<int64_t>(values.size());
  if (values.empty()) return {kNaN, kNaN, 0};
  out.mean =
      std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
  if (values.size() < 2) {
    out.sd = kNaN;
    return out;
  }
  double ss = 0;
  for (double v : values) ss += (v - out.mean) * (v - out.mean);
  out.sd = std::sqrt(ss / static_cast<double>(values.size() - 1));
  return out;
}

SignedRankTest wilcoxon_signed_rank(const std::vector<double>& differences) {
  std::vector<double> d;
  for (double v : differences) {
    if (!std::isfinite(v))
      throw std::invalid_argument("wilcoxon_signed_rank: a difference is not finite");
    if (v != 0.0) d.push_back(v);
  }
  SignedRankTest out;
  out.n = static_cast<int64_t>(d.size());
  if (d.empty()) {
    out.statistic = kNaN;
    out.p_value = kNaN;
    return out;
  }
  std::vector<double> magnitudes(d.size()), ties;
  for (size_t i = 0; i < d.size(); ++i) magnitudes[i] = std::fabs(d[i]);
  const std::vector<double> ranks = average_ranks(magnitudes, &ties);
  double plus = 0, minus = 0;
  for (size_t i = 0; i < d.size(); ++i) (d[i] > 0 ? plus : minus) += ranks[i];
  out.statistic = std::min(plus, minus);
  const bool zeros = d.size() != differences.size();
  const double n = static_cast<double>(d.size());
  if (d.size() <= 50 && ties.empty() && !zeros) {
    out.exact = true;
    const std::vector<double> pmf = signed_rank_distribution(out.n);
    const auto w = static_cast<size_t>(std::llround(plus));
    if (w == (pmf.size() - 1) / 2) {
      out.p_value = 1.0;
    } else {
      double below = 0, above = 0;
      for (size_t k = 0; k < pmf.size(); ++k) (k <= w ? below : above) += pmf[k];
      above += pmf[w];
      out.p_value = std::min(1.0, 2.0 * std::min(below, above));
    }
    return out;
  }
  const double mean = n * (n + 1.0) / 4.0;
  double variance = n * (n + 1.0) * (2.0 * n + 1.0);
  for (double t : ties) variance -= 0.5 * t * (t * t - 1.0);
  const double z = (out.statistic - mean) / std::sqrt(variance / 24.0);
  out.p_value = std::erfc(std::fabs(z) / std::sqrt(2.0));
  return out;
}

double percentile(std::vector<double> values, double q) {
  if (values.empty()) return kNaN;
  std::sort(values.begin(), values.end());
  const double position = q / 100.0 * static_cast<double>(values.size() - 1);
  const auto below = static_cast<size_t>(std::floor(position));
  const size_t above = std::min(below + 1, values.size() - 1);
  const double fraction = position - static_cast<double>(below);
  return values[below] + fraction * (values[above] - values[below]);
}

Interval bootstrap_interval(size_t n,
                            const std::function<double(const std::vector<size_t>&)>& statistic,
                            int resamples, uint64_t seed, double level) {
  if (n == 0 || resamples < 1 || !(level > 0 && level < 1)) {
    throw std::invalid_argument("bootstrap_interval: needs items, resamples and a level in (0, 1)");
  }
  std::vector<size_t> indices(n);
  std::iota(indices.begin(), indices.end(), size_t{0});
  Interval out;
  out.estimate = statistic(indices);
  XoshiroRng rng = XoshiroRng::keyed({seed, n});
  std::vector<double> values(static_cast<size_t>(resamples));
  for (double& v : values) {
    for (size_t& i : indices) i = static_cast<size_t>(rng.below(n));
    v = statistic(indices);
  }
  out.lo = percentile(values, 50.0 * (1.0 - level));
  out.hi = percentile(values, 50.0 * (1.0 + level));
  return out;
}

WelchTest welch_t_test(const std::vector<double>& a, const std::vector<double>& b) {
  WelchTest w;
  w.p_value = kNaN;
  const MeanSd x = mean_sd(a), y = mean_sd(b);
  if (x.n < 2 || y.n < 2) return w;
  const double va = x.sd * x.sd / static_cast<double>(x.n);
  const double vb = y.sd * y.sd / static_cast<double>(y.n);
  if (!(va + vb > 0)) return w;
  w.t = (y.mean - x.mean) / std::sqrt(va + vb);
  w.df = (va + vb) * (va + vb) /
         (va * va / static_cast<double>(x.n - 1) + vb * vb / static_cast<double>(y.n - 1));
  const boost::math::students_t dist(w.df);
  w.p_value = 2.0 * boost::math::cdf(boost::math::complement(dist, std::abs(w.t)));
  return w;
}

std::vector<double> holm_adjust(const std::vector<double>& p_values) {
  std::vector<size_t> order;
  for (size_t i = 0; i < p_values.size(); ++i) {
    if (std::isfinite(p_values[i])) order.push_back(i);
  }
  std::sort(order.begin(), order.end(),
            [&](size_t i, size_t j) { return p_values[i] < p_values[j]; });
  std::vector<double> adjusted(p_values.size(), kNaN);
  double running = 0;
  for (size_t k = 0; k < order.size(); ++k) {
    const double m = static_cast<double>(order.size() - k);
    running = std::max(running, std::min(1.0, m * p_values[order[k]]));
    adjusted[order[k]] = running;
  }
  return adjusted;
}

}  // namespace artic
