#include "data/normalizer.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/log.h"

namespace artic {
namespace {

void apply(float* x, int64_t frames, const std::vector<double>& mean,
           const std::vector<double>& std_, bool inverse) {
  const size_t c = mean.size();
  for (int64_t t = 0; t < frames; ++t) {
    float* row = x + t * static_cast<int64_t>(c);
    for (size_t j = 0; j < c; ++j) {
      row[j] = inverse ? static_cast<float>(row[j] * std_[j] + mean[j])
                       : static_cast<float>((row[j] - mean[j]) / std_[j]);
    }
  }
}

void finalize_channels(const std::vector<double>& sum, const std::vector<double>& sq, double n,
                       const std::vector<std::string>& names, double min_std,
                       std::vector<double>& mean, std::vector<double>& std_,
                       std::vector<std::string>& flat) {
  mean.resize(sum.size());
  std_.resize(sum.size());
  for (size_t j = 0; j < sum.size(); ++j) {
    mean[j] = sum[j] / n;
    const double var = std::max(0.0, sq[j] / n - mean[j] * mean[j]);
    std_[j] = std::sqrt(var);
    if (!(std_[j] >= min_std * std::max(1.0, std::abs(mean[j])))) {
      std_[j] = 1.0;
      flat.push_back(j < names.size() ? names[j] : std::to_string(j));
    }
  }
}

}  // namespace

NormalizerSums::NormalizerSums(int64_t num_features, int64_t num_articulators)
    : feature_sum(num_features, 0.0),
      feature_sq(num_features, 0.0),
      target_sum(num_articulators, 0.0),
      target_sq(num_articulators, 0.0) {}

void NormalizerSums::add(const float* features, const float* targets, int64_t n, int64_t nf,
                         int64_t na) {
  for (int64_t t = 0; t < n; ++t) {
    for (int64_t j = 0; j < nf; ++j) {
      const double v = features[t * nf + j];
      feature_sum[j] += v;
      feature_sq[j] += v * v;
    }
    for (int64_t j = 0; j < na; ++j) {
      const double v = targets[t * na + j];
      target_sum[j] += v;
      target_sq[j] += v * v;
    }
  }
  frames += static_cast<double>(n);
}

std::vector<double> NormalizerSums::to_flat() const {
  std::vector<double> out{frames};
  for (const auto* v : {&feature_sum, &feature_sq, &target_sum, &target_sq}) {
    out.insert(out.end(), v->begin(), v->end());
  }
  return out;
}

NormalizerSums NormalizerSums::from_flat(const std::vector<double>& flat, int64_t nf, int64_t na) {
  if (static_cast<int64_t>(flat.size()) != 1 + 2 * nf + 2 * na) {
    throw std::invalid_argument("normalizer sums have the wrong size");
  }
  NormalizerSums s(nf, na);
  s.frames = flat[0];
  auto it = flat.begin() + 1;
  for (auto* v : {&s.feature_sum, &s.feature_sq, &s.target_sum, &s.target_sq}) {
    std::copy(it, it + static_cast<int64_t>(v->size()), v->begin());
    it += static_cast<int64_t>(v->size());
  }
  return s;
}

void Normalizer::normalize_features(float* x, int64_t frames) const {
  apply(x, frames, feature_mean, feature_std, false);
}
void Normalizer::normalize_targets(float* y, int64_t frames) const {
  apply(y, frames, target_mean, target_std, false);
}
void Normalizer::denormalize_targets(float* y, int64_t frames) const {
  apply(y, frames, target_mean, target_std, true);
}

NormalizerSums accumulate_sums(const Corpus& corpus, const std::vector<size_t>& indices) {
  NormalizerSums s(corpus.num_features(), corpus.num_articulators());
  for (size_t i : indices) {
    s.add(corpus.features_of(i), corpus.targets_of(i), corpus.utterances.at(i).length,
          corpus.num_features(), corpus.num_articulators());
  }
  return s;
}

Normalizer finalize_normalizer(const NormalizerSums& sums, const CorpusMeta& meta, double min_std) {
  if (!(sums.frames > 0)) {
    throw DataError("normalizer: the train split has no frames to compute statistics from");
  }
  Normalizer n;
  n.feature_names = meta.feature_names;
  n.articulator_names = meta.articulator_names;
  std::vector<std::string> flat;
  finalize_channels(sums.feature_sum, sums.feature_sq, sums.frames, meta.feature_names, min_std,
                    n.feature_mean, n.feature_std, flat);
  finalize_channels(sums.target_sum, sums.target_sq, sums.frames, meta.articulator_names, min_std,
                    n.target_mean, n.target_std, flat);
  if (!flat.empty()) {
    std::string names;
    for (const auto& f : flat) names += (names.empty() ? "" : ", ") + f;
    log_warn("normalizer: zero variance in the train split for channel(s) " + names +
             "; using std = 1 for them (they carry no information)");
  }
  return n;
}

}  // namespace artic
