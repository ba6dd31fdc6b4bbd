// Windowed inference (docs/training.md, artic eval --window): an utterance predicted in
// overlapping windows joined by a tapered overlap-add, so a model trained on chunks can be
// scored the way it was trained. Windows are `window` frames apart by window - overlap, the last
// one ending at the utterance's end; each window's weight ramps linearly over the overlap at a
// side that meets another window (weights (k + 1) / (overlap + 1)), and every frame's weights are
// normalized to sum to 1.
#pragma once

#include <cstdint>
#include <vector>

namespace artic {

struct Window {
  int64_t start = 0, length = 0;
};

// One window when window >= length. Throws std::invalid_argument unless 0 <= overlap < window.
std::vector<Window> windows_of(int64_t length, int64_t window, int64_t overlap);

// Per window, its frames' weights (raw taper; see overlap_weights for the normalized ones).
std::vector<std::vector<double>> taper_weights(const std::vector<Window>& windows, int64_t overlap);

// The taper normalized per frame over the windows covering it (each frame's weights sum to 1).
std::vector<std::vector<double>> overlap_weights(const std::vector<Window>& windows, int64_t length,
                                                 int64_t overlap);

}  // namespace artic
