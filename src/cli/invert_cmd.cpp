#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "core/error.h"
#include "infer/invert.h"

namespace artic::cli {
namespace {

struct InvertArgs {
  InvertOptions options;
  std::vector<std::string> formats = {"est"};
  std::string progress = "auto";
};

int run_invert(InvertArgs& a, const Topology& topo) {
  InvertOptions& o = a.options;
  o.formats.clear();
  for (const auto& f : a.formats) o.formats.push_back(*parse_name<OutputFormat>(f));
  o.bar = a.progress == "bar" ||
          (a.progress == "auto" && topo.world_size == 1 && isatty(STDOUT_FILENO) != 0);
  const InvertReport r = invert_recordings(o, topo, std::cout);
  if (topo.rank != 0) return r.failures.empty() ? 0 : kExitUser;
  std::cout << "inverted " << r.inverted << " of " << r.recordings << " recording(s) into "
            << o.out_dir;
  if (r.inverted > 0) {
    char rate[160];
    std::snprintf(rate, sizeof rate,
                  ": %.1f s of audio in %.1f s on %d rank(s): %.1fx real time (seconds of audio "
                  "per second of compute)",
                  r.audio_seconds, r.seconds, topo.world_size,
                  r.seconds > 0 ? r.audio_seconds / r.seconds : 0.0);
    std::cout << rate;
  }
  std::cout << "\n";
  for (const auto& f : r.failures)
    std::cerr << "artic invert: " << f.path << ": " << f.reason << "\n";
  if (!r.failures.empty()) {
    std::cerr << "artic invert: " << r.failures.size() << " recording(s) failed (listed above); "
              << (r.inverted > 0 ? "the others were written" : "nothing was written") << "\n";
    return kExitUser;
  }
  return 0;
}

}  // namespace

void add_invert_command(CLI::App& app) {
  auto args = std::make_shared<InvertArgs>();
  auto* cmd = app.add_subcommand(
      "invert",
      "Articulator trajectories (mm) for new recordings from a trained run (docs/inference.md)");
  InvertOptions& o = args->options;
  cmd->add_option("--run,-r", o.run, "run directory (RUN_DIR with config.toml)")->required();
  cmd->add_option("inputs", o.inputs, "audio files and folders (searched recursively)");
  cmd->add_option("--list", o.list, "a file of recordings, one path per line");
  cmd->add_option("--out,-o", o.out_dir, "output folder")->required();
  cmd->add_option("--format", args->formats,
                  "est (EST binary tracks), h5 (one file, artic eval's predictions layout), csv; "
                  "several: --format est,csv")
      ->delimiter(',')
      ->check(CLI::IsMember(names_of(OutputFormat{})))
      ->capture_default_str();
  cmd->add_option("--checkpoint", o.checkpoint, "checkpoint file (default: best, else latest)");
  auto* window = cmd->add_option("--window", o.window,
                                 "predict in windows of N frames joined by a tapered overlap-add "
                                 "(0 = whole recordings; default: the run's "
                                 "training.eval_window, else 0)")
                     ->check(CLI::Range(int64_t{0}, int64_t{1} << 30));
  auto* overlap = cmd->add_option("--overlap", o.overlap, "frames shared by consecutive windows")
                      ->check(CLI::Range(int64_t{0}, int64_t{1} << 30))
                      ->capture_default_str();
  cmd->add_flag("--no-window", o.no_window,
                "refuse a recording over the run's frame budget (batching.max_frames) instead of "
                "predicting it in windows of the budget sharing a fifth of it");
  cmd->add_option("--set", o.overrides, "override of the run's config, e.g. batching.max_frames=");
  cmd->add_flag("--force", o.force, "replace existing outputs");
  cmd->add_option("--progress", args->progress,
                  "auto (a bar on a terminal outside mpirun), bar, or lines")
      ->check(CLI::IsMember({"auto", "bar", "lines"}))
      ->capture_default_str();
  cmd->footer(
      "Under mpirun -np N the recordings are shared out over the ranks. Exit codes: 0 all "
      "written, 2 bad input (a recording that failed is listed with its reason; the others are "
      "still written), 1 internal error.");
  cmd->callback([args, window, overlap] {
    if (overlap->count() > 0 && window->count() == 0) {
      throw UserError("--overlap needs --window (the window length in frames)");
    }
    args->options.window_given = window->count() > 0;
    if (args->options.no_window && args->options.window_given) {
      throw UserError("--no-window and --window exclude each other");
    }
    run_job([&](const Topology& topo) { return run_invert(*args, topo); });
  });
}

}  // namespace artic::cli
