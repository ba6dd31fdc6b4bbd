// Monitoring pieces: host:port parsing, scrape addresses, file_sd JSON and its files, the
// /metrics HTTP server, and the Prometheus sink's exposition, port handling and push errors.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <system_error>

#include "core/error.h"
#include "monitor/endpoint.h"
#include "monitor/metrics_server.h"
#include "monitor/metrics_sink.h"
#include "monitor/targets.h"
#include "test_util.h"
#include "train/config.h"

namespace artic {
namespace {

namespace fs = std::filesystem;

// GET path from 127.0.0.1:port; returns the whole response (status line, headers, body).
std::string http(int port, const std::string& request_line) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return "connect failed";
  }
  const std::string req = request_line + "\r\nHost: test\r\nConnection: close\r\n\r\n";
  EXPECT_EQ(send(fd, req.data(), req.size(), 0), static_cast<ssize_t>(req.size()));
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) out.append(buf, static_cast<size_t>(n));
  close(fd);
  return out;
}

// Two consecutive ports on loopback that nothing listens on right now.
int free_port_pair() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    int base = 0;
    {
      MetricsServer probe("127.0.0.1", 0, [] { return std::string(); });
      base = probe.port();
    }
    if (base >= 65535) continue;
    try {
      MetricsServer a("127.0.0.1", base, [] { return std::string(); });
      MetricsServer b("127.0.0.1", base + 1, [] { return std::string(); });
      return base;
    } catch (const std::system_error&) {
    }
  }
  ADD_FAILURE() << "no two consecutive free ports";
  return 0;
}

TEST(Endpoint, ParsesHostPort) {
  HostPort a = parse_host_port("127.0.0.1:9091", "x");
  EXPECT_EQ(a.host, "127.0.0.1");
  EXPECT_EQ(a.port, 9091);
  a = parse_host_port("http://pushgw.example.org:65535", "x");
  EXPECT_EQ(a.host, "pushgw.example.org");
  EXPECT_EQ(a.port, 65535);
  a = parse_host_port("[::1]:1", "x");
  EXPECT_EQ(a.host, "::1");
  EXPECT_EQ(a.port, 1);
  for (const char* bad : {"pushgw", "pushgw:", ":9091", "pushgw:0", "pushgw:65536", "pushgw:123456",
                          "pushgw:90a1", "", "http://pushgw:9091/metrics"}) {
    EXPECT_THROW(parse_host_port(bad, "monitor.pushgateway"), ConfigError) << bad;
  }
  try {
    parse_host_port("pushgw", "monitor.pushgateway");
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("monitor.pushgateway must be \"host:port\""),
              std::string::npos);
  }
}

TEST(Endpoint, ConfigRefusesABadPushGateway) {
  EXPECT_NO_THROW(parse_config("", "t", {"monitor.pushgateway=gw.example.org:9091"}));
  try {
    parse_config("", "t", {"monitor.pushgateway=gw.example.org"});
    ADD_FAILURE() << "accepted a push gateway without a port";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("monitor.pushgateway"), std::string::npos) << e.what();
  }
}

TEST(Endpoint, ScrapeAddressUsesHostNameOnWildcardBinds) {
  EXPECT_EQ(scrape_address("0.0.0.0", "node7", 9100), "node7:9100");
  EXPECT_EQ(scrape_address("", "node7", 9100), "node7:9100");
  EXPECT_EQ(scrape_address("::", "node7", 9100), "node7:9100");
  EXPECT_EQ(scrape_address("127.0.0.1", "node7", 9100), "127.0.0.1:9100");
  EXPECT_EQ(bind_address("::1", 9100), "[::1]:9100");
}

TEST(Endpoint, TcpProbe) {
  MetricsServer server("127.0.0.1", 0, [] { return std::string(); });
  EXPECT_EQ(tcp_probe({"127.0.0.1", server.port()}, 2.0), "");
  const int closed = free_port_pair();
  EXPECT_NE(tcp_probe({"127.0.0.1", closed}, 2.0), "");
  EXPECT_NE(tcp_probe({"no-such-host.invalid", 80}, 2.0), "");
}

TEST(Targets, JsonListsServingRanksWithLabels) {
  const std::string text = targets_json(
      {{"node1:9100", 0, "node1"}, {"", 1, "node1"}, {"node2:9100", 2, "node2"}}, "myjob", "r1");
  const nlohmann::json v = nlohmann::json::parse(text);
  ASSERT_EQ(v.size(), 2u);
  const nlohmann::json& second = v[1];
  EXPECT_EQ(second.at("targets"), nlohmann::json({"node2:9100"}));
  const nlohmann::json& labels = second.at("labels");
  EXPECT_EQ(labels.at("job"), "myjob");
  EXPECT_EQ(labels.at("rank"), "2");
  EXPECT_EQ(labels.at("host"), "node2");
  EXPECT_EQ(labels.at("run"), "r1");
  // One name per run directory, whatever host or process writes it (a requeue replaces it).
  const std::string name = shared_targets_name("my run/1", "/shared/runs/my run/1");
  EXPECT_EQ(name.substr(0, 15), "artic-my_run_1-");
  EXPECT_EQ(name.size(), 15u + 8 + 5) << name;
  EXPECT_EQ(name, shared_targets_name("my run/1", "/shared/runs/my run/1"));
  EXPECT_NE(name, shared_targets_name("my run/1", "/other/runs/my run/1"));
}

TEST(Targets, FilesAreWrittenAndRemovedAtTheEnd) {
  test::TempDir tmp;
  const std::string a = tmp.file("run/prometheus_targets.json");
  const std::string b = tmp.file("shared/targets/x.json");
  {
    TargetFiles files({a, b, "/proc/forbidden/x.json"}, "[]\n");
    EXPECT_EQ(files.paths().size(), 2u);
    EXPECT_TRUE(fs::exists(a));
    EXPECT_TRUE(fs::exists(b));
    EXPECT_FALSE(fs::exists(a + ".tmp"));
    TargetFiles moved = std::move(files);
    EXPECT_TRUE(fs::exists(a));
  }
  EXPECT_FALSE(fs::exists(a));
  EXPECT_FALSE(fs::exists(b));
}

TEST(MetricsServer, ServesMetricsAndRefusesTheRest) {
  int calls = 0;
  MetricsServer server("127.0.0.1", 0, [&] {
    ++calls;
    return std::string("artic_x_total 1\n");
  });
  ASSERT_GT(server.port(), 0);
  const std::string ok = http(server.port(), "GET /metrics HTTP/1.1");
  EXPECT_EQ(ok.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << ok;
  EXPECT_NE(ok.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
  EXPECT_NE(ok.find("Content-Length: 16\r\n"), std::string::npos);
  EXPECT_EQ(ok.substr(ok.size() - 16), "artic_x_total 1\n");
  EXPECT_EQ(http(server.port(), "GET /metrics?x=1 HTTP/1.0").rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_EQ(http(server.port(), "GET / HTTP/1.1").rfind("HTTP/1.1 404", 0), 0u);
  EXPECT_EQ(http(server.port(), "POST /metrics HTTP/1.1").rfind("HTTP/1.1 405", 0), 0u);
  // libmicrohttpd closes a connection whose request line does not parse, with or without a 400.
  const std::string garbage = http(server.port(), "garbage");
  EXPECT_TRUE(garbage.empty() || garbage.rfind("HTTP/1.1 400", 0) == 0) << garbage;
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(http(server.port(), "GET /metrics HTTP/1.1").rfind("HTTP/1.1 200", 0), 0u);
  try {
    MetricsServer second("127.0.0.1", server.port(), [] { return std::string(); });
    ADD_FAILURE() << "bound a port in use";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), EADDRINUSE);
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(server.port())),
              std::string::npos);
  }
}

MonitorConfig monitor_config(int port) {
  MonitorConfig c;
  c.port = port;
  c.bind = "127.0.0.1";
  c.job = "unit";
  return c;
}

RunIdentity identity(int rank) {
  RunIdentity id;
  id.rank = rank;
  id.world_size = 4;
  id.host = "node1";
  id.run_name = "r";
  id.device = "cpu";
  id.model_kind = "transformer";
  id.parameters = 1234;
  return id;
}

TEST(PrometheusSink, ExportsWhatTheLoopReports) {
  const int port = free_port_pair();
  auto sink = make_metrics_sink(monitor_config(port), identity(3));
  ASSERT_EQ(sink->endpoint(), "127.0.0.1:" + std::to_string(port));
  StepRecord s;
  s.epoch = 2;
  s.loss = 0.5;
  s.learning_rate = 1e-3;
  s.grad_norm = 2.5;
  s.real_frames = 900;
  s.padded_frames = 1000;
  s.allreduce_bytes = 4096;
  s.times.forward = 0.02;
  s.times.optimizer = 0.003;
  s.device_memory_bytes = 1 << 20;
  s.device_memory_peak_bytes = 2 << 20;
  sink->step(s);
  sink->step(s);
  StepRecord bad = s;
  bad.bad_step = true;
  bad.loss = NAN;
  sink->step(bad);
  std::string text = http(port, "GET /metrics HTTP/1.1");
  EXPECT_EQ(text.find("artic_val_loss"), std::string::npos) << "no validation yet";
  ValidationRecord v;
  v.loss = 0.25;
  v.best_loss = 0.2;
  v.metrics.articulators = {"T1_x", "LL_y"};
  v.metrics.per_channel = {{1.5, 1.0, 0.9, 3}, {2.5, 2.0, 0.7, 3}};
  v.metrics.mean = {2.0, 1.5, 0.8, 3};
  sink->validation(v);
  text = http(port, "GET /metrics HTTP/1.1");
  const std::string l = "{job=\"unit\",rank=\"3\"";
  for (const std::string& line :
       {"artic_optimizer_steps_total" + l + "} 2", "artic_bad_steps_total" + l + "} 1",
        "artic_frames_total" + l + "} 2700", "artic_padded_frames_total" + l + "} 3000",
        "artic_allreduce_bytes_total" + l + "} 12288", "artic_train_loss" + l + "} 0.5",
        "artic_grad_norm" + l + "} 2.5", "artic_epoch" + l + "} 2", "artic_val_loss" + l + "} 0.25",
        "artic_best_val_loss" + l + "} 0.2", "artic_val_rmse_mm" + l + ",articulator=\"LL_y\"} 2.5",
        "artic_val_pearson_r" + l + ",articulator=\"all\"} 0.8",
        "artic_val_mae_mm" + l + ",articulator=\"T1_x\"} 1",
        "artic_step_seconds_count" + l + ",phase=\"forward\"} 3",
        "artic_step_seconds_count" + l + ",phase=\"optimizer\"} 2",
        "artic_step_seconds_bucket" + l + ",phase=\"forward\",le=\"0.025\"} 3",
        "artic_step_seconds_bucket" + l + ",phase=\"forward\",le=\"0.01\"} 0",
        "artic_device_memory_bytes" + l + ",device=\"cpu\",kind=\"peak\"} 2097152",
        "artic_parameters" + l + "} 1234"}) {
    EXPECT_NE(text.find(line + "\n"), std::string::npos) << line << "\n" << text;
  }
  EXPECT_NE(text.find("artic_run_info{job=\"unit\",rank=\"3\",device=\"cpu\",host=\"node1\","
                      "model=\"transformer\",run=\"r\",world_size=\"4\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("# TYPE artic_step_seconds histogram"), std::string::npos);
}

TEST(PrometheusSink, PortInUseWarnsOrFallsBack) {
  const int port = free_port_pair();
  MetricsServer squatter("127.0.0.1", port, [] { return std::string(); });
  MonitorConfig c = monitor_config(port);
  auto refused = make_metrics_sink(c, identity(0));
  EXPECT_EQ(refused->endpoint(), "");
  c.port_fallback = true;
  auto moved = make_metrics_sink(c, identity(0));
  EXPECT_EQ(moved->endpoint(), "127.0.0.1:" + std::to_string(port + 1));
  EXPECT_NE(http(port + 1, "GET /metrics HTTP/1.1").find("artic_run_info"), std::string::npos);
}

TEST(PrometheusSink, DisabledWithoutPortOrGateway) {
  auto sink = make_metrics_sink(monitor_config(0), identity(0));
  EXPECT_EQ(sink->endpoint(), "");
  sink->step(StepRecord());
  sink->finish();
}

TEST(PrometheusSink, UnreachableGatewayIsOnlyAWarning) {
  MonitorConfig c = monitor_config(0);
  c.pushgateway = "127.0.0.1:" + std::to_string(free_port_pair());
  auto sink = make_metrics_sink(c, identity(0));
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_NO_THROW(sink->finish());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
  c.pushgateway = "no-such-host.invalid:9091";
  EXPECT_NO_THROW(make_metrics_sink(c, identity(0))->finish());
}

}  // namespace
}  // namespace artic
