// What the training loop reports to monitoring, as plain numbers (docs/monitoring.md). The
// Prometheus implementation serves them on /metrics and pushes them to a push gateway; no
// Prometheus type leaves src/monitor/.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"

namespace artic {

// One optimizer step (or skipped step) as seen by this rank.
struct StepReport {
  int64_t stage = 0;        // 0-based; staged runs only change it
  int64_t stage_steps = 0;  // optimizer steps done in the stage (survives resumes)
  int64_t epoch = 0;
  double loss = 0;  // global, normalized units; non-finite for a skipped step
  double learning_rate = 0;
  double grad_norm = 0;
  bool bad_step = false;
  int64_t real_frames = 0;    // this rank's frames without padding
  int64_t padded_frames = 0;  // this rank's frames including padding
  int64_t allreduce_bytes = 0;
  double data_seconds = 0, forward_seconds = 0, backward_seconds = 0, allreduce_seconds = 0,
         optimizer_seconds = 0;
  int64_t device_memory_bytes = 0;  // in use now (CUDA allocator, or process RSS on CPU)
  int64_t device_memory_peak_bytes = 0;
};

// One validation pass, in millimetres (overall = unweighted mean over articulators).
struct ValidationReport {
  double loss = 0;
  double best_loss = 0;
  std::vector<std::string> articulators;
  std::vector<double> rmse_mm, mae_mm, pearson_r;  // per articulator
  double mean_rmse_mm = 0, mean_mae_mm = 0, mean_pearson_r = 0;
};

// Constant facts about the run, exported once as labels of artic_run_info.
struct RunIdentity {
  int rank = 0;
  int local_rank = 0;
  int world_size = 1;
  std::string host;
  std::string run_name;
  std::string device;  // "cpu", "cuda:0"
  std::string model_kind;
  int64_t parameters = 0;
};

class MetricsSink {
 public:
  virtual ~MetricsSink() = default;
  virtual void step(const StepReport& report) = 0;
  virtual void validation(const ValidationReport& report) = 0;
  // The current stage's planned optimizer steps (its schedule horizon).
  virtual void planned_steps(int64_t total) = 0;
  // "host:port" that Prometheus scrapes for this rank; empty when nothing is served.
  virtual std::string endpoint() const = 0;
  // Pushes the final values to monitor.pushgateway when set. Never throws: an unreachable or
  // failing gateway is a warning.
  virtual void finish() = 0;
};

// monitor.port = 0 and no push gateway: a sink that records nothing. Otherwise a Prometheus
// registry served on monitor.bind:(monitor.port + local_rank). A port in use is a warning naming
// it (this rank then serves nothing) or, with monitor.port_fallback, the next free port is used
// and logged; training goes on in both cases.
std::unique_ptr<MetricsSink> make_metrics_sink(const MonitorConfig& config,
                                               const RunIdentity& identity);

}  // namespace artic
