#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "core/config.h"
#include "core/error.h"
#include "core/sweep.h"

namespace artic::cli {
namespace {

struct SweepShowArgs {
  std::string sweep, config, variant, print = "table";
};

// Every variant must load on top of its base config: a bad override fails here, not in a job.
void check_variants(const Sweep& sweep, const std::string& config, const std::string& origin) {
  for (size_t i = 0; i < sweep.variants.size(); ++i) {
    try {
      load_config(config, variant_overrides(sweep, i));
    } catch (const ConfigError& e) {
      throw ConfigError(origin + ": variant '" + sweep.variants[i].name + "': " + e.what());
    }
  }
}

void show(const SweepShowArgs& a) {
  const Sweep sweep = load_sweep(a.sweep);
  const std::string config = !a.config.empty() ? a.config : sweep.config;
  if (!config.empty()) check_variants(sweep, config, a.sweep);
  if (a.print == "count") {
    std::cout << sweep.variants.size() << "\n";
    return;
  }
  if (a.print == "config") {
    if (config.empty()) throw ConfigError(a.sweep + ": names no config; pass --config");
    std::cout << config << "\n";
    return;
  }
  if (a.print == "table") {
    for (size_t i = 0; i < sweep.variants.size(); ++i) {
      std::cout << i << "  " << sweep.variants[i].name;
      for (const auto& o : variant_overrides(sweep, i)) std::cout << "  " << o;
      std::cout << "\n";
    }
    return;
  }
  if (a.variant.empty()) throw UserError("--print " + a.print + " needs --variant NAME|INDEX");
  const size_t i = find_variant(sweep, a.variant, a.sweep);
  if (a.print == "name") {
    std::cout << sweep.variants[i].name << "\n";
  } else {
    for (const auto& o : variant_overrides(sweep, i)) std::cout << o << "\n";
  }
}

}  // namespace

void add_sweep_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("sweep", "Sweeps: variants of a config (docs/launching.md)");
  cmd->require_subcommand(1);
  auto args = std::make_shared<SweepShowArgs>();
  auto* s = cmd->add_subcommand(
      "show", "Check a sweep file against its config and print its variants (for job arrays)");
  s->add_option("sweep", args->sweep, "sweep TOML file")->required();
  s->add_option("-c,--config", args->config, "base config (default: the sweep file's config)");
  s->add_option("--variant", args->variant, "variant name or 0-based index");
  s->add_option("--print", args->print,
                "table (default): every variant; count; config; name or sets (of --variant, "
                "sets one override per line)")
      ->check(CLI::IsMember({"table", "count", "config", "name", "sets"}));
  s->callback([args] { show(*args); });
}

}  // namespace artic::cli
