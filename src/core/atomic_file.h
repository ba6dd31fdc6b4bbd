// Replacing a file atomically and durably: PATH.tmp is written and fsync'd, renamed over PATH,
// and the directory fsync'd, so a crash or a full disk leaves either the old or the new PATH.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace artic {

// Writes the pieces one after another. On failure PATH is untouched, PATH.tmp removed, and a
// UserError says "PATH: cannot write <what>: <cause>" (e.g. "No space left on device").
void write_file_atomically(const std::string& path, const std::vector<std::string_view>& pieces,
                           const std::string& what = "file");

}  // namespace artic
