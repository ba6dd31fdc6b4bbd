// Training config loader (parse_config, what load_config runs on a file's text); "#set ..."
// comment lines are applied as --set overrides. A ConfigError is the expected refusal; a config
// that loads must be printed by config_to_toml as TOML that loads back to the same values.
#include <cstdlib>

#include "core/error.h"
#include "fuzz_input.h"
#include "train/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text = artic::fuzz::text_of(data, size);
  artic::Config config;
  try {
    config = artic::parse_config(text, "fuzz.toml", artic::fuzz::set_lines(text));
  } catch (const artic::ConfigError&) {
    return 0;
  }
  const std::string printed = artic::config_to_toml(config);
  const artic::Config again = artic::parse_config(printed, "printed.toml");
  if (artic::config_to_toml(again) != printed) std::abort();
  artic::parse_config(artic::config_to_toml(config, /*with_help=*/true), "commented.toml");
  for (size_t i = 0; i < artic::stage_count(config); ++i) {
    artic::resolve_stage(config, i);
    artic::stage_name(config, i);
  }
  return 0;
}
