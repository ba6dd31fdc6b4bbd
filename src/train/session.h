// What the training loop carries from step to step (one rank's view of the run), shared by the
// loop (trainer.cpp), its set-up (setup.cpp) and the stage lifecycle (stages.cpp).
#pragma once

#include <torch/torch.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/normalizer.h"
#include "data/sampler.h"
#include "dist/communicator.h"
#include "dist/overlap_reducer.h"
#include "dist/topology.h"
#include "model/model.h"
#include "monitor/metrics_sink.h"
#include "monitor/targets.h"
#include "train/checkpoint.h"
#include "train/config.h"
#include "train/observer.h"
#include "train/observers.h"
#include "train/run_files.h"

namespace artic {

// The corpus, its splits and the training segments, as every rank sees them.
struct TrainData {
  std::unique_ptr<Corpus> memory;
  std::unique_ptr<CorpusReader> reader;
  FrameSource source;
  std::vector<size_t> train, valid, test;
  std::vector<Segment> segments;
};

struct Session {
  Session(const Config& b, const Topology& t, RunFiles f, torch::Device d)
      : base(b), config(resolve_stage(b, 0)), topo(t), files(std::move(f)), device(d) {}
  const Config& base;  // as given, with its [[stage]] tables
  Config config;       // the stage in progress (the base itself when it has no stages)
  const Topology& topo;
  RunFiles files;
  torch::Device device;
  TrainData data;
  Normalizer normalizer;
  ModelShape shape;
  SequenceRegressor model;
  std::unique_ptr<Communicator> owned_comm;
  Communicator* comm = nullptr;
  std::unique_ptr<OverlapReducer> overlap;  // null: reduce after the last backward
  int64_t bucket_bytes = 0;
  std::unique_ptr<torch::optim::AdamW> optimizer;
  std::unique_ptr<BatchSampler> sampler;
  TrainProgress progress;
  std::string stopped = "max_epochs";
  int64_t epoch_step = 0;  // steps taken in the epoch in progress
  // This invocation: seconds training (outside validation and checkpoints), frames of all ranks
  // and of this rank.
  double train_seconds = 0;
  int64_t frames_this_run = 0, rank_frames_this_run = 0;
  std::unique_ptr<MetricsSink> metrics;
  TargetFiles targets;  // removed when the session ends
  std::unique_ptr<RunLog> run_log;
  std::unique_ptr<ProgressBar> progress_bar;
  std::unique_ptr<Monitoring> monitoring;
  Observers observers;
};

inline bool staged(const Session& s) {
  return !s.base.stages.empty();
}
inline int64_t stage_step(const Session& s) {
  return s.progress.step - s.progress.stage_start_step;
}
// Optimizer steps in one epoch of the stage's sampler (the last may take fewer micro-batches).
inline int64_t steps_per_epoch(const Session& s) {
  const int64_t accum = s.config.training.accumulate_grad_batches;
  return (s.sampler->batches_per_epoch() + accum - 1) / accum;
}
// The stage's name in records; empty without [[stage]] tables.
std::string stage_label(const Session& s);
// The checksum a checkpoint of these weights stores (parameters and buffers), as hex.
std::string weights_hash(const Session& s);
// A checkpoint of everything (rank 0 writes, every rank waits), pointed to by `latest`.
void save_step_checkpoint(Session& s);
void save_best_checkpoint(Session& s);

}  // namespace artic
