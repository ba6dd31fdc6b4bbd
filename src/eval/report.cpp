#include "eval/report.h"

#include <algorithm>
#include <cstdio>

namespace artic {
namespace {

std::string row(const std::string& name, size_t width, const ChannelMetrics& c) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "%-*s  %9.3f  %8.3f  %9.3f\n", static_cast<int>(width),
                name.c_str(), c.rmse_mm, c.mae_mm, c.pearson_r);
  return buf;
}

}  // namespace

std::string metrics_table(const EvalMetrics& m) {
  size_t width = 11;
  for (const auto& n : m.articulators) width = std::max(width, n.size());
  char head[160];
  std::snprintf(head, sizeof head, "%-*s  %9s  %8s  %9s\n", static_cast<int>(width), "articulator",
                "RMSE (mm)", "MAE (mm)", "Pearson r");
  std::string out = head;
  out += std::string(width + 34, '-') + "\n";
  for (size_t a = 0; a < m.articulators.size(); ++a) {
    out += row(m.articulators[a], width, m.per_channel[a]);
  }
  out += std::string(width + 34, '-') + "\n";
  out += row("mean", width, m.mean);
  return out;
}

std::string speech_line(const EvalMetrics& speech, int64_t all_frames) {
  char line[256];
  std::snprintf(line, sizeof line,
                "speech frames only (not silent; %lld of %lld frames): RMSE %.3f mm, MAE %.3f mm, "
                "r %.3f\n",
                static_cast<long long>(speech.frames), static_cast<long long>(all_frames),
                speech.mean.rmse_mm, speech.mean.mae_mm, speech.mean.pearson_r);
  return line;
}

}  // namespace artic
