#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "core/error.h"
#include "eval/report.h"
#include "eval/run_records.h"
#include "train/batching.h"
#include "train/config.h"
#include "train/predict.h"
#include "train/trained_model.h"
#include "train/trainer.h"

namespace artic::cli {
namespace {

namespace fs = std::filesystem;

struct EvalArgs {
  std::string run;
  std::string split = "test";
  std::string checkpoint;
  std::string predictions;
  std::string out;
  std::vector<std::string> overrides;
  int64_t window = 0, overlap = 0;
  bool window_given = false;  // else the run's training.eval_window and eval_overlap
  bool force = false;
};

// RUN/eval.json for the test split (the record training wrote and artic compare reads),
// RUN/eval-SPLIT.json for the others.
std::string default_record(const std::string& run, const std::string& split) {
  return (fs::path(run) / (split == "test" ? "eval.json" : "eval-" + split + ".json")).string();
}

// What makes this evaluation another than the one `recorded` holds ("" when none does): its
// split, checkpoint, window, or what its --set options change.
std::string record_difference(const EvalArgs& args, const TrainedModel& trained,
                              const EvalRecord& recorded) {
  std::error_code ec;
  std::string differs;
  if (recorded.split != args.split) differs = "the " + recorded.split + " split";
  // The record names the checkpoint as training's working directory saw it: the same file name
  // in this run's checkpoints/ is the same checkpoint.
  const bool in_run = fs::equivalent(fs::path(trained.checkpoint).parent_path(),
                                     fs::path(args.run) / "checkpoints", ec);
  const bool same_name =
      fs::path(recorded.checkpoint).filename() == fs::path(trained.checkpoint).filename();
  if (!(in_run && same_name) && !fs::equivalent(recorded.checkpoint, trained.checkpoint, ec)) {
    differs = "checkpoint " + recorded.checkpoint + " (this one: " + trained.checkpoint + ")";
  }
  if (args.window_given && (args.window != recorded.window || args.overlap != recorded.overlap)) {
    differs = "window " + std::to_string(recorded.window) + "/" + std::to_string(recorded.overlap) +
              " (this one: " + std::to_string(args.window) + "/" + std::to_string(args.overlap) +
              ")";
  }
  if (!args.overrides.empty()) {
    // What the --set options change, aside from a corpus path that names the same file (the
    // run's own path may be relative to where it was trained: then the same file name counts).
    const Config own = load_config((fs::path(args.run) / "config.toml").string());
    const fs::path a(own.data.corpus), b(trained.config.data.corpus);
    const bool same_corpus =
        fs::equivalent(a, b, ec) || (!fs::exists(a, ec) && a.filename() == b.filename());
    for (const auto& key : changed_keys(own, trained.config)) {
      if (key == "data.corpus" && same_corpus) continue;
      differs = "the run's own config (this one sets " + key + ")";
      break;
    }
  }
  return differs;
}

// Refuses, before any work, an output that cannot be written or would replace what it must not:
// the run's corpus, or a test record of another checkpoint, window or config (without --force).
void check_outputs(const EvalArgs& args, const TrainedModel& trained, const std::string& out) {
  std::error_code ec;
  for (const std::string& path : {out, args.predictions}) {
    if (path.empty()) continue;
    if (fs::equivalent(path, trained.config.data.corpus, ec)) {
      throw UserError(path + " is the run's corpus (data.corpus); write to another file");
    }
    const fs::path parent = fs::absolute(path).parent_path();
    if (!fs::is_directory(parent, ec) || access(parent.c_str(), W_OK | X_OK) != 0) {
      throw UserError("cannot write " + path + ": " + parent.string() +
                      " is not a writable directory");
    }
  }
  for (const std::string& path : {args.out, args.predictions}) {
    if (!path.empty() && !args.force && fs::exists(path)) {
      throw UserError(path + " already exists; pass --force to replace it");
    }
  }
  if (args.force || !args.out.empty() || !fs::exists(out)) return;
  EvalRecord recorded;
  try {
    recorded = read_eval_record(out);
  } catch (const UserError& e) {
    throw UserError(std::string(e.what()) + "; replace it with --force, or write to --out FILE");
  }
  const std::string differs = record_difference(args, trained, recorded);
  if (differs.empty()) return;
  throw UserError(out + " records an evaluation of " + differs +
                  ", which artic compare reads as this run's result; write this one elsewhere "
                  "with --out FILE, or replace that record with --force");
}

// The evaluated utterances with predictions in place of targets, in the corpus layout.
Corpus predictions_corpus(const FrameSource& source, const std::vector<size_t>& utts,
                          std::vector<std::vector<float>>& predicted) {
  Corpus out;
  out.meta = source.meta();
  out.meta.source = "artic eval predictions of " + source.meta().source;
  out.meta.created_by = std::string("artic ") + ARTIC_VERSION + " eval";
  std::vector<float> f, y;
  for (size_t k = 0; k < utts.size(); ++k) {
    const UtteranceInfo& u = source.utterances()[utts[k]];
    f.resize(static_cast<size_t>(u.length * out.num_features()));
    y.resize(static_cast<size_t>(u.length * out.num_articulators()));
    source.read({static_cast<int64_t>(utts[k]), 0, u.length}, f.data(), y.data());
    append_utterance(out, u, f.data(), predicted[k].data());
  }
  return out;
}

void run_eval(const EvalArgs& args) {
  if (args.window > 0 && args.overlap >= args.window) {
    throw UserError("--overlap " + std::to_string(args.overlap) +
                    " must be smaller than --window " + std::to_string(args.window));
  }
  TrainedModel trained = load_trained_model(args.run, args.checkpoint, args.overrides);
  const Config& config = trained.config;
  const std::string out = args.out.empty() ? default_record(args.run, args.split) : args.out;
  check_outputs(args, trained, out);
  const Corpus corpus = read_corpus(config.data.corpus);
  const FrameSource source{&corpus, nullptr};
  const auto utts = split_indices(corpus.utterances, args.split);
  if (utts.empty()) {
    throw UserError(config.data.corpus + " has no utterances in split '" + args.split + "'");
  }
  if (trained.normalizer.articulator_names != corpus.meta.articulator_names ||
      trained.normalizer.feature_names != corpus.meta.feature_names) {
    throw UserError(trained.checkpoint + " was trained on other " +
                    (trained.normalizer.feature_names != corpus.meta.feature_names
                         ? "feature"
                         : "articulator") +
                    " channels than " + config.data.corpus + " has");
  }
  std::vector<std::vector<float>> predicted(corpus.utterances.size());
  PredictionSink sink = nullptr;
  if (!args.predictions.empty()) {
    sink = [&](size_t utt, const std::vector<float>& mm) { predicted[utt] = mm; };
  }
  EvalOptions options = evaluation_options(config, corpus.meta, 1, 0);
  if (args.window_given) {
    options.window = args.window;
    options.overlap = args.overlap;
  }
  const SplitResult r =
      evaluate_split(*trained.model, source, utts, trained.normalizer, options, torch::kCPU, sink);
  std::cout << args.split << " split of " << config.data.corpus << " (" << r.metrics.utterances
            << " utterances, " << r.metrics.frames << " frames), checkpoint " << trained.checkpoint
            << ":\n"
            << metrics_table(r.metrics);
  if (r.speech.utterances > 0) {
    std::cout << speech_line(r.speech, r.metrics.frames);
  }
  write_record(out, eval_record(args.split, trained.checkpoint, r, options));
  std::cout << "wrote " << out << "\n";
  if (!args.predictions.empty()) {
    std::vector<std::vector<float>> ordered;
    for (size_t i : utts) ordered.push_back(std::move(predicted[i]));
    write_corpus(args.predictions, predictions_corpus(source, utts, ordered));
    std::cout << "wrote predictions (corpus layout, /targets = predicted mm) to "
              << args.predictions << "\n";
  }
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto args = std::make_shared<EvalArgs>();
  auto* cmd = app.add_subcommand(
      "eval", "Evaluate a run: RMSE and MAE (mm) and Pearson r per articulator on full utterances");
  cmd->add_option("--run,-r", args->run, "run directory (RUN_DIR with config.toml)")->required();
  cmd->add_option("--split", args->split, "train, valid or test")
      ->check(CLI::IsMember({"train", "valid", "test"}))
      ->capture_default_str();
  cmd->add_option("--checkpoint", args->checkpoint, "checkpoint file (default: best, else latest)");
  cmd->add_option("--predictions", args->predictions,
                  "write predictions as an HDF5 corpus (targets = predicted mm)");
  cmd->add_option("--out", args->out,
                  "eval JSON path (default RUN_DIR/eval.json for the test split, which artic "
                  "compare reads; RUN_DIR/eval-SPLIT.json for the others)");
  cmd->add_flag("--force", args->force,
                "replace an existing --out or --predictions file, or RUN_DIR/eval.json although "
                "it records another checkpoint, window or config");
  cmd->add_option("--set", args->overrides, "config override, e.g. --set data.corpus=other.h5");
  auto* window = cmd->add_option("--window", args->window,
                                 "predict in windows of N frames joined by a tapered overlap-add "
                                 "(0 = whole utterances; default: the run's "
                                 "training.eval_window)")
                     ->check(CLI::Range(int64_t{0}, int64_t{1} << 30));
  auto* overlap =
      cmd->add_option("--overlap", args->overlap, "frames shared by consecutive windows")
          ->check(CLI::Range(int64_t{0}, int64_t{1} << 30))
          ->capture_default_str();
  cmd->callback([args, window, overlap] {
    if (overlap->count() > 0 && window->count() == 0) {
      throw UserError("--overlap needs --window (the window length in frames)");
    }
    args->window_given = window->count() > 0;
    run_eval(*args);
  });
}

}  // namespace artic::cli
