#include "test_util.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

namespace artic::test {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "artic-test-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

int run_command(const std::string& command, std::string* output) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return -1;
  std::array<char, 4096> buf;
  std::string text;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) text.append(buf.data(), n);
  const int status = pclose(pipe);
  if (output) *output = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void run_oracle(const std::string& script, const std::string& args) {
  std::string output;
  const int rc = run_command(std::string(ARTIC_ORACLE_PYTHON) + " " + ARTIC_SOURCE_DIR +
                                 "/tests/python/" + script + " " + args,
                             &output);
  ASSERT_EQ(rc, 0) << script << " " << args << " failed:\n" << output;
  std::printf("%s: %s", script.c_str(), output.c_str());  // the measured differences, for the log
}

}  // namespace artic::test
