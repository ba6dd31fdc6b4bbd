// "host:port" (or "http://host:port", IPv6 in brackets) as given in configs: the one parser.
#pragma once

#include <string>

namespace artic {

struct HostPort {
  std::string host;  // without brackets
  int port = 0;
};

// Throws ConfigError "`what` must be \"host:port\", got \"text\"" unless text has a host, a port
// in 1..65535 and no path.
HostPort parse_host_port(const std::string& text, const std::string& what);

}  // namespace artic
