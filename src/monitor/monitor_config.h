// The [monitor] section (docs/monitoring.md): the Prometheus endpoint, file_sd targets and push
// gateway.
#pragma once

#include <cstdint>
#include <string>

namespace artic {

struct MonitorConfig {
  int64_t port = 0;
  std::string bind = "0.0.0.0";
  bool port_fallback = false;
  std::string targets_dir;
  std::string pushgateway;
  std::string job = "artic";
};

}  // namespace artic
