// Minimal leveled logging to stderr, prefixed with the rank once distributed.
#pragma once

#include <string>

namespace artic {

enum class LogLevel { Debug = 0, Info = 1, Warn = 2, Error = 3 };

void set_log_level(LogLevel level);
// Prefix every line with "[rank R] " (set by the distributed runtime; -1 = no prefix).
void set_log_rank(int rank);
void log_debug(const std::string& message);
void log_info(const std::string& message);
void log_warn(const std::string& message);
void log_error(const std::string& message);

}  // namespace artic
