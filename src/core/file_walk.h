// Finding input files: every regular file under a folder with one of some extensions, as
// `artic prep` and `artic invert` look for recordings and tracks.
#pragma once

#include <string>
#include <vector>

namespace artic {

// ASCII lower case ("WAV" -> "wav"): extensions compare case-insensitively.
std::string lowercase(std::string text);

// Regular files under `dir`, recursively (symlinked folders followed, unreadable ones skipped),
// whose extension is one of `extensions` (".wav", any case), in the order the walk meets them.
// Throws DataError naming `dir` when it cannot be read.
std::vector<std::string> find_files(const std::string& dir,
                                    const std::vector<std::string>& extensions);

}  // namespace artic
