// The run directory (run.output_dir/run.name) and its files: config.toml, train.log (and stdout),
// metrics.jsonl, checkpoints/ (step-N.pt, best.pt, best-STAGE.pt, the "latest" pointer),
// summary.json and eval.json. Only rank 0 writes; what goes into the logs is train/run_log's.
#pragma once

#include <cstdint>
#include <fstream>
#include <memory>
#include <string>

#include "data/corpus.h"
#include "dist/topology.h"
#include "eval/run_records.h"
#include "train/config.h"

namespace artic {

// RUN/corpus_recipe.toml (RunFiles::write_corpus_recipe).
inline constexpr const char* kCorpusRecipeFile = "corpus_recipe.toml";

// What the terminal progress bar shows (rank 0, only when stdout is a terminal).
struct ProgressView {
  int64_t epoch = 0, max_epochs = 0, epoch_step = 0, epoch_steps = 0, step = 0, total_steps = 0;
  double loss = 0, frames_per_second = 0, eta_seconds = 0;
};

struct RunLock;

class RunFiles {
 public:
  // writer: this rank writes the run directory; bar: draw a progress bar on stdout.
  RunFiles(std::string dir, bool writer, bool bar);
  ~RunFiles();
  RunFiles(RunFiles&&);

  // Refuses, writing nothing, a run directory this command cannot use: one with checkpoints or
  // final records unless resuming, or one that cannot be created or written.
  void check(bool resuming) const;
  // Creates the directories, takes the run's lock (RUN/.lock: one writer at a time), writes the
  // resolved config.toml and opens train.log and metrics.jsonl, whose records after
  // `resumed_step` (all of them for a fresh start, -1) are dropped: work that will be done again.
  // Only once the command has been validated against the run (docs/training.md).
  void open(const Config& config, int64_t resumed_step);

  // RUN/corpus_recipe.toml: the options that made the training corpus (its `recipe`, e.g. the
  // feature analysis of artic prep, which artic invert repeats on new audio); nothing when the
  // corpus recorded none.
  void write_corpus_recipe(const std::string& corpus, const CorpusMeta& meta);

  std::string step_checkpoint(int64_t step) const;
  std::string best_checkpoint() const;
  // The checkpoint `latest` points to; UserError when there is none.
  std::string latest_checkpoint() const;
  // Points `latest` at `path` (atomically, durably) and removes step checkpoints beyond keep_last.
  void set_latest(const std::string& path, int64_t keep_last);

  // Best weights of a finished stage (best-NAME.pt beside best.pt).
  std::string stage_best_checkpoint(const std::string& stage) const;

  // A line on stdout and in train.log.
  void log(const std::string& text);
  // A line in train.log, and on stdout unless the progress bar holds the terminal.
  void log_quietly(const std::string& text);
  void append_metrics(const std::string& json_line);
  // Redraws the one-line progress bar in place; does nothing unless stdout is a terminal.
  void show_progress(const ProgressView& v);
  void write_summary(const RunSummary& summary);
  void write_eval(const EvalRecord& eval);

  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  bool writer_;
  std::unique_ptr<RunLock> lock_;
  std::ofstream log_;
  std::ofstream metrics_;
  bool tty_ = false;
  bool bar_shown_ = false;
};

// A parameter checksum as 16 hex digits (summary.json, stage events).
std::string hash_hex(uint64_t hash);

// The newest step checkpoint (step-N.pt) in checkpoints_dir other than `except` whose every
// section passes its checksum; empty when there is none.
std::string newest_intact_checkpoint(const std::string& checkpoints_dir, const std::string& except);
// For the message that refuses a damaged checkpoint: which intact one beside it to use instead
// and with which command-line option ("--resume-from"), or that none is left.
std::string intact_checkpoint_advice(const std::string& damaged, const std::string& option);

std::string describe_setup(const Config& config, const Topology& topo, const std::string& device,
                           int64_t parameters, size_t train_segments, size_t valid_utterances,
                           int64_t batches_per_epoch, int64_t total_steps);

}  // namespace artic
