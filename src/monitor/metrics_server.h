// The /metrics HTTP endpoint for Prometheus scrapes, on libmicrohttpd: one internal thread
// multiplexes every connection (poll), so a slow, half-open or garbage-sending client costs
// a connection slot and never delays a scrape; idle connections are closed after a timeout and
// the number of open connections is capped. GET/HEAD /metrics answer with render(), which runs on
// that thread.
#pragma once

#include <functional>
#include <string>

struct MHD_Daemon;

namespace artic {

struct MetricsServerLimits {
  unsigned connections = 128;    // open connections at once; more are accepted and closed
  unsigned idle_timeout_s = 5;   // a connection idle this long is closed
  size_t request_bytes = 16384;  // larger request headers are answered 431 and closed
};

class MetricsServer {
 public:
  // Listens on bind:port ("0.0.0.0" = every interface, port 0 = any free port). Throws
  // std::system_error (e.g. EADDRINUSE) when the address cannot be bound or the server started.
  MetricsServer(const std::string& bind, int port, std::function<std::string()> render,
                MetricsServerLimits limits = {});
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  int port() const { return port_; }
  std::string render() const { return render_(); }

 private:
  std::function<std::string()> render_;
  MHD_Daemon* daemon_ = nullptr;
  int port_ = 0;
};

}  // namespace artic
