// Sweep files: named variants of one training config, each a list of `section.key=value`
// overrides. `artic sweep` and slurm/sweep.sbatch read the same format (docs/launching.md):
//
//   config = "configs/default.toml"      # optional base config
//   set = ["training.max_epochs=20"]     # optional overrides for every variant
//   [[variant]]
//   name = "seq100"
//   set = ["data.split_mode=fixed", "data.sequence_length=100"]
#pragma once

#include <string>
#include <vector>

namespace artic {

struct SweepVariant {
  std::string name;  // unique; letters, digits, '.', '_', '-' (it names the run directory)
  std::vector<std::string> overrides;
};

struct Sweep {
  std::string config;  // "" when the file names none
  std::vector<std::string> common;
  std::vector<SweepVariant> variants;
};

// Throws ConfigError naming the file, line and key for bad syntax, unknown keys, a missing or
// duplicate name, an override that is not section.key=value, or no variants.
Sweep parse_sweep(const std::string& toml_text, const std::string& origin);
Sweep load_sweep(const std::string& path);

// common + the variant's overrides, in that order (later ones win).
std::vector<std::string> variant_overrides(const Sweep& sweep, size_t index);

// The variant with this name or 0-based index; throws ConfigError listing the names otherwise.
size_t find_variant(const Sweep& sweep, const std::string& name_or_index,
                    const std::string& origin);

}  // namespace artic
