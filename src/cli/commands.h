// Each subcommand registers itself on the root app; its callback throws UserError for bad
// input (exit 2) and anything else for internal errors (exit 1).
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace artic::cli {

void add_synth_command(CLI::App& app);
void add_corpus_command(CLI::App& app);
void add_config_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_compare_command(CLI::App& app);
void add_sweep_command(CLI::App& app);
void add_prep_command(CLI::App& app);

// What `artic compare RUN...` prints with its default options (sweep ends with it).
void print_comparison(const std::vector<std::string>& run_dirs);

}  // namespace artic::cli
