// Addresses for the metrics server and the push gateway: parsing "host:port", the address
// Prometheus should scrape, and a bounded TCP reachability probe.
#pragma once

#include <string>

namespace artic {

struct HostPort {
  std::string host;
  int port = 0;
};

// "host:port" or "http://host:port"; throws ConfigError naming `what` otherwise.
HostPort parse_host_port(const std::string& text, const std::string& what);

// The civetweb listening address for bind and port ("127.0.0.1:9100", "[::1]:9100").
std::string bind_address(const std::string& bind, int port);

// What a scraper on another machine should use: the host name when bound to every interface
// (0.0.0.0, ::, empty), otherwise the bound address.
std::string scrape_address(const std::string& bind, const std::string& host, int port);

// Empty when a TCP connection to target opens within timeout_seconds; else why not.
std::string tcp_probe(const HostPort& target, double timeout_seconds);

}  // namespace artic
