#include "core/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "core/error.h"

namespace artic {
namespace {

void write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::system_error(errno, std::generic_category());
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

void fsync_directory(const std::filesystem::path& dir) {
  const int fd = open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  fsync(fd);
  close(fd);
}

}  // namespace

void write_file_atomically(const std::string& path, const std::vector<std::string_view>& pieces,
                           const std::string& what) {
  const std::string tmp = path + ".tmp";
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw UserError(path + ": cannot write " + what + ": " + std::strerror(errno) + " (creating " +
                    tmp + ")");
  }
  bool closed = false;
  try {
    for (const auto& p : pieces) write_all(fd, p);
    if (fsync(fd) != 0) throw std::system_error(errno, std::generic_category());
    closed = true;
    if (close(fd) != 0) throw std::system_error(errno, std::generic_category());
  } catch (const std::system_error& e) {
    if (!closed) close(fd);
    unlink(tmp.c_str());
    throw UserError(path + ": cannot write " + what + ": " + e.code().message());
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    unlink(tmp.c_str());
    throw UserError(path + ": cannot move the new " + what + " into place: " + std::strerror(err));
  }
  fsync_directory(std::filesystem::path(path).parent_path());
}

}  // namespace artic
