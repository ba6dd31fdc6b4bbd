#include <iostream>

#include "cli/commands.h"
#include "train/config.h"

namespace artic::cli {
namespace {

struct ConfigArgs {
  std::string file;
  std::vector<std::string> overrides;
  bool with_help = false;
};

Config resolve(const ConfigArgs& args) {
  return args.file.empty() ? config_from_overrides(args.overrides)
                           : load_config(args.file, args.overrides);
}

}  // namespace

void add_config_command(CLI::App& app) {
  auto* group = app.add_subcommand("config", "Check or print a training config");
  group->require_subcommand(1);
  auto args = std::make_shared<ConfigArgs>();

  auto* check = group->add_subcommand(
      "check", "Validate a config file and its overrides, and that its corpus file exists");
  check->add_option("file", args->file, "config TOML file")->required();
  check->add_option("--set", args->overrides, "override, e.g. --set data.sequence_length=500");
  check->callback([args] {
    check_corpus_exists(resolve(*args));
    std::cout << args->file << ": ok\n";
  });

  auto* show =
      group->add_subcommand("show", "Print the resolved config (defaults + file + --set) as TOML");
  show->add_option("file", args->file, "config TOML file (omit for the defaults)");
  show->add_option("--set", args->overrides, "override, e.g. --set optim.learning_rate=3e-4");
  show->add_flag("--comments", args->with_help, "explain each key in a comment");
  show->callback([args] { std::cout << config_to_toml(resolve(*args), args->with_help); });
}

}  // namespace artic::cli
