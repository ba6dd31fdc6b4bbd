#include "eval/report.h"

#include <algorithm>
#include <cstdio>

namespace artic {
namespace {

json::Value channel_json(const ChannelMetrics& c) {
  json::Value v = json::Value::object();
  v.set("rmse_mm", c.rmse_mm);
  v.set("mae_mm", c.mae_mm);
  v.set("pearson_r", c.pearson_r);
  v.set("r_utterances", c.r_utterances);
  return v;
}

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

json::Value metrics_to_json(const EvalMetrics& m) {
  json::Value v = json::Value::object();
  json::Value mean = json::Value::object();
  mean.set("rmse_mm", m.mean.rmse_mm);
  mean.set("mae_mm", m.mean.mae_mm);
  mean.set("pearson_r", m.mean.pearson_r);
  v.set("mean", mean);
  json::Value per = json::Value::object();
  for (size_t a = 0; a < m.articulators.size(); ++a) {
    per.set(m.articulators[a], channel_json(m.per_channel[a]));
  }
  v.set("articulators", per);
  return v;
}

json::Value eval_json(const EvalMetrics& m, const std::string& split) {
  json::Value v = json::Value::object();
  v.set("split", split);
  v.set("utterances", m.utterances);
  v.set("frames", m.frames);
  const json::Value metrics = metrics_to_json(m);
  for (const auto& [key, value] : metrics.members()) v.set(key, value);
  return v;
}

}  // namespace artic
