// Finding a corpus's utterances: audio and track files under a folder, paired by basename, with
// a speaker from the id or folder, optionally restricted to the ids of a list file.
#pragma once

#include <string>
#include <vector>

#include "prep/prep_config.h"

namespace artic {

struct UtteranceFiles {
  std::string id;  // the shared basename, e.g. mngu0_s1_0001
  std::string speaker;
  std::string audio;
  std::string track;
};

struct PairingResult {
  std::vector<UtteranceFiles> utterances;  // sorted by id
  std::vector<std::string> unpaired;       // "id: why" for files that had no partner
};

// Throws DataError when the folder does not exist or holds no audio or no track files, and when
// one id has two audio or two track files (naming both).
PairingResult pair_files(const PrepConfig& config);

// Ids from a list file: one per line; blank lines and '#' comments ignored; a path or a name
// with an extension counts by its basename. Throws ConfigError naming the file and line.
std::vector<std::string> read_id_list(const std::string& path);

// What `speaker_from` gives for this id and file.
std::string speaker_of(const PrepConfig& config, const std::string& id, const std::string& path);

}  // namespace artic
