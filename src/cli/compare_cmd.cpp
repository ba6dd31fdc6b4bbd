#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "eval/compare.h"

namespace artic::cli {

void add_compare_command(CLI::App& app) {
  auto runs = std::make_shared<std::vector<std::string>>();
  auto options = std::make_shared<CompareOptions>();
  auto* cmd = app.add_subcommand(
      "compare", "Compare finished runs side by side (Markdown): setup, test metrics, change in %");
  cmd->add_option("runs", *runs, "run directories (RUN_DIR with summary.json and eval.json)")
      ->required()
      ->expected(2, -1);
  cmd->add_flag("--per-articulator", options->per_articulator,
                "add RMSE and r rows for every articulator channel");
  cmd->callback([runs, options] { std::cout << compare_runs(*runs, *options); });
}

}  // namespace artic::cli
