#include "cli/commands.h"
#include "train/config.h"
#include "train/trainer.h"

namespace artic::cli {
namespace {

struct TrainArgs {
  std::string config;
  std::vector<std::string> overrides;
  TrainOptions options;
};

void run_train(const TrainArgs& args) {
  run_job([&](const Topology& topo) {
    const Config config = load_config(args.config, args.overrides);
    return run_training(config, args.options, topo);
  });
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
