// Sweep file parser (parse_sweep, what load_sweep runs on a file's text), then what
// `artic sweep show` does with it: find each variant by name and index and apply its overrides
// to the default training config. ConfigError is the expected refusal at every step.
#include "core/error.h"
#include "core/sweep.h"
#include "fuzz_input.h"
#include "train/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  artic::Sweep sweep;
  try {
    sweep = artic::parse_sweep(artic::fuzz::text_of(data, size), "fuzz-sweep.toml");
  } catch (const artic::ConfigError&) {
    return 0;
  }
  for (size_t i = 0; i < sweep.variants.size(); ++i) {
    artic::find_variant(sweep, sweep.variants[i].name, "fuzz-sweep.toml");
    artic::find_variant(sweep, std::to_string(i), "fuzz-sweep.toml");
    try {
      artic::config_from_overrides(artic::variant_overrides(sweep, i));
    } catch (const artic::ConfigError&) {
    }
  }
  try {
    artic::find_variant(sweep, std::to_string(sweep.variants.size()), "fuzz-sweep.toml");
  } catch (const artic::ConfigError&) {
  }
  return 0;
}
