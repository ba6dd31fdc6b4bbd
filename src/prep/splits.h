// Assigning utterances to train / valid / test: from list files, by speaker, by a seeded ratio
// per speaker, or by MNGU0's rule on the id's last two digits (x0 with x odd = valid, x even =
// test). The same ids and config always give the same splits.
#pragma once

#include <string>
#include <vector>

#include "prep/pairing.h"
#include "prep/prep_config.h"

namespace artic {

struct SplitAssignment {
  std::vector<std::string> split;     // per utterance: train | valid | test | "" (left out)
  std::vector<std::string> left_out;  // "id: why" for each utterance with split ""
  std::vector<std::string> warnings;  // e.g. listed ids with no files
};

// Throws ConfigError for overlapping lists or speakers named in the config that have no
// utterances (listing the speakers there are).
SplitAssignment assign_splits(const PrepConfig& config,
                              const std::vector<UtteranceFiles>& utterances);

}  // namespace artic
