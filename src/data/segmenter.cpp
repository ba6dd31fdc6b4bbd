#include "data/segmenter.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"

namespace artic {
namespace {

// Below this spread between noise floor and speech level nothing is called silent.
constexpr double kMinRangeDb = 6.0;

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
  std::vector<Segment> out;
  int64_t pos = 0;
  for (const auto& [start, end] :
       pauses(silent_frames(energy, o.silence_fraction), o.pause_frames)) {
    const int64_t cut = (start + end) / 2;
    if (cut - pos < o.sequence_length || length - cut < o.min_length) continue;
    out.push_back({utt, pos, cut - pos});
    pos = cut;
  }
  out.push_back({utt, pos, length - pos});
  return out;
}

}  // namespace

std::vector<uint8_t> silent_frames(const std::vector<float>& energy, double fraction) {
  std::vector<uint8_t> out(energy.size(), 0);
  if (energy.empty()) return out;
  std::vector<float> sorted = energy;
  std::sort(sorted.begin(), sorted.end());
  auto at = [&](double q) {
    return static_cast<double>(
        sorted[static_cast<size_t>(q * static_cast<double>(sorted.size() - 1))]);
  };
  const double floor = at(0.05), speech = at(0.95);
  if (speech - floor < kMinRangeDb) return out;
  const double threshold = floor + fraction * (speech - floor);
  for (size_t t = 0; t < energy.size(); ++t) out[t] = energy[t] <= threshold ? 1 : 0;
  return out;
}

std::vector<std::pair<int64_t, int64_t>> pauses(const std::vector<uint8_t>& silent,
                                                int64_t min_frames) {
  std::vector<std::pair<int64_t, int64_t>> out;
  const auto n = static_cast<int64_t>(silent.size());
  for (int64_t t = 0; t < n;) {
    if (!silent[static_cast<size_t>(t)]) {
      ++t;
      continue;
    }
    int64_t end = t;
    while (end < n && silent[static_cast<size_t>(end)]) ++end;
    if (end - t >= min_frames) out.emplace_back(t, end);
    t = end;
  }
  return out;
}

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
