#include <filesystem>
#include <iostream>
#include <memory>
#include <regex>

#include "cli/commands.h"
#include "core/error.h"
#include "eval/compare.h"
#include "eval/compare_stats.h"
#include "eval/run_records.h"
#include "train/config.h"

namespace artic::cli {
namespace {

namespace fs = std::filesystem;

struct CompareArgs {
  std::vector<std::string> runs;
  std::vector<std::string> variants;  // NAME=RUN,RUN,...
  CompareOptions table;
  VariantStatsOptions stats;
};

// What makes two runs the same variant: their configs with the run's name, place, seed and log
// cadence, the monitoring and the checkpoint cadence left out; and how they were evaluated
// (whole utterances or windows).
std::string variant_key(const std::string& run) {
  const std::string path = (fs::path(run) / "config.toml").string();
  if (!fs::exists(path)) throw UserError(run + " is not an artic run directory (no config.toml)");
  Config c = load_config(path);
  c.run = RunConfig{};
  c.monitor = MonitorConfig{};
  c.checkpoint = CheckpointConfig{};
  std::string key = config_to_toml(c);
  const std::string eval = (fs::path(run) / "eval.json").string();
  if (fs::exists(eval)) {
    const EvalRecord e = read_eval_record(eval);
    key += "\nwindow " + std::to_string(e.window) + " " + std::to_string(e.overlap);
  }
  return key;
}

// RUN/variant/seed-N is named by its variant, any other run by its directory.
std::string variant_name(const std::string& run) {
  fs::path p = fs::path(run).lexically_normal();
  if (p.filename().empty()) p = p.parent_path();
  if (std::regex_match(p.filename().string(), std::regex("seed-[0-9]+")) &&
      !p.parent_path().filename().empty()) {
    return p.parent_path().filename().string();
  }
  return p.filename().string();
}

std::vector<VariantRuns> group_runs(const std::vector<std::string>& runs) {
  std::vector<VariantRuns> variants;
  std::vector<std::string> keys;
  for (const auto& run : runs) {
    const std::string key = variant_key(run);
    size_t k = 0;
    while (k < keys.size() && keys[k] != key) ++k;
    if (k == keys.size()) {
      keys.push_back(key);
      variants.push_back({variant_name(run), {}});
    }
    variants[k].run_dirs.push_back(run);
  }
  return variants;
}

// --variant NAME=RUN,RUN,...: variants as given, whatever their configs (e.g. an A/A check: two
// groups of seeds of one config).
std::vector<VariantRuns> given_variants(const std::vector<std::string>& specs) {
  std::vector<VariantRuns> variants;
  for (const auto& spec : specs) {
    const size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
      throw UserError("--variant " + spec + ": expected NAME=RUN_DIR[,RUN_DIR...]");
    }
    VariantRuns v{spec.substr(0, eq), {}};
    std::string rest = spec.substr(eq + 1);
    for (size_t start = 0; start <= rest.size();) {
      const size_t comma = std::min(rest.find(',', start), rest.size());
      if (comma > start) v.run_dirs.push_back(rest.substr(start, comma - start));
      start = comma + 1;
    }
    variants.push_back(v);
  }
  return variants;
}

void run_compare(const CompareArgs& args) {
  if (!args.variants.empty()) {
    if (!args.runs.empty()) throw UserError("give runs either as arguments or with --variant");
    std::cout << compare_variants(given_variants(args.variants), args.stats);
    return;
  }
  if (args.runs.empty()) throw UserError("compare needs run directories (or --variant)");
  const std::vector<VariantRuns> variants = group_runs(args.runs);
  bool seeds = false;
  for (const auto& v : variants) seeds = seeds || v.run_dirs.size() > 1;
  if (seeds || args.stats.json) {
    std::cout << compare_variants(variants, args.stats);
    return;
  }
  std::cout << compare_runs(args.runs, args.table);
  try {
    const std::string stats = compare_variants(variants, args.stats);
    std::cout << "\n" << stats;
  } catch (const UserError& e) {
    std::cout << "\n(no intervals or p-values: " << e.what() << ")\n";
  }
}

}  // namespace

void print_comparison(const std::vector<std::string>& run_dirs) {
  CompareArgs args;
  args.runs = run_dirs;
  run_compare(args);
}

void add_compare_command(CLI::App& app) {
  auto args = std::make_shared<CompareArgs>();
  auto* cmd = app.add_subcommand(
      "compare",
      "Compare finished runs (Markdown): runs that differ only in run.seed form a variant (mean ± "
      "sd over seeds); each variant against a baseline (or every pair) with a two-level "
      "bootstrap interval and Welch's t-test over seeds, Holm-adjusted");
  cmd->add_option("runs", args->runs, "run directories (RUN_DIR with config.toml and eval.json)")
      ->expected(0, -1);
  cmd->add_option("--variant", args->variants,
                  "a variant as given: NAME=RUN_DIR,RUN_DIR,... (repeatable; instead of runs "
                  "grouped by their configs)");
  cmd->add_flag("--per-articulator", args->table.per_articulator,
                "add RMSE and r rows for every articulator channel (runs without seeds)");
  cmd->add_flag("--json", args->stats.json, "the statistics as JSON");
  cmd->add_option("--resamples", args->stats.resamples, "bootstrap resamples")
      ->check(CLI::Range(100, 1000000))
      ->capture_default_str();
  cmd->add_option("--level", args->stats.level, "confidence level of the intervals")
      ->check(CLI::Range(0.5, 0.999))
      ->capture_default_str();
  cmd->add_option("--baseline", args->stats.baseline,
                  "the variant every other is compared with (default: the first)");
  cmd->add_flag("--all-pairs", args->stats.all_pairs, "compare every pair of variants");
  cmd->callback([args] {
    if (args->stats.all_pairs && !args->stats.baseline.empty()) {
      throw UserError("--baseline and --all-pairs exclude each other");
    }
    run_compare(*args);
  });
}

}  // namespace artic::cli
