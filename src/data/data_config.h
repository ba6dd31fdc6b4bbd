// The [data] section (docs/training.md): the corpus, how its utterances are cut into training
// segments, and how frames are held and normalized.
#pragma once

#include <string>

#include "data/segmenter.h"

namespace artic {

struct DataConfig {
  std::string corpus = "data/synth.h5";
  SegmenterOptions segments;
  bool in_memory = true;
  bool normalize_targets = true;
};

}  // namespace artic
