// Error types that map to the CLI's exit codes: UserError (bad usage, config or data) -> 2,
// anything else -> 1. Messages are one clear sentence naming the file, key or item at fault.
#pragma once

#include <stdexcept>
#include <string>

namespace artic {

// A problem the user can fix: bad command line, config, or input data.
class UserError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ConfigError : public UserError {
 public:
  using UserError::UserError;
};

class DataError : public UserError {
 public:
  using UserError::UserError;
};

// Thrown to end the program with a specific exit code after cleanup (caught in main).
struct ExitRequest {
  int code;
};

constexpr int kExitOk = 0;
constexpr int kExitInternal = 1;
constexpr int kExitUser = 2;

}  // namespace artic
