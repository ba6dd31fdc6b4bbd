// What the training loop reports, and to whom: each step, validation, stage and checkpoint
// becomes one record (eval/run_records.h) handed to every observer in turn (the run log, the
// progress bar, monitoring; tests add their own). Observers only watch: they cannot steer the loop.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "eval/run_records.h"

namespace artic {

struct CheckpointRecord {
  int64_t step = 0;
  std::string path;
  std::string kind;  // "step" (cadence, epoch end, stage end, signal), "best"
};

class TrainingObserver {
 public:
  virtual ~TrainingObserver() = default;
  // Training (re)starts: the stage in progress and its planned steps are known.
  virtual void on_start(const StepRecord& /*position*/) {}
  virtual void on_step(const StepRecord& /*step*/) {}
  virtual void on_validation(const ValidationRecord& /*validation*/) {}
  virtual void on_stage_start(const StageStartRecord& /*stage*/) {}
  virtual void on_stage_end(const StageEndRecord& /*stage*/) {}
  virtual void on_checkpoint(const CheckpointRecord& /*checkpoint*/) {}
};

// Hands each record to every observer, in the order they were added.
class Observers {
 public:
  void add(TrainingObserver* observer) { list_.push_back(observer); }
  void start(const StepRecord& r) {
    for (auto* o : list_) o->on_start(r);
  }
  void step(const StepRecord& r) {
    for (auto* o : list_) o->on_step(r);
  }
  void validation(const ValidationRecord& r) {
    for (auto* o : list_) o->on_validation(r);
  }
  void stage_start(const StageStartRecord& r) {
    for (auto* o : list_) o->on_stage_start(r);
  }
  void stage_end(const StageEndRecord& r) {
    for (auto* o : list_) o->on_stage_end(r);
  }
  void checkpoint(const CheckpointRecord& r) {
    for (auto* o : list_) o->on_checkpoint(r);
  }

 private:
  std::vector<TrainingObserver*> list_;
};

}  // namespace artic
