// The checkpoint container: named byte sections, each under an XXH64 checksum, behind a header
// that has a checksum of its own, so that every byte a resume reads is verified before it is used.
// Written atomically and durably (core/atomic_file.h). No torch here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace artic {

struct CheckpointSection {
  std::string name;
  std::string bytes;
};

// Where a section's bytes lie in the file (for inspection and for the tests that damage them).
struct SectionExtent {
  std::string name;
  uint64_t offset = 0;
  uint64_t size = 0;
};

// A file that is not a complete, intact checkpoint: the message names the file and the part
// that is damaged (header, a section, or the length).
class CheckpointDamaged : public UserError {
 public:
  using UserError::UserError;
};

// Throws UserError when the file cannot be written (full disk, read-only directory); PATH is then
// untouched and PATH.tmp removed.
void write_checkpoint_file(const std::string& path, const std::vector<CheckpointSection>& sections);

// A whole checkpoint file in memory, every section verified; sections are views into `data`.
struct CheckpointContents {
  std::string data;
  std::vector<SectionExtent> sections;
  // The bytes of the named section; CheckpointDamaged naming `path` when there is none.
  std::string_view bytes(const std::string& name, const std::string& path) const;
};

// Reads the file once. Throws UserError when it is missing or unreadable and CheckpointDamaged
// when any byte of it fails its check.
CheckpointContents read_checkpoint_file(const std::string& path);

// The section table, after verifying the header only.
std::vector<SectionExtent> checkpoint_file_sections(const std::string& path);

}  // namespace artic
