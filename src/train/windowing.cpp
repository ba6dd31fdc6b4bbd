#include "train/windowing.h"

#include <algorithm>
#include <stdexcept>

namespace artic {

std::vector<Window> windows_of(int64_t length, int64_t window, int64_t overlap) {
  if (window < 1 || overlap < 0 || overlap >= window) {
    throw std::invalid_argument("windowed inference needs 0 <= overlap < window, got window " +
                                std::to_string(window) + ", overlap " + std::to_string(overlap));
  }
  if (length <= window) return {{0, length}};
  std::vector<Window> out;
  const int64_t hop = window - overlap;
  for (int64_t start = 0;; start += hop) {
    if (start + window >= length) {
      out.push_back({length - window, window});
      break;
    }
    out.push_back({start, window});
  }
  return out;
}

std::vector<std::vector<double>> taper_weights(const std::vector<Window>& windows,
                                               int64_t overlap) {
  std::vector<std::vector<double>> out;
  for (size_t w = 0; w < windows.size(); ++w) {
    std::vector<double> weights(static_cast<size_t>(windows[w].length), 1.0);
    const int64_t ramp = std::min(overlap, windows[w].length);
    for (int64_t k = 0; k < ramp; ++k) {
      const double up = static_cast<double>(k + 1) / static_cast<double>(overlap + 1);
      if (w > 0) weights[static_cast<size_t>(k)] = up;
      if (w + 1 < windows.size()) {
        auto& last = weights[static_cast<size_t>(windows[w].length - 1 - k)];
        last = std::min(last, up);
      }
    }
    out.push_back(std::move(weights));
  }
  return out;
}

std::vector<std::vector<double>> overlap_weights(const std::vector<Window>& windows, int64_t length,
                                                 int64_t overlap) {
  std::vector<std::vector<double>> weights = taper_weights(windows, overlap);
  std::vector<double> total(static_cast<size_t>(length), 0.0);
  for (size_t w = 0; w < windows.size(); ++w) {
    for (int64_t k = 0; k < windows[w].length; ++k) {
      total[static_cast<size_t>(windows[w].start + k)] += weights[w][static_cast<size_t>(k)];
    }
  }
  for (size_t w = 0; w < windows.size(); ++w) {
    for (int64_t k = 0; k < windows[w].length; ++k) {
      weights[w][static_cast<size_t>(k)] /= total[static_cast<size_t>(windows[w].start + k)];
    }
  }
  return weights;
}

}  // namespace artic
