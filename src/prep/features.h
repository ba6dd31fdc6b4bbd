// Acoustic features at 100 frames/s from 16 kHz mono audio, with torch::stft: log-mel (HTK mel
// scale, triangular filters without area normalization, natural log of the power with a 1e-10
// floor) and MFCC (orthonormal DCT-II of the log-mel, 13 coefficients + deltas + delta-deltas
// over +-2 frames). Frame i is centred at i * hop (the signal is reflect-padded by n_fft / 2),
// so it lines up with an articulatory track sampled at the same times.
#pragma once

#include <string>
#include <vector>

#include "core/enum_names.h"

namespace artic {

enum class FeatureKind { Logmel, Mfcc };
inline const std::vector<std::string>& names_of(FeatureKind) {
  static const std::vector<std::string> names = {"logmel", "mfcc"};
  return names;
}

struct FeatureOptions {
  FeatureKind kind = FeatureKind::Logmel;
  int sample_rate = 16000;
  double window_ms = 25.0;
  double hop_ms = 10.0;
  int n_fft = 512;
  int n_mels = 80;     // log-mel bands
  int mfcc_mels = 40;  // mel bands under the MFCC DCT
  int n_mfcc = 13;
  double fmin_hz = 0.0;
  double fmax_hz = 0.0;  // 0 = sample_rate / 2
};

struct Features {
  std::vector<float> values;  // row-major [frames, names.size()]
  std::vector<std::string> names;
  int64_t frames = 0;
};

// Throws ConfigError naming `origin` for options that cannot work (window longer than n_fft,
// fmax above Nyquist, more MFCCs than mel bands...).
void check_feature_options(const FeatureOptions& options, const std::string& origin);

// The names of the features `options` computes, in order (logmel_0.., or mfcc_, d_mfcc_, dd_mfcc_).
std::vector<std::string> feature_names(const FeatureOptions& options);

// Throws what check_feature_options throws, and DataError for audio shorter than one window.
Features compute_features(const std::vector<float>& samples, const FeatureOptions& options);

// The mel filterbank [n_mels, n_fft / 2 + 1] (exposed for tests).
std::vector<float> mel_filterbank(int n_mels, int n_fft, int sample_rate, double fmin, double fmax);

}  // namespace artic
