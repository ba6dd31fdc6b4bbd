// `artic compare` over variants with seeds (docs/experiments.md). Each metric (RMSE and MAE pooled
// over frames per channel, r averaged over utterances, then averaged over channels: eval.json's
// mean) is computed per run; a variant is the mean ± sd of its seeds' values. A comparison of two
// variants is one quantity per metric, the difference of those means, with
//  - its interval from a two-level bootstrap: the seeds resampled within each variant, then the
//    test utterances, paired across the two, so that it holds both training and test variance;
//  - the primary test, Welch's t-test over the two variants' seed values, Holm-adjusted over every
//    test the table holds. A verdict ("better"/"worse") needs >= 2 seeds on both sides and an
//    adjusted p below 1 - level.
// Needs eval.json files with per-utterance records of the same utterances.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "eval/statistics.h"

namespace artic {

// One variant: runs that differ only in run.seed.
struct VariantRuns {
  std::string name;
  std::vector<std::string> run_dirs;
};

struct VariantStatsOptions {
  int resamples = 10000;  // 0: no intervals (the tests and verdicts only)
  uint64_t seed = 1;      // the bootstrap's
  double level = 0.95;
  bool json = false;       // JSON instead of Markdown
  std::string baseline;    // the variant the others are compared with (default: the first)
  bool all_pairs = false;  // every pair of variants instead
};

// One run's test results per utterance and channel: mean squared error, mean absolute error and
// Pearson r (NaN where the run had none).
struct SeedResults {
  std::vector<std::vector<double>> sq, abs, r;
};

struct VariantResults {
  std::string name;
  std::vector<std::string> runs;
  std::vector<double> frames;  // per utterance, shared by every run of every variant
  std::vector<SeedResults> seeds;
};

inline constexpr int kCompareMetrics = 3;  // RMSE, r, MAE
// Metric m (0 RMSE, 1 r, 2 MAE) of seed `s` of `v` over the utterances `idx` (repeats count).
double seed_metric(const VariantResults& v, size_t s, int m, const std::vector<size_t>& idx);

struct Difference {
  double estimate = 0;    // mean over b's seeds - mean over a's seeds
  double lo = 0, hi = 0;  // two-level bootstrap interval (NaN without resamples)
  WelchTest test;         // the primary test
  double p_holm = 0;      // NaN when the test has no p (fewer than 2 seeds on a side)
  std::string verdict;
};

struct Comparison {
  size_t a = 0, b = 0;  // variant indices: b against a
  std::array<Difference, kCompareMetrics> metrics;
};

// The comparisons of `pairs`, Holm-adjusted together (the family is every finite p).
std::vector<Comparison> compare_pairs(const std::vector<VariantResults>& variants,
                                      const std::vector<std::pair<size_t, size_t>>& pairs,
                                      const VariantStatsOptions& options);

// Throws UserError naming the run and file for a missing or old eval.json, test splits that
// differ between runs, a run given twice, or an unknown baseline.
std::string compare_variants(const std::vector<VariantRuns>& variants,
                             const VariantStatsOptions& options);

}  // namespace artic
