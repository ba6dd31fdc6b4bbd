// Each subcommand registers itself on the root app; its callback throws UserError for bad
// input (exit 2) and anything else for internal errors (exit 1).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

#include "dist/topology.h"

namespace artic::cli {

void add_synth_command(CLI::App& app);
void add_corpus_command(CLI::App& app);
void add_config_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_compare_command(CLI::App& app);
void add_sweep_command(CLI::App& app);
void add_prep_command(CLI::App& app);
void add_invert_command(CLI::App& app);

// A command that runs on every rank of a job (alone, or under mpirun / srun): MPI is started and
// finalized around `body`, whose result is the exit code. An error on one rank ends all of them
// (UserError: exit 2, anything else: exit 1), so no rank is left waiting in a collective.
void run_job(const std::function<int(const Topology&)>& body);

// What `artic compare RUN...` prints with its default options (sweep ends with it).
void print_comparison(const std::vector<std::string>& run_dirs);

}  // namespace artic::cli
