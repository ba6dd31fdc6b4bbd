// Addresses for the metrics server and the push gateway: the listening address, the address
// Prometheus should scrape, and a bounded TCP reachability probe.
#pragma once

#include <string>

#include "core/host_port.h"

namespace artic {

// The civetweb listening address for bind and port ("127.0.0.1:9100", "[::1]:9100").
std::string bind_address(const std::string& bind, int port);

// What a scraper on another machine should use: the host name when bound to every interface
// (0.0.0.0, ::, empty), otherwise the bound address.
std::string scrape_address(const std::string& bind, const std::string& host, int port);

// Empty when a TCP connection to target opens within timeout_seconds; else why not.
std::string tcp_probe(const HostPort& target, double timeout_seconds);

}  // namespace artic
