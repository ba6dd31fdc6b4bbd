// The data-dependent sizes a model is built for: features in, articulator channels out.
// Torch-free so the trainer can pass it around without the torch headers.
#pragma once

#include <cstdint>

namespace artic {

struct ModelShape {
  int64_t num_features = 0;      // F: acoustic features per frame
  int64_t num_articulators = 0;  // A: articulator channels per frame (mm)
};

}  // namespace artic
