#include "monitor/metrics_server.h"

#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace artic {
namespace {

std::system_error sys_error(const std::string& what, int err) {
  return std::system_error(err, std::generic_category(), what);
}

// The socket is bound here rather than by libmicrohttpd so that a port in use is reported with
// its errno (EADDRINUSE drives monitor.port_fallback).
int listen_socket(const std::string& bind, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  const bool any = bind.empty() || bind == "0.0.0.0";
  std::string host = bind;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (any) hints.ai_family = AF_INET;
  addrinfo* found = nullptr;
  const int rc =
      getaddrinfo(any ? nullptr : host.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (rc != 0) {
    throw std::system_error(EINVAL, std::generic_category(),
                            "cannot resolve " + bind + ": " + gai_strerror(rc));
  }
  int err = EADDRNOTAVAIL;
  int listen_fd = -1;
  for (addrinfo* a = found; a != nullptr && listen_fd < 0; a = a->ai_next) {
    const int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      err = errno;
      continue;
    }
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0 || listen(fd, SOMAXCONN) != 0) {
      err = errno;
      close(fd);
      continue;
    }
    listen_fd = fd;
  }
  freeaddrinfo(found);
  if (listen_fd < 0) throw sys_error("cannot listen on " + bind + ":" + std::to_string(port), err);
  return listen_fd;
}

int bound_port(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port
                                          : reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
}

MHD_Result reply(MHD_Connection* connection, unsigned status, const std::string& type,
                 const std::string& body) {
  MHD_Response* response = MHD_create_response_from_buffer(
      body.size(), const_cast<char*>(body.data()), MHD_RESPMEM_MUST_COPY);
  if (response == nullptr) return MHD_NO;
  MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, type.c_str());
  if (status == MHD_HTTP_METHOD_NOT_ALLOWED) {
    MHD_add_response_header(response, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
  }
  const MHD_Result queued = MHD_queue_response(connection, status, response);
  MHD_destroy_response(response);
  return queued;
}

// Any query string is ignored; a request body (POST ...) is refused before it is read.
MHD_Result answer(void* cls, MHD_Connection* connection, const char* url, const char* method,
                  const char*, const char*, size_t*, void**) {
  const auto* server = static_cast<const MetricsServer*>(cls);
  const bool get = std::strcmp(method, MHD_HTTP_METHOD_GET) == 0;
  const bool head = std::strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
  if (!get && !head) {
    return reply(connection, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", "only GET\n");
  }
  if (std::strcmp(url, "/metrics") != 0) {
    return reply(connection, MHD_HTTP_NOT_FOUND, "text/plain", "artic serves /metrics\n");
  }
  return reply(connection, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
               server->render());
}

}  // namespace

MetricsServer::MetricsServer(const std::string& bind, int port, std::function<std::string()> render,
                             MetricsServerLimits limits)
    : render_(std::move(render)) {
  const int fd = listen_socket(bind, port);
  port_ = bound_port(fd);
  // The internal thread gets the system's default stack size (prometheus-cpp's civetweb exposer
  // could not be used: its 100 KiB stacks are too small beside OpenBLAS's static TLS). poll(), not
  // epoll: with epoll, libmicrohttpd 0.9.75 keeps a client that connects and closes without a
  // request (a port scan) open until the idle timeout, so a burst of them fills every slot.
  daemon_ = MHD_start_daemon(
      MHD_USE_POLL_INTERNAL_THREAD, 0, nullptr, nullptr, &answer, this, MHD_OPTION_LISTEN_SOCKET,
      static_cast<MHD_socket>(fd), MHD_OPTION_CONNECTION_LIMIT, limits.connections,
      MHD_OPTION_CONNECTION_TIMEOUT, limits.idle_timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
      limits.request_bytes, MHD_OPTION_END);
  if (daemon_ == nullptr) {
    close(fd);
    throw sys_error("cannot start the metrics server on " + bind + ":" + std::to_string(port_),
                    EIO);
  }
}

MetricsServer::~MetricsServer() {
  MHD_stop_daemon(daemon_);
}

}  // namespace artic
