// check_feature_options (features.h) without torch, so the prep config loader needs no LibTorch.
#include "prep/features.h"

#include <cmath>

#include "core/error.h"

namespace artic {

void check_feature_options(const FeatureOptions& o, const std::string& origin) {
  const double window = o.window_ms * o.sample_rate / 1000.0;
  if (window < 2 || window > o.n_fft) {
    throw ConfigError(origin + ": features.window_ms (" + std::to_string(o.window_ms) +
                      " ms) does not fit in features.n_fft = " + std::to_string(o.n_fft) +
                      " samples at " + std::to_string(o.sample_rate) +
                      " Hz (or is under 2 samples)");
  }
  if (std::lround(o.hop_ms * o.sample_rate / 1000.0) < 1) {
    throw ConfigError(origin + ": features.hop_ms must be at least one sample");
  }
  const double nyquist = o.sample_rate / 2.0;
  const double fmax = o.fmax_hz > 0 ? o.fmax_hz : nyquist;
  if (fmax > nyquist || o.fmin_hz < 0 || o.fmin_hz >= fmax) {
    throw ConfigError(origin + ": need 0 <= features.fmin_hz < features.fmax_hz <= " +
                      "sample_rate / 2 (fmax_hz = 0 means sample_rate / 2)");
  }
  const int n_mels = o.kind == FeatureKind::Mfcc ? o.mfcc_mels : o.n_mels;
  if (n_mels < 1 || (o.kind == FeatureKind::Mfcc && o.n_mfcc < 1)) {
    throw ConfigError(origin + ": need at least one mel band and one MFCC");
  }
  if (o.kind == FeatureKind::Mfcc && o.n_mfcc > o.mfcc_mels) {
    throw ConfigError(origin + ": features.n_mfcc must not exceed features.mfcc_mels");
  }
}

}  // namespace artic
