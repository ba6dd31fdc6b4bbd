// A whole file into memory, for the readers of outside input (configs, sweeps, tracks, run
// records, weights, checkpoints): read errors are reported, not taken for the end of the file,
// and a file (or pipe) larger than max_bytes is refused instead of filling the memory.
#pragma once

#include <cstdint>
#include <string>

namespace artic {

struct FileRead {
  std::string bytes;
  std::string error;     // empty: the whole file is in `bytes`; else why not ("Is a directory")
  bool missing = false;  // the path does not exist
};

FileRead read_whole_file(const std::string& path, uint64_t max_bytes);

}  // namespace artic
