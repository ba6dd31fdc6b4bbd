#include "data/segmenter.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"

namespace artic {
namespace {

std::vector<Segment> fixed_segments(int64_t utt, int64_t length, const SegmenterOptions& o) {
  std::vector<Segment> out;
  const int64_t step = o.sequence_length - o.sequence_overlap;
  for (int64_t start = 0; start < length; start += step) {
    const int64_t n = std::min(o.sequence_length, length - start);
    if (n >= o.min_length) out.push_back({utt, start, n});
    if (start + n >= length) break;
  }
  return out;
}

std::vector<Segment> silence_segments(int64_t utt, int64_t length, const std::vector<float>& energy,
                                      const SegmenterOptions& o) {
  if (static_cast<int64_t>(energy.size()) != length) {
    throw UserError("split_mode silence needs one energy value per frame");
  }
  const float loudest = *std::max_element(energy.begin(), energy.end());
  const double threshold = loudest + o.silence_threshold_db;
  std::vector<Segment> out;
  int64_t pos = 0;
  while (length - pos > o.sequence_length) {
    int64_t cut = -1;
    for (int64_t lo = pos + o.sequence_length; lo < length && cut < 0; lo += o.silence_search) {
      const int64_t hi = std::min(length, lo + o.silence_search);
      const auto quietest = std::min_element(energy.begin() + lo, energy.begin() + hi);
      if (*quietest <= threshold) cut = quietest - energy.begin();
    }
    if (cut < 0) break;
    out.push_back({utt, pos, cut - pos});
    pos = cut;
  }
  const int64_t rest = length - pos;
  if (!out.empty() && rest < o.min_length) {
    out.back().length += rest;
  } else if (rest >= o.min_length || out.empty()) {
    out.push_back({utt, pos, rest});
  }
  return out;
}

}  // namespace

std::vector<Segment> segment_utterance(int64_t utterance, int64_t length,
                                       const std::vector<float>& energy_db,
                                       const SegmenterOptions& options) {
  switch (options.mode) {
    case SplitMode::Full:
      break;
    case SplitMode::Fixed:
      return fixed_segments(utterance, length, options);
    case SplitMode::Silence:
      return silence_segments(utterance, length, energy_db, options);
  }
  return {{utterance, 0, length}};
}

std::vector<float> frame_energy_db(const float* features, int64_t frames, int64_t num_features) {
  std::vector<float> out(static_cast<size_t>(frames));
  for (int64_t t = 0; t < frames; ++t) {
    const float* row = features + t * num_features;
    const float peak = *std::max_element(row, row + num_features);
    double sum = 0;
    for (int64_t j = 0; j < num_features; ++j) sum += std::exp(static_cast<double>(row[j] - peak));
    out[t] = static_cast<float>(10.0 / std::log(10.0) * (peak + std::log(sum)));
  }
  return out;
}

}  // namespace artic
