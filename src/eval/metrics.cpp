#include "eval/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace artic {

MetricAccumulator::MetricAccumulator(std::vector<std::string> articulators)
    : names_(std::move(articulators)),
      sq_(names_.size()),
      abs_(names_.size()),
      r_sum_(names_.size()),
      r_count_(names_.size()) {}

void MetricAccumulator::add_utterance(const float* pred, const float* target, int64_t frames) {
  const size_t na = names_.size();
  const auto n = static_cast<size_t>(frames);
  for (size_t a = 0; a < na; ++a) {
    double mp = 0, mt = 0;
    for (size_t t = 0; t < n; ++t) {
      const double p = pred[t * na + a], y = target[t * na + a];
      const double d = p - y;
      sq_[a] += d * d;
      abs_[a] += std::fabs(d);
      mp += p;
      mt += y;
    }
    if (n < 2) continue;
    mp /= static_cast<double>(n);
    mt /= static_cast<double>(n);
    double spp = 0, stt = 0, spt = 0;
    for (size_t t = 0; t < n; ++t) {
      const double p = pred[t * na + a] - mp, y = target[t * na + a] - mt;
      spp += p * p;
      stt += y * y;
      spt += p * y;
    }
    if (spp > 0 && stt > 0) {
      r_sum_[a] += spt / std::sqrt(spp * stt);
      r_count_[a] += 1;
    }
  }
  utterances_ += 1;
  frames_ += static_cast<double>(frames);
}

std::vector<double> MetricAccumulator::to_flat() const {
  std::vector<double> flat;
  flat.reserve(names_.size() * 4 + 2);
  for (size_t a = 0; a < names_.size(); ++a) {
    flat.insert(flat.end(), {sq_[a], abs_[a], r_sum_[a], r_count_[a]});
  }
  flat.push_back(utterances_);
  flat.push_back(frames_);
  return flat;
}

MetricAccumulator MetricAccumulator::from_flat(std::vector<std::string> articulators,
                                               const std::vector<double>& flat) {
  MetricAccumulator m(std::move(articulators));
  const size_t na = m.names_.size();
  if (flat.size() != na * 4 + 2) {
    throw std::invalid_argument("MetricAccumulator::from_flat: expected " +
                                std::to_string(na * 4 + 2) + " values, got " +
                                std::to_string(flat.size()));
  }
  for (size_t a = 0; a < na; ++a) {
    m.sq_[a] = flat[a * 4];
    m.abs_[a] = flat[a * 4 + 1];
    m.r_sum_[a] = flat[a * 4 + 2];
    m.r_count_[a] = flat[a * 4 + 3];
  }
  m.utterances_ = flat[na * 4];
  m.frames_ = flat[na * 4 + 1];
  return m;
}

EvalMetrics MetricAccumulator::result() const {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EvalMetrics r;
  r.articulators = names_;
  r.utterances = static_cast<int64_t>(utterances_);
  r.frames = static_cast<int64_t>(frames_);
  int64_t fewest = std::numeric_limits<int64_t>::max();
  for (size_t a = 0; a < names_.size(); ++a) {
    ChannelMetrics c;
    c.rmse_mm = frames_ > 0 ? std::sqrt(sq_[a] / frames_) : nan;
    c.mae_mm = frames_ > 0 ? abs_[a] / frames_ : nan;
    c.pearson_r = r_count_[a] > 0 ? r_sum_[a] / r_count_[a] : nan;
    c.r_utterances = static_cast<int64_t>(r_count_[a]);
    fewest = std::min(fewest, c.r_utterances);
    r.mean.rmse_mm += c.rmse_mm;
    r.mean.mae_mm += c.mae_mm;
    r.mean.pearson_r += c.pearson_r;
    r.per_channel.push_back(c);
  }
  const auto na = static_cast<double>(names_.size());
  if (names_.empty()) {
    r.mean = {nan, nan, nan, 0};
  } else {
    r.mean.rmse_mm /= na;
    r.mean.mae_mm /= na;
    r.mean.pearson_r /= na;
    r.mean.r_utterances = fewest;
  }
  return r;
}

}  // namespace artic
