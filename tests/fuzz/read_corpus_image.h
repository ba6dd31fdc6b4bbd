// Shared by the corpus fuzz targets: reads an HDF5 file image both ways artic reads corpora,
// read_corpus_image (open, read every frame, validate) and the streaming CorpusReader (open,
// read each utterance). DataError is the expected refusal.
#pragma once

#include <string>
#include <vector>

#include "core/error.h"
#include "data/corpus.h"

namespace artic::fuzz {

inline void read_corpus_image_both_ways(const std::string& image) {
  try {
    read_corpus_image(image, "fuzz.h5");
  } catch (const DataError&) {
  }
  try {
    const auto reader = CorpusReader::from_image(image, "fuzz.h5");
    const size_t f = reader->meta().feature_names.size();
    const size_t a = reader->meta().articulator_names.size();
    for (size_t i = 0; i < reader->utterances().size(); ++i) {
      const auto frames = static_cast<size_t>(reader->utterances()[i].length);
      std::vector<float> features(frames * f), targets(frames * a);
      reader->read(i, features.data(), targets.data());
    }
  } catch (const DataError&) {
  }
}

}  // namespace artic::fuzz
