// Per-channel mean/std of features and targets over the train split's full utterances.
// Each rank accumulates fp64 sums over its share of utterances; the sums of all ranks are
// added (one all-reduce of `to_flat()`), and every rank finalizes identical statistics.
// Channels with (near-)zero variance get std = 1 and one warning naming them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/corpus.h"

namespace artic {

struct NormalizerSums {
  double frames = 0;
  std::vector<double> feature_sum, feature_sq, target_sum, target_sq;

  NormalizerSums() = default;
  NormalizerSums(int64_t num_features, int64_t num_articulators);
  void add(const float* features, const float* targets, int64_t frames, int64_t num_features,
           int64_t num_articulators);
  // [frames, feature_sum..., feature_sq..., target_sum..., target_sq...]
  std::vector<double> to_flat() const;
  static NormalizerSums from_flat(const std::vector<double>& flat, int64_t num_features,
                                  int64_t num_articulators);
};

struct Normalizer {
  std::vector<std::string> feature_names, articulator_names;
  std::vector<double> feature_mean, feature_std, target_mean, target_std;

  void normalize_features(float* x, int64_t frames) const;
  void normalize_targets(float* y, int64_t frames) const;
  void denormalize_targets(float* y, int64_t frames) const;
};

// Sums over the utterances `indices` of an in-memory corpus.
NormalizerSums accumulate_sums(const Corpus& corpus, const std::vector<size_t>& indices);

// Mean and std (population) from summed statistics. A channel whose std is below
// min_std * max(1, |mean|) gets std 1; those channels are named in one warning.
Normalizer finalize_normalizer(const NormalizerSums& sums, const CorpusMeta& meta,
                               double min_std = 1e-6);

}  // namespace artic
