#include "prep/import_utterance.h"

#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "prep/audio.h"
#include "prep/est_track.h"
#include "prep/features.h"
#include "prep/track_processing.h"

namespace artic {
namespace {

std::string seconds(double s) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f s", s);
  return text;
}

void import_into(const PrepConfig& c, const UtteranceFiles& files, ImportedUtterance& out) {
  // The track first: it is what most often skips an utterance, and it is cheap to read.
  const EstTrack file = read_est_track(files.track);
  if (file.frames() < 2) throw DataError(files.track + ": the track has fewer than two frames");
  EstTrack track = select_channels(file, c.channels, files.track);
  out.track_rate_hz = track.frame_rate();
  if (!(out.track_rate_hz > 0)) {
    throw DataError(files.track + ": the frame times do not increase");
  }
  const auto max_gap = static_cast<int64_t>(std::floor(c.max_gap_ms / 1000.0 * out.track_rate_hz));
  const GapReport gaps = fill_gaps(track, max_gap);
  if (!gaps.too_long.empty()) {
    out.skipped = files.track + ": " + gaps.too_long +
                  " (tracks.max_gap_ms = " + std::to_string(static_cast<int64_t>(c.max_gap_ms)) +
                  " fills shorter gaps)";
    return;
  }
  out.gap_samples_filled = gaps.filled;
  for (float& v : track.values) v = static_cast<float>(v * c.scale);
  if (c.lowpass_hz > 0 && c.lowpass_hz < out.track_rate_hz / 2) {
    lowpass_zero_phase(track.values, track.channels(), out.track_rate_hz, c.lowpass_hz);
  }
  const Audio raw = read_audio(files.audio);
  const Audio audio = resample(raw, c.features.sample_rate);
  out.audio_seconds = static_cast<double>(raw.samples.size()) / raw.sample_rate;
  out.audio_rate_hz = raw.sample_rate;
  Features feats = compute_features(audio.samples, c.features);

  const double frame_rate = 1000.0 / c.features.hop_ms;
  int64_t track_frames = 0;
  std::vector<float> targets =
      resample_track(track.values, track.channels(), track.times, frame_rate, &track_frames);
  out.track_seconds = track.times.back() + 1.0 / out.track_rate_hz;
  const double diff = std::abs(out.audio_seconds - out.track_seconds);
  if (diff * 1000.0 > c.length_tolerance_ms) {
    out.warnings.push_back(files.id + ": audio " + seconds(out.audio_seconds) + " and track " +
                           seconds(out.track_seconds) + " differ by " + seconds(diff) +
                           " (tracks.length_tolerance_ms); trimmed to the shorter");
  }
  const int64_t frames = std::min(feats.frames, track_frames);
  if (frames < 1) {
    out.skipped = files.id + ": no frame where audio and track overlap";
    return;
  }
  const int64_t f_dim = static_cast<int64_t>(feats.names.size());
  const int64_t a_dim = track.channels();
  feats.values.resize(static_cast<size_t>(frames * f_dim));
  targets.resize(static_cast<size_t>(frames * a_dim));
  for (int64_t i = 0; i < frames * a_dim; ++i) {
    if (!std::isfinite(targets[static_cast<size_t>(i)])) {
      out.skipped = files.track + ": channel " +
                    track.channel_names[static_cast<size_t>(i % a_dim)] +
                    " is not finite at frame " + std::to_string(i / a_dim) + " after processing";
      return;
    }
  }
  out.feature_names = std::move(feats.names);
  out.features = std::move(feats.values);
  out.targets = std::move(targets);
  out.frames = frames;
}

}  // namespace

ImportedUtterance import_utterance(const PrepConfig& c, const UtteranceFiles& files) {
  ImportedUtterance out;
  try {
    import_into(c, files, out);
  } catch (const DataError& e) {
    const std::string what = e.what();
    out = ImportedUtterance{};
    out.skipped = what.find(files.id) == std::string::npos ? files.id + ": " + what : what;
  }
  return out;
}

}  // namespace artic
