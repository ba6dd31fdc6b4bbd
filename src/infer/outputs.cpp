#include "infer/outputs.h"

#include <cstdio>
#include <filesystem>
#include <string_view>

#include "core/atomic_file.h"
#include "prep/est_track.h"

namespace artic {

namespace fs = std::filesystem;

int64_t Trajectories::frames() const {
  return channels.empty() ? 0 : static_cast<int64_t>(mm.size() / channels.size());
}

std::string output_path(const std::string& dir, OutputFormat format, const std::string& name) {
  switch (format) {
    case OutputFormat::Est:
      return (fs::path(dir) / (name + ".ema")).string();
    case OutputFormat::Csv:
      return (fs::path(dir) / (name + ".csv")).string();
    case OutputFormat::H5:
      break;
  }
  return (fs::path(dir) / "predictions.h5").string();
}

void write_est(const std::string& path, const Trajectories& t) {
  EstTrack track;
  track.channel_names = t.channels;
  for (int64_t f = 0; f < t.frames(); ++f) {
    track.times.push_back(static_cast<double>(f) / t.frame_rate_hz);
  }
  track.valid.assign(static_cast<size_t>(t.frames()), 1);
  track.values = t.mm;
  write_file_atomically(path, {format_est_track(track, EstEncoding::BinaryLittleEndian)},
                        "EST track file");
}

void write_csv(const std::string& path, const Trajectories& t) {
  std::string out = "time_s";
  for (const auto& c : t.channels) out += "," + c;
  out += "\n";
  char buf[64];
  const size_t na = t.channels.size();
  for (int64_t f = 0; f < t.frames(); ++f) {
    std::snprintf(buf, sizeof buf, "%.10g", static_cast<double>(f) / t.frame_rate_hz);
    out += buf;
    for (size_t c = 0; c < na; ++c) {
      // 9 significant digits: a float32 reads back exactly.
      std::snprintf(buf, sizeof buf, ",%.9g", t.mm[static_cast<size_t>(f) * na + c]);
      out += buf;
    }
    out += "\n";
  }
  write_file_atomically(path, {out}, "CSV file");
}

Corpus predictions_layout(const std::vector<Trajectories>& tracks,
                          const std::vector<std::vector<float>>& features, const CorpusMeta& meta) {
  Corpus out;
  out.meta = meta;
  for (size_t k = 0; k < tracks.size(); ++k) {
    UtteranceInfo u;
    u.id = tracks[k].name;
    u.speaker = "unknown";
    u.split = "test";
    u.length = tracks[k].frames();
    append_utterance(out, u, features[k].data(), tracks[k].mm.data());
  }
  return out;
}

}  // namespace artic
