#include "core/log.h"

#include <atomic>
#include <cstdio>
#include <mutex>

namespace artic {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::Info)};
std::atomic<int> g_rank{-1};
std::mutex g_mutex;

void emit(LogLevel level, const char* tag, const std::string& message) {
  if (static_cast<int>(level) < g_level.load()) return;
  std::lock_guard<std::mutex> lock(g_mutex);
  const int rank = g_rank.load();
  if (rank >= 0) {
    std::fprintf(stderr, "[rank %d] %s%s\n", rank, tag, message.c_str());
  } else {
    std::fprintf(stderr, "%s%s\n", tag, message.c_str());
  }
  std::fflush(stderr);
}

}  // namespace

void set_log_level(LogLevel level) {
  g_level = static_cast<int>(level);
}
void set_log_rank(int rank) {
  g_rank = rank;
}
void log_debug(const std::string& message) {
  emit(LogLevel::Debug, "debug: ", message);
}
void log_info(const std::string& message) {
  emit(LogLevel::Info, "", message);
}
void log_warn(const std::string& message) {
  emit(LogLevel::Warn, "warning: ", message);
}
void log_error(const std::string& message) {
  emit(LogLevel::Error, "error: ", message);
}

}  // namespace artic
