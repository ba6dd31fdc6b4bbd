// Sweep file parser (parse_sweep, what load_sweep runs on a file's text), then what
// `artic sweep show` does with it: find each task (variant x seed) by name and index and apply its
// overrides to the default training config. ConfigError is the expected refusal at every step.
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
  const std::vector<artic::SweepTask> tasks = artic::sweep_tasks(sweep);
  for (size_t i = 0; i < tasks.size(); ++i) {
    if (artic::find_task(tasks, tasks[i].name, "fuzz-sweep.toml") != i) {
      __builtin_trap();  // names are unique: a task's name must find it
    }
    artic::find_task(tasks, std::to_string(i), "fuzz-sweep.toml");
    try {
      artic::config_from_overrides(tasks[i].overrides);
    } catch (const artic::ConfigError&) {
    }
  }
  try {
    artic::find_task(tasks, std::to_string(tasks.size()), "fuzz-sweep.toml");
  } catch (const artic::ConfigError&) {
  }
  return 0;
}
