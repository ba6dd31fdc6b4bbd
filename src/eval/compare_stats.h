// `artic compare` over variants with seeds (docs/experiments.md): each variant's test metrics as
// mean ± sd over its seeds, and each variant against the first: the difference of the metric
// with a paired bootstrap interval over test utterances (seeds averaged per utterance) and the
// Wilcoxon signed-rank p over per-utterance differences; "better" or "worse" only when the
// interval excludes zero. Needs eval.json files with per-utterance records of the same utterances.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace artic {

// One variant: runs that differ only in run.seed.
struct VariantRuns {
  std::string name;
  std::vector<std::string> run_dirs;
};

struct VariantStatsOptions {
  int resamples = 10000;
  uint64_t seed = 1;  // the bootstrap's
  double level = 0.95;
  bool json = false;  // JSON instead of Markdown
};

// Throws UserError naming the run and file for a missing or old eval.json, or test splits that
// differ between runs.
std::string compare_variants(const std::vector<VariantRuns>& variants,
                             const VariantStatsOptions& options);

}  // namespace artic
