// Side-by-side comparison of finished runs (RUN/summary.json and RUN/eval.json) as Markdown:
// a setup table and a results table, each later run's change against the first in % and
// whether it is better or worse for that metric.
#pragma once

#include <string>
#include <vector>

namespace artic {

struct CompareOptions {
  bool per_articulator = false;  // add RMSE and r rows for every articulator channel
};

// Throws UserError naming the run and file when a run is unfinished or its files are malformed.
std::string compare_runs(const std::vector<std::string>& run_dirs, const CompareOptions& options);

// "+1.6%" style relative change of b against a; "n/a" when a is 0 or either is not finite.
std::string relative_change(double a, double b);

}  // namespace artic
