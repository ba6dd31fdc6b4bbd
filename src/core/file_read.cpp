#include "core/file_read.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace artic {
namespace {

std::string size_text(uint64_t bytes) {
  if (bytes % (1ull << 30) == 0) return std::to_string(bytes >> 30) + " GiB";
  if (bytes % (1ull << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  return std::to_string(bytes) + " bytes";
}

}  // namespace

FileRead read_whole_file(const std::string& path, uint64_t max_bytes) {
  FileRead r;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    r.missing = errno == ENOENT;
    r.error = std::strerror(errno);
    return r;
  }
  struct stat st {};
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    if (static_cast<uint64_t>(st.st_size) > max_bytes) {
      close(fd);
      r.error = "larger than " + size_text(max_bytes);
      return r;
    }
    r.bytes.reserve(static_cast<size_t>(st.st_size));
  }
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      r.error = std::strerror(errno);
      break;
    }
    if (n == 0) break;
    if (r.bytes.size() + static_cast<size_t>(n) > max_bytes) {
      r.error = "larger than " + size_text(max_bytes);
      break;
    }
    r.bytes.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  if (!r.error.empty()) r.bytes.clear();
  return r;
}

}  // namespace artic
