#include "monitor/endpoint.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace artic {

namespace {
bool is_ipv6(const std::string& host) {
  return host.find(':') != std::string::npos;
}
bool is_wildcard(const std::string& bind) {
  return bind.empty() || bind == "0.0.0.0" || bind == "::" || bind == "[::]";
}
}  // namespace

std::string bind_address(const std::string& bind, int port) {
  if (bind.empty()) return std::to_string(port);
  if (is_ipv6(bind) && bind.front() != '[') return "[" + bind + "]:" + std::to_string(port);
  return bind + ":" + std::to_string(port);
}

std::string scrape_address(const std::string& bind, const std::string& host, int port) {
  return bind_address(is_wildcard(bind) ? host : bind, port);
}

std::string tcp_probe(const HostPort& target, double timeout_seconds) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc =
      getaddrinfo(target.host.c_str(), std::to_string(target.port).c_str(), &hints, &found);
  if (rc != 0) return "cannot resolve " + target.host + ": " + gai_strerror(rc);
  std::string why = "no address";
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) {
      why = std::strerror(errno);
      continue;
    }
    int err = connect(fd, a->ai_addr, a->ai_addrlen) == 0 ? 0 : errno;
    if (err == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      const int ready = poll(&p, 1, static_cast<int>(timeout_seconds * 1000));
      if (ready == 0) {
        err = ETIMEDOUT;
      } else {
        socklen_t len = sizeof(err);
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      }
    }
    close(fd);
    if (err == 0) {
      freeaddrinfo(found);
      return {};
    }
    why = std::strerror(err);
  }
  freeaddrinfo(found);
  return why;
}

}  // namespace artic
