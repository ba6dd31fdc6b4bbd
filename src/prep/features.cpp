#include "prep/features.h"

#include <torch/torch.h>

#include <cmath>

#include "core/error.h"

namespace artic {
namespace {

double hz_to_mel(double hz) {
  return 2595.0 * std::log10(1.0 + hz / 700.0);
}
double mel_to_hz(double mel) {
  return 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0);
}

// Regression deltas over +-2 frames (HTK), edges repeated: [T, C] -> [T, C].
torch::Tensor deltas(const torch::Tensor& x) {
  const int64_t t = x.size(0);
  const torch::Tensor padded = torch::cat(
      {x.slice(0, 0, 1).expand({2, x.size(1)}), x, x.slice(0, t - 1, t).expand({2, x.size(1)})});
  torch::Tensor d = torch::zeros_like(x);
  for (int n = 1; n <= 2; ++n) {
    d += n * (padded.slice(0, 2 + n, 2 + n + t) - padded.slice(0, 2 - n, 2 - n + t));
  }
  return d / 10.0;  // 2 * (1^2 + 2^2)
}

}  // namespace

std::vector<float> mel_filterbank(int n_mels, int n_fft, int sample_rate, double fmin,
                                  double fmax) {
  const int bins = n_fft / 2 + 1;
  std::vector<double> edges(static_cast<size_t>(n_mels + 2));
  const double lo = hz_to_mel(fmin), hi = hz_to_mel(fmax);
  for (int m = 0; m < n_mels + 2; ++m) {
    edges[static_cast<size_t>(m)] = mel_to_hz(lo + (hi - lo) * m / (n_mels + 1));
  }
  std::vector<float> fb(static_cast<size_t>(n_mels * bins), 0.0f);
  for (int m = 0; m < n_mels; ++m) {
    const double left = edges[static_cast<size_t>(m)], centre = edges[static_cast<size_t>(m + 1)],
                 right = edges[static_cast<size_t>(m + 2)];
    for (int k = 0; k < bins; ++k) {
      const double f = static_cast<double>(k) * sample_rate / n_fft;
      const double w =
          std::max(0.0, std::min((f - left) / (centre - left), (right - f) / (right - centre)));
      fb[static_cast<size_t>(m * bins + k)] = static_cast<float>(w);
    }
  }
  return fb;
}

std::vector<std::string> feature_names(const FeatureOptions& o) {
  std::vector<std::string> names;
  if (o.kind == FeatureKind::Logmel) {
    for (int m = 0; m < o.n_mels; ++m) names.push_back("logmel_" + std::to_string(m));
    return names;
  }
  for (const char* prefix : {"mfcc_", "d_mfcc_", "dd_mfcc_"}) {
    for (int i = 0; i < o.n_mfcc; ++i) names.push_back(prefix + std::to_string(i));
  }
  return names;
}

Features compute_features(const std::vector<float>& samples, const FeatureOptions& o) {
  check_feature_options(o, "compute_features");
  const int win = static_cast<int>(std::lround(o.window_ms * o.sample_rate / 1000.0));
  const int hop = static_cast<int>(std::lround(o.hop_ms * o.sample_rate / 1000.0));
  const double fmax = o.fmax_hz > 0 ? o.fmax_hz : o.sample_rate / 2.0;
  const int n_mels = o.kind == FeatureKind::Mfcc ? o.mfcc_mels : o.n_mels;
  if (static_cast<int64_t>(samples.size()) <= o.n_fft / 2) {
    throw DataError("audio of " + std::to_string(samples.size()) +
                    " samples is shorter than half an analysis window");
  }
  torch::NoGradGuard no_grad;
  const torch::Tensor x = torch::from_blob(const_cast<float*>(samples.data()),
                                           {static_cast<int64_t>(samples.size())}, torch::kFloat32)
                              .to(torch::kFloat64);
  const torch::Tensor window = torch::hann_window(win, torch::kFloat64);
  const torch::Tensor spec = torch::stft(x, o.n_fft, hop, win, window, /*center=*/true, "reflect",
                                         /*normalized=*/false, /*onesided=*/true,
                                         /*return_complex=*/true);
  const torch::Tensor power = spec.abs().pow(2).transpose(0, 1);  // [frames, bins]
  const std::vector<float> fb = mel_filterbank(n_mels, o.n_fft, o.sample_rate, o.fmin_hz, fmax);
  const torch::Tensor filters =
      torch::from_blob(const_cast<float*>(fb.data()), {n_mels, o.n_fft / 2 + 1}, torch::kFloat32)
          .to(torch::kFloat64);
  const torch::Tensor logmel = torch::log(torch::clamp_min(power.matmul(filters.t()), 1e-10));
  Features f;
  f.names = feature_names(o);
  torch::Tensor out;
  if (o.kind == FeatureKind::Logmel) {
    out = logmel;
  } else {
    // Orthonormal DCT-II: c_k = s_k * sum_n x_n cos(pi k (2n + 1) / (2N)).
    const torch::Tensor n = torch::arange(n_mels, torch::kFloat64);
    const torch::Tensor k = torch::arange(o.n_mfcc, torch::kFloat64).unsqueeze(1);
    torch::Tensor dct =
        torch::cos(M_PI * k * (2 * n + 1) / (2.0 * n_mels)) * std::sqrt(2.0 / n_mels);
    dct[0] /= std::sqrt(2.0);
    const torch::Tensor c = logmel.matmul(dct.t());
    const torch::Tensor d = deltas(c);
    out = torch::cat({c, d, deltas(d)}, 1);
  }
  out = out.to(torch::kFloat32).contiguous();
  f.frames = out.size(0);
  f.values.assign(out.data_ptr<float>(), out.data_ptr<float>() + out.numel());
  return f;
}

}  // namespace artic
