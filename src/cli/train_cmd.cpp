#include <cstdio>

#include "cli/commands.h"
#include "core/error.h"
#include "dist/topology.h"
#include "train/config.h"
#include "train/trainer.h"

namespace artic::cli {
namespace {

struct TrainArgs {
  std::string config;
  std::vector<std::string> overrides;
  TrainOptions options;
};

// With several ranks an error on one must end all of them (no rank left waiting in a
// collective); alone, the error goes back to main like any other.
[[noreturn]] void fail(const Topology& topo, const std::string& prefix, const std::string& what,
                       int code) {
  if (topo.world_size > 1) abort_job(prefix + what, code);
  finalize_distributed();
  std::fprintf(stderr, "%s%s\n", prefix.c_str(), what.c_str());
  throw ExitRequest{code};
}

void run_train(const TrainArgs& args) {
  const Topology topo = init_distributed(nullptr, nullptr);
  int code = 0;
  try {
    const Config config = load_config(args.config, args.overrides);
    code = run_training(config, args.options, topo);
  } catch (const UserError& e) {
    fail(topo, "artic: error: ", e.what(), kExitUser);
  } catch (const std::exception& e) {
    fail(topo, "artic: internal error: ", e.what(), kExitInternal);
  }
  finalize_distributed();
  if (code != 0) throw ExitRequest{code};
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto args = std::make_shared<TrainArgs>();
  auto* cmd = app.add_subcommand(
      "train", "Train a model (alone, or on N ranks under mpirun / srun --mpi=pmix)");
  cmd->add_option("--config,-c", args->config, "training config (TOML)")->required();
  cmd->add_option("--set", args->overrides, "override, e.g. --set training.max_epochs=5");
  cmd->add_flag(
      "--resume", args->options.resume,
      "continue the run from RUN_DIR/checkpoints/latest (bit-identical on CPU on the same "
      "world size)");
  cmd->add_option("--resume-from", args->options.resume_from, "continue from this checkpoint");
  cmd->add_option("--init-from", args->options.init_from,
                  "start from another run's weights and normalizer (RUN_DIR: its best, else "
                  "latest checkpoint; or a checkpoint file) with a fresh optimizer and schedule; "
                  "ignored when resuming");
  cmd->add_option("--progress", args->options.progress,
                  "rank 0's progress display: auto (a bar on a terminal outside mpirun/srun), "
                  "bar, or lines")
      ->check(CLI::IsMember({"auto", "bar", "lines"}))
      ->capture_default_str();
  cmd->footer(
      "Exit codes: 0 done, 2 config/data error, 1 internal error, 75 stopped by SIGTERM/SIGUSR1 "
      "after writing a checkpoint (run again with --resume).");
  cmd->callback([args] { run_train(*args); });
}

}  // namespace artic::cli
