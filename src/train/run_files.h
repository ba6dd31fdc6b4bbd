// The run directory (run.output_dir/run.name) and what goes into it: config.toml, train.log
// (and stdout), metrics.jsonl (one line per logged step and per validation), checkpoints/
// (step-N.pt, best.pt, the "latest" pointer), summary.json and eval.json. Only rank 0 writes.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>

#include "core/config.h"
#include "core/json.h"
#include "dist/topology.h"
#include "eval/metrics.h"
#include "train/checkpoint.h"
#include "train/predict.h"

namespace artic {

struct PhaseTimes {
  double data = 0, forward = 0, backward = 0, allreduce = 0, optimizer = 0;
};

// Frames and FLOPs are the job's (summed over ranks); rank_* are the writing rank's own.
struct StepLog {
  int64_t step = 0, epoch = 0, bad_steps = 0;
  int world_size = 1;
  int64_t frames = 0;       // real frames since the last logged step, all ranks
  int64_t rank_frames = 0;  // of which this rank's
  double wall_seconds = 0;  // wall time since the last logged step
  double model_flops = 0;   // forward + backward matmul FLOPs of those frames (3x forward)
  int64_t device_memory_peak_bytes = 0;  // CUDA only
  double loss = 0, lr = 0, grad_norm = 0, padding_efficiency = 1;
  double frames_per_second = 0, rank_frames_per_second = 0;
  PhaseTimes times;
};

// Training throughput of this invocation (from its start or resume to the end of training).
struct RunThroughput {
  int world_size = 1;
  double seconds = 0;
  int64_t frames = 0;              // real frames, all ranks
  int64_t rank_frames = 0;         // of which this rank's
  std::vector<std::string> hosts;  // every rank's host, by rank
  std::vector<int> local_ranks;    // and local rank
};

// What the terminal progress bar shows (rank 0, only when stdout is a terminal).
struct ProgressView {
  int64_t epoch = 0, max_epochs = 0, epoch_step = 0, epoch_steps = 0, step = 0, total_steps = 0;
  double loss = 0, frames_per_second = 0, eta_seconds = 0;
};

class RunFiles {
 public:
  // writer: this rank writes the run directory; bar: draw a progress bar on stdout.
  RunFiles(std::string dir, bool writer, bool bar);

  // Creates the directories; refuses to reuse a run that has checkpoints unless resuming.
  // Writes the resolved config.toml.
  void prepare(bool resuming, const Config& config);

  std::string step_checkpoint(int64_t step) const;
  std::string best_checkpoint() const;
  // The checkpoint `latest` points to; UserError when there is none.
  std::string latest_checkpoint() const;
  // Points `latest` at `path` (atomically, durably) and removes step checkpoints beyond keep_last.
  void set_latest(const std::string& path, int64_t keep_last);

  void log(const std::string& text);
  // Staged runs: lines are prefixed "[label] " and metrics.jsonl objects get "stage": label.
  void set_stage(const std::string& label) { stage_ = label; }
  // A line in the log and an object with `fields` (its "type" included) in metrics.jsonl.
  void log_event(const std::string& text, const json::Value& fields);
  // A progress line on stdout and a "step" object in metrics.jsonl; with a terminal on stdout
  // the line goes to train.log only and the progress bar takes its place.
  void log_step(const StepLog& line);
  // Redraws the one-line progress bar in place; does nothing unless stdout is a terminal.
  void show_progress(const ProgressView& v);
  void log_validation(const TrainProgress& progress, const SplitResult& result, bool improved,
                      double seconds);
  void write_summary(const Config& config, const TrainProgress& progress,
                     const std::string& stopped, size_t train_segments, size_t valid_utterances,
                     size_t test_utterances, uint64_t param_hash, const RunThroughput& throughput,
                     const json::Value& stages = json::Value());
  void write_eval(const EvalMetrics& metrics, const std::string& split,
                  const std::string& checkpoint);

  const std::string& dir() const { return dir_; }

 private:
  void append_metrics(const std::string& json_line);

  std::string dir_;
  bool writer_;
  std::ofstream log_;
  std::ofstream metrics_;
  std::string stage_;
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
