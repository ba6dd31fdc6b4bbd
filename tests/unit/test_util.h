// Helpers shared by tests: scratch directories and running the Python oracle.
#pragma once

#include <string>

namespace artic::test {

// A fresh directory under the system temp dir, removed when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Runs a shell command; returns its exit status and puts stdout+stderr in `output`.
int run_command(const std::string& command, std::string* output = nullptr);

// Runs tests/python/<script> with Debian's python3 and the given arguments; fails the test on
// a non-zero exit (the script's output is in the failure message) and prints it otherwise.
void run_oracle(const std::string& script, const std::string& args);

}  // namespace artic::test
