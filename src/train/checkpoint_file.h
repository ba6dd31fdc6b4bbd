// The checkpoint container: named byte sections, each under an XXH64 checksum, behind a header
// that has a checksum of its own, so that every byte a resume reads is verified before it is used.
// Written atomically and durably (core/atomic_file.h). No torch here.
#pragma once

#include <cstdint>
#include <string>
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

// Every section, verified. Throws UserError when the file is missing or unreadable and
// CheckpointDamaged when any byte of it fails its check.
std::vector<CheckpointSection> read_checkpoint_file(const std::string& path);

// The section table, after verifying the header only.
std::vector<SectionExtent> checkpoint_file_sections(const std::string& path);

}  // namespace artic
