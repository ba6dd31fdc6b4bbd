// A minimal HTTP server for Prometheus scrapes: GET /metrics answers with render() on a thread of
// its own. prometheus-cpp's civetweb exposer cannot be used: its worker threads have 100 KiB
// stacks, too small once LibTorch's libraries (OpenBLAS alone has 60 KiB of static TLS) are
// loaded, so pthread_create fails and the exposer never starts.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>

namespace artic {

class MetricsServer {
 public:
  // Listens on bind:port ("0.0.0.0" = every interface, port 0 = any free port). Throws
  // std::system_error (e.g. EADDRINUSE) when the address cannot be bound.
  MetricsServer(const std::string& bind, int port, std::function<std::string()> render);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  int port() const { return port_; }

 private:
  void serve();
  void answer(int fd);

  std::function<std::string()> render_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  int port_ = 0;
  std::thread thread_;
};

}  // namespace artic
