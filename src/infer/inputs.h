// The recordings `artic invert` is given: audio files, folders searched recursively for the
// analysis's audio extensions, and list files (one path per line; # comments and blank lines
// skipped; relative paths are relative to the current directory).
#pragma once

#include <string>
#include <vector>

namespace artic {

struct InvertInput {
  std::string path;
  std::string name;  // the basename without its extension: the outputs' name
};

// Sorted by path. Throws UserError naming the path: a missing input or list, an unreadable list,
// a folder with no audio file (saying which extensions were looked for), nothing to invert, two
// inputs with the same name (their outputs would collide).
std::vector<InvertInput> collect_inputs(const std::vector<std::string>& paths,
                                        const std::string& list,
                                        const std::vector<std::string>& extensions);

}  // namespace artic
