#include "core/host_port.h"

#include "core/error.h"

namespace artic {

HostPort parse_host_port(const std::string& text, const std::string& what) {
  const std::string s = text.rfind("http://", 0) == 0 ? text.substr(7) : text;
  const size_t colon = s.rfind(':');
  HostPort hp;
  if (colon != std::string::npos && colon > 0 && colon + 1 < s.size() &&
      s.find_first_not_of("0123456789", colon + 1) == std::string::npos &&
      s.size() - colon - 1 <= 5 && s.find('/') == std::string::npos) {
    hp.host = s.substr(0, colon);
    hp.port = std::stoi(s.substr(colon + 1));
  }
  if (hp.host.size() > 2 && hp.host.front() == '[' && hp.host.back() == ']') {
    hp.host = hp.host.substr(1, hp.host.size() - 2);
  }
  if (hp.host.empty() || hp.port < 1 || hp.port > 65535) {
    throw ConfigError(what + " must be \"host:port\", got \"" + text + "\"");
  }
  return hp;
}

}  // namespace artic
