#include "prep/track_processing.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/suggest.h"

namespace artic {

GapReport fill_gaps(EstTrack& t, int64_t max_gap) {
  GapReport r;
  const int64_t n = t.frames(), c = t.channels();
  auto ok = [&](int64_t f, int64_t ch) {
    return t.valid[static_cast<size_t>(f)] &&
           std::isfinite(t.values[static_cast<size_t>(f * c + ch)]);
  };
  std::vector<float> filled = t.values;
  for (int64_t ch = 0; ch < c; ++ch) {
    int64_t f = 0;
    bool any = false;
    for (int64_t i = 0; i < n; ++i) any = any || ok(i, ch);
    if (!any) {
      r.too_long = "channel " + t.channel_names[static_cast<size_t>(ch)] + " has no valid sample";
      return r;
    }
    while (f < n) {
      if (ok(f, ch)) {
        ++f;
        continue;
      }
      const int64_t start = f;
      while (f < n && !ok(f, ch)) ++f;
      const int64_t len = f - start;
      r.longest = std::max(r.longest, len);
      if (len > max_gap) {
        char text[160];
        std::snprintf(text, sizeof text, "a gap of %lld frames in channel %s at %.3f s",
                      static_cast<long long>(len), t.channel_names[static_cast<size_t>(ch)].c_str(),
                      t.times[static_cast<size_t>(start)]);
        r.too_long = text;
        return r;
      }
      const bool has_left = start > 0, has_right = f < n;
      const float left = has_left ? t.values[static_cast<size_t>((start - 1) * c + ch)] : 0;
      const float right = has_right ? t.values[static_cast<size_t>(f * c + ch)] : 0;
      for (int64_t i = start; i < f; ++i) {
        float v;
        if (has_left && has_right) {
          const double a = static_cast<double>(i - start + 1) / static_cast<double>(len + 1);
          v = static_cast<float>(left + a * (right - left));
        } else {
          v = has_left ? left : right;
        }
        filled[static_cast<size_t>(i * c + ch)] = v;
        ++r.filled;
      }
    }
  }
  t.values = std::move(filled);
  std::fill(t.valid.begin(), t.valid.end(), 1);
  return r;
}

EstTrack select_channels(const EstTrack& t,
                         const std::vector<std::pair<std::string, std::string>>& mapping,
                         const std::string& origin) {
  std::vector<int64_t> index;
  for (const auto& [source, target] : mapping) {
    const auto it = std::find(t.channel_names.begin(), t.channel_names.end(), source);
    if (it == t.channel_names.end()) {
      const std::string near = nearest_match(source, t.channel_names);
      throw DataError(origin + ": no channel '" + source + "' (for " + target + ")" +
                      (near.empty() ? "" : "; did you mean '" + near + "'?") + " The file has " +
                      std::to_string(t.channels()) + " channels");
    }
    index.push_back(it - t.channel_names.begin());
  }
  const int64_t n = t.frames(), c = t.channels(), a = static_cast<int64_t>(index.size());
  EstTrack out;
  for (const auto& m : mapping) out.channel_names.push_back(m.second);
  out.times = t.times;
  out.valid = t.valid;
  out.values.resize(static_cast<size_t>(n * a));
  for (int64_t f = 0; f < n; ++f) {
    for (int64_t k = 0; k < a; ++k) {
      out.values[static_cast<size_t>(f * a + k)] =
          t.values[static_cast<size_t>(f * c + index[static_cast<size_t>(k)])];
    }
  }
  return out;
}

namespace {

struct Biquad {
  double b0, b1, b2, a1, a2;
};

// RBJ low-pass biquad at cutoff with quality q (bilinear transform, prewarped).
Biquad lowpass_biquad(double rate, double cutoff, double q) {
  const double w = 2 * M_PI * cutoff / rate;
  const double alpha = std::sin(w) / (2 * q), cw = std::cos(w);
  const double a0 = 1 + alpha;
  return {(1 - cw) / 2 / a0, (1 - cw) / a0, (1 - cw) / 2 / a0, -2 * cw / a0, (1 - alpha) / a0};
}

void run(std::vector<double>& x, const Biquad& f) {
  if (x.empty()) return;
  // Direct form II transposed, started in the steady state of the first sample.
  const double x0 = x[0];
  const double y0 = x0 * (f.b0 + f.b1 + f.b2) / (1 + f.a1 + f.a2);
  double z2 = f.b2 * x0 - f.a2 * y0;
  double z1 = f.b1 * x0 - f.a1 * y0 + z2;
  for (double& v : x) {
    const double in = v;
    const double out = f.b0 * in + z1;
    z1 = f.b1 * in - f.a1 * out + z2;
    z2 = f.b2 * in - f.a2 * out;
    v = out;
  }
}

}  // namespace

void lowpass_zero_phase(std::vector<float>& values, int64_t channels, double rate, double cutoff) {
  if (cutoff <= 0 || cutoff >= rate / 2 || channels <= 0) return;
  const int64_t n = static_cast<int64_t>(values.size()) / channels;
  if (n < 2) return;
  const Biquad s1 = lowpass_biquad(rate, cutoff, 0.54119610);
  const Biquad s2 = lowpass_biquad(rate, cutoff, 1.30656296);
  const int64_t pad = std::min<int64_t>(n - 1, static_cast<int64_t>(3 * rate / cutoff));
  for (int64_t ch = 0; ch < channels; ++ch) {
    // Odd reflection about the end samples keeps the level and slope at the edges.
    std::vector<double> x;
    const auto at = [&](int64_t f) {
      return static_cast<double>(values[static_cast<size_t>(f * channels + ch)]);
    };
    for (int64_t i = pad; i >= 1; --i) x.push_back(2 * at(0) - at(i));
    for (int64_t i = 0; i < n; ++i) x.push_back(at(i));
    for (int64_t i = 1; i <= pad; ++i) x.push_back(2 * at(n - 1) - at(n - 1 - i));
    run(x, s1);
    run(x, s2);
    std::reverse(x.begin(), x.end());
    run(x, s1);
    run(x, s2);
    std::reverse(x.begin(), x.end());
    for (int64_t i = 0; i < n; ++i) {
      values[static_cast<size_t>(i * channels + ch)] =
          static_cast<float>(x[static_cast<size_t>(pad + i)]);
    }
  }
}

std::vector<float> resample_track(const std::vector<float>& values, int64_t channels,
                                  const std::vector<double>& times, double rate,
                                  int64_t* frames_out) {
  const int64_t n = static_cast<int64_t>(times.size());
  const int64_t out_n =
      n == 0 ? 0 : static_cast<int64_t>(std::floor(times.back() * rate + 1e-9)) + 1;
  std::vector<float> out(static_cast<size_t>(out_n * channels));
  int64_t j = 0;
  for (int64_t k = 0; k < out_n; ++k) {
    const double t = static_cast<double>(k) / rate;
    while (j + 1 < n && times[static_cast<size_t>(j + 1)] <= t) ++j;
    const int64_t j1 = std::min(j + 1, n - 1);
    const double t0 = times[static_cast<size_t>(j)], t1 = times[static_cast<size_t>(j1)];
    const double a = (j1 == j || t <= t0) ? 0.0 : std::min(1.0, (t - t0) / (t1 - t0));
    for (int64_t ch = 0; ch < channels; ++ch) {
      const double v0 = values[static_cast<size_t>(j * channels + ch)];
      const double v1 = values[static_cast<size_t>(j1 * channels + ch)];
      out[static_cast<size_t>(k * channels + ch)] = static_cast<float>(v0 + a * (v1 - v0));
    }
  }
  *frames_out = out_n;
  return out;
}

}  // namespace artic
