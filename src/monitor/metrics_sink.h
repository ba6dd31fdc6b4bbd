// What the training loop reports to monitoring, as plain numbers (docs/monitoring.md). The
// Prometheus implementation serves them on /metrics and pushes them to a push gateway; no
// Prometheus type leaves src/monitor/.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "eval/run_records.h"
#include "monitor/monitor_config.h"

namespace artic {

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
  virtual void step(const StepRecord& step) = 0;
  // Called on the rank that exports validation (rank 0).
  virtual void validation(const ValidationRecord& validation) = 0;
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
