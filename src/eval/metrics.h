// Inversion metrics per articulator channel, in fp64: RMSE and MAE pooled over all frames,
// Pearson r computed per utterance then averaged (the AAI convention; utterances where the
// channel is constant in target or prediction are left out of that channel's r).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace artic {

struct ChannelMetrics {
  double rmse_mm = 0;
  double mae_mm = 0;
  double pearson_r = 0;  // NaN when no utterance had a defined r
  int64_t r_utterances = 0;
};

struct EvalMetrics {
  std::vector<std::string> articulators;
  std::vector<ChannelMetrics> per_channel;
  ChannelMetrics mean;  // unweighted mean over channels; r_utterances = fewest of any channel
  int64_t utterances = 0;
  int64_t frames = 0;
};

// One utterance's metrics per channel (its r_utterances is 0 or 1), on all its frames and on its
// speech frames only; `speech` is empty when speech frames were not measured.
struct UtteranceMetrics {
  std::string id;
  int64_t frames = 0, speech_frames = 0;
  std::vector<ChannelMetrics> all, speech;
};

class MetricAccumulator {
 public:
  explicit MetricAccumulator(std::vector<std::string> articulators);

  // pred and target are [frames, A] row-major, in mm.
  void add_utterance(const float* pred, const float* target, int64_t frames);

  // Sums that add across ranks: per channel {sq, abs, r_sum, r_count}, then {utterances, frames}.
  std::vector<double> to_flat() const;
  static MetricAccumulator from_flat(std::vector<std::string> articulators,
                                     const std::vector<double>& flat);

  EvalMetrics result() const;

 private:
  std::vector<std::string> names_;
  std::vector<double> sq_, abs_, r_sum_, r_count_;
  double utterances_ = 0;
  double frames_ = 0;
};

}  // namespace artic
