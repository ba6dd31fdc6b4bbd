// The observers every run has: the run log (stdout, train.log, metrics.jsonl), the terminal
// progress bar and monitoring (Prometheus); they turn the loop's records into text and series.
#pragma once

#include <chrono>
#include <cstdint>

#include "monitor/metrics_sink.h"
#include "train/observer.h"
#include "train/run_files.h"

namespace artic {

// Steps go out every log_every optimizer steps (and every skipped step) as one line covering the
// steps since the previous one; validations, stages and setup lines as they come.
class RunLog : public TrainingObserver {
 public:
  RunLog(RunFiles& files, int64_t log_every) : files_(files), log_every_(log_every) {}
  void on_step(const StepRecord& step) override;
  void on_validation(const ValidationRecord& validation) override;
  void on_stage_start(const StageStartRecord& stage) override;
  void on_stage_end(const StageEndRecord& stage) override;

 private:
  using Clock = std::chrono::steady_clock;
  RunFiles& files_;
  int64_t log_every_;
  Clock::time_point last_line_ = Clock::now();
  int64_t frames_ = 0, padded_ = 0, rank_frames_ = 0;
  double flops_ = 0;
  PhaseTimes times_;
};

// Epoch progress, frames/s of this invocation and the time left, redrawn after every step.
class ProgressBar : public TrainingObserver {
 public:
  explicit ProgressBar(RunFiles& files) : files_(files) {}
  void on_start(const StepRecord& position) override;
  void on_step(const StepRecord& step) override;

 private:
  using Clock = std::chrono::steady_clock;
  RunFiles& files_;
  Clock::time_point started_ = Clock::now();
  int64_t steps_ = 0, frames_ = 0;
};

// Every step and planned horizon to the metrics sink; validations only where `exports_validation`
// (one rank: every rank computes the same combined result).
class Monitoring : public TrainingObserver {
 public:
  Monitoring(MetricsSink& sink, bool exports_validation)
      : sink_(sink), exports_validation_(exports_validation) {}
  void on_start(const StepRecord& position) override {
    sink_.planned_steps(position.planned_steps);
  }
  void on_step(const StepRecord& step) override { sink_.step(step); }
  void on_validation(const ValidationRecord& validation) override {
    if (exports_validation_) sink_.validation(validation);
  }
  void on_stage_start(const StageStartRecord& stage) override {
    sink_.planned_steps(stage.planned_steps);
  }

 private:
  MetricsSink& sink_;
  bool exports_validation_;
};

}  // namespace artic
