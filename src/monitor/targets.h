// Prometheus file_sd target files: rank 0 lists every rank's /metrics address with job, rank and
// host labels, in the run directory and optionally in a shared targets directory.
#pragma once

#include <string>
#include <vector>

namespace artic {

struct ScrapeTarget {
  std::string address;  // host:port; empty when the rank serves nothing
  int rank = 0;
  std::string host;
};

// [{"targets": ["host:port"], "labels": {"job", "rank", "host", "run"}}, ...], one group per rank
// that serves metrics.
std::string targets_json(const std::vector<ScrapeTarget>& targets, const std::string& job,
                         const std::string& run);

// The file name in monitor.targets_dir for a run: "artic-RUN-XXXXXXXX.json", XXXXXXXX a hash of
// the run directory, so that a requeued run (new PID, maybe another host) replaces its file.
std::string shared_targets_name(const std::string& run, const std::string& run_dir);

// Writes `json` atomically (temp file + rename) to every path; removes them when destroyed, so
// Prometheus stops scraping a finished run. Write failures are warnings, not errors.
class TargetFiles {
 public:
  TargetFiles() = default;
  TargetFiles(std::vector<std::string> paths, const std::string& json);
  TargetFiles(const TargetFiles&) = delete;
  TargetFiles& operator=(const TargetFiles&) = delete;
  TargetFiles(TargetFiles&& other) noexcept;
  TargetFiles& operator=(TargetFiles&& other) noexcept;
  ~TargetFiles();
  const std::vector<std::string>& paths() const { return paths_; }

 private:
  std::vector<std::string> paths_;
};

}  // namespace artic
