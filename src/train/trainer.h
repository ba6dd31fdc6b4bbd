// `artic train`: the training loop (docs/architecture.md, one run) on 1..N MPI ranks. Writes the
// run directory (config.toml, metrics.jsonl, train.log, checkpoints/, summary.json), validates on
// full utterances, stops early, and resumes from its last checkpoint (bit-identically on CPU).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "dist/topology.h"
#include "train/config.h"

namespace artic {

struct Corpus;
class Communicator;
class TrainingObserver;

struct TrainOptions {
  bool resume = false;      // continue from RUN_DIR/checkpoints/latest
  std::string resume_from;  // or from this checkpoint file
  // A fresh run (not resuming) starts from this run's best (else latest) checkpoint or this
  // checkpoint file: weights and normalizer, with a fresh optimizer and schedule.
  std::string init_from;
  // auto: a progress bar when stdout is a terminal and no MPI/Slurm launcher started us (their
  // output forwarding makes every rank look like a terminal); bar; lines.
  std::string progress = "auto";
};

// What a caller (a test, an embedding program) can put in place of the loop's defaults.
struct TrainHooks {
  const Corpus* corpus = nullptr;        // instead of reading data.corpus; must outlive the call
  Communicator* communicator = nullptr;  // instead of the one dist.backend names
  std::vector<TrainingObserver*> observers;  // after the run log, progress bar and monitoring
};

// Returns the process exit code: 0 when training ended (max epochs/steps or early stopping),
// kExitPreempted (signals.h) when SIGTERM/SIGUSR1 stopped it after a checkpoint.
int run_training(const Config& config, const TrainOptions& options, const Topology& topology,
                 const TrainHooks& hooks = {});

// The run directory of a config: run.output_dir/run.name.
std::string run_directory(const Config& config);

}  // namespace artic
