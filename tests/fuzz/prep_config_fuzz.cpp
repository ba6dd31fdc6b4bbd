// Prep config loader (parse_prep_config, what load_prep_config runs on a file's text); "#set ..."
// comment lines are applied as --set overrides. A ConfigError is the expected refusal; a config
// that loads must be printed (--print-config) as TOML that loads back to the same config.
#include <cstdlib>

#include "core/error.h"
#include "fuzz_input.h"
#include "prep/prep_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text = artic::fuzz::text_of(data, size);
  artic::PrepConfig config;
  try {
    config = artic::parse_prep_config(text, "fuzz-prep.toml", artic::fuzz::set_lines(text));
  } catch (const artic::ConfigError&) {
    return 0;
  }
  const std::string printed = artic::prep_config_to_toml(config);
  const artic::PrepConfig again = artic::parse_prep_config(printed, "printed.toml");
  if (artic::prep_config_to_toml(again) != printed) std::abort();
  return 0;
}
