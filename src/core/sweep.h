// Sweep files: named variants of one training config, each a list of `section.key=value`
// overrides. `artic sweep` and slurm/sweep.sbatch read the same format (docs/launching.md):
//
//   config = "default.toml"              # optional base config, relative to the sweep file
//   set = ["training.max_epochs=20"]     # optional overrides for every variant
//   seeds = [1, 2, 3, 4, 5]              # optional: every variant once per run.seed
//   [[variant]]
//   name = "seq100"
//   set = ["data.split_mode=fixed", "data.sequence_length=100"]
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace artic {

struct SweepVariant {
  std::string name;  // unique; letters, digits, '.', '_', '-' (it names the run directory)
  std::vector<std::string> overrides;
};

struct Sweep {
  std::string config;  // "" when the file names none; load_sweep resolves it from the file's folder
  std::vector<std::string> common;
  std::vector<SweepVariant> variants;
  std::vector<int64_t> seeds;  // empty: each variant once, at its config's run.seed
};

// One training of a sweep: variant `variant` at one of the sweep's seeds. Its run directory is
// OUTPUT_DIR/name: "VARIANT", or "VARIANT/seed-N" with seeds (what artic compare groups by).
struct SweepTask {
  size_t variant = 0;
  std::string name;
  std::vector<std::string> overrides;  // the variant's, then run.seed=N with seeds
};

// Every variant, each once per seed (variant-major), in the order job-array indices count them.
std::vector<SweepTask> sweep_tasks(const Sweep& sweep);

// Throws ConfigError naming the file, line and key for bad syntax, unknown keys, a missing or
// duplicate name, an override that is not section.key=value, or no variants.
Sweep parse_sweep(const std::string& toml_text, const std::string& origin);
Sweep load_sweep(const std::string& path);

// common + the variant's overrides, in that order (later ones win).
std::vector<std::string> variant_overrides(const Sweep& sweep, size_t index);

// The task with this name or 0-based index; throws ConfigError listing the names otherwise.
size_t find_task(const std::vector<SweepTask>& tasks, const std::string& name_or_index,
                 const std::string& origin);

}  // namespace artic
