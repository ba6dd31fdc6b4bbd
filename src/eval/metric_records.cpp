#include <cmath>
#include <nlohmann/json.hpp>

#include "eval/record_fields.h"
#include "eval/run_records.h"

namespace artic {
namespace {

using namespace record_fields;

Json channel_json(const ChannelMetrics& c, bool with_count) {
  Json v = {
      {"rmse_mm", num(c.rmse_mm)}, {"mae_mm", num(c.mae_mm)}, {"pearson_r", num(c.pearson_r)}};
  if (with_count) v["r_utterances"] = c.r_utterances;
  return v;
}

ChannelMetrics channel_from(const Json& j) {
  ChannelMetrics c;
  required(j, "rmse_mm", c.rmse_mm);
  required(j, "mae_mm", c.mae_mm);
  required(j, "pearson_r", c.pearson_r);
  optional(j, "r_utterances", c.r_utterances);
  return c;
}

// One value per channel, NaN as null.
Json channel_values(const std::vector<ChannelMetrics>& channels, double ChannelMetrics::*field) {
  Json out = Json::array();
  for (const auto& c : channels) out.push_back(num(c.*field));
  return out;
}

void read_channel_values(const Json& j, const char* key, std::vector<ChannelMetrics>& channels,
                         double ChannelMetrics::*field) {
  Json values;
  required(j, key, values);
  if (!values.is_array()) throw BadField(std::string("'") + key + "': a list expected");
  if (channels.empty()) channels.resize(values.size());
  if (values.size() != channels.size()) {
    throw BadField(std::string("'") + key + "': " + std::to_string(channels.size()) +
                   " values expected, one per channel");
  }
  for (size_t a = 0; a < values.size(); ++a) read_value(values[a], key, channels[a].*field);
}

Json channels_json(const std::vector<ChannelMetrics>& channels) {
  return {{"rmse_mm", channel_values(channels, &ChannelMetrics::rmse_mm)},
          {"mae_mm", channel_values(channels, &ChannelMetrics::mae_mm)},
          {"pearson_r", channel_values(channels, &ChannelMetrics::pearson_r)}};
}

std::vector<ChannelMetrics> channels_from(const Json& j) {
  std::vector<ChannelMetrics> channels;
  read_channel_values(j, "rmse_mm", channels, &ChannelMetrics::rmse_mm);
  read_channel_values(j, "mae_mm", channels, &ChannelMetrics::mae_mm);
  read_channel_values(j, "pearson_r", channels, &ChannelMetrics::pearson_r);
  for (auto& c : channels) c.r_utterances = std::isfinite(c.pearson_r) ? 1 : 0;
  return channels;
}

}  // namespace

void to_json(Json& j, const EvalMetrics& m) {
  j = {{"mean", channel_json(m.mean, false)}};
  Json per = Json::object();
  for (size_t a = 0; a < m.articulators.size(); ++a) {
    per[m.articulators[a]] = channel_json(m.per_channel[a], true);
  }
  j["articulators"] = per;
}

void from_json(const Json& j, EvalMetrics& m) {
  Json mean, per;
  required(j, "mean", mean);
  required(j, "articulators", per);
  if (!per.is_object()) throw BadField("'articulators': an object of articulator names expected");
  m.mean = channel_from(mean);
  m.articulators.clear();
  m.per_channel.clear();
  for (const auto& [name, channel] : per.items()) {
    m.articulators.push_back(name);
    try {
      m.per_channel.push_back(channel_from(channel));
    } catch (const BadField& e) {
      throw BadField("in 'articulators." + name + "': " + e.what());
    }
  }
  optional(j, "utterances", m.utterances);
  optional(j, "frames", m.frames);
}

void to_json(Json& j, const UtteranceMetrics& r) {
  j = {{"id", r.id}, {"frames", r.frames}};
  const Json all = channels_json(r.all);
  for (const auto& [key, value] : all.items()) j[key] = value;
  if (!r.speech.empty()) {
    j["speech_frames"] = r.speech_frames;
    j["speech"] = channels_json(r.speech);
  }
}

void from_json(const Json& j, UtteranceMetrics& r) {
  required(j, "id", r.id);
  required(j, "frames", r.frames);
  r.all = channels_from(j);
  Json speech;
  optional(j, "speech", speech);
  if (!speech.is_null()) {
    required(j, "speech_frames", r.speech_frames);
    r.speech = channels_from(speech);
  }
}

void to_json(Json& j, const EvalRecord& r) {
  j = {{"split", r.split}, {"utterances", r.metrics.utterances}, {"frames", r.metrics.frames}};
  const Json metrics(r.metrics);
  for (const auto& [key, value] : metrics.items()) j[key] = value;
  if (!r.checkpoint.empty()) j["checkpoint"] = r.checkpoint;
  if (std::isfinite(r.loss)) j["loss"] = r.loss;
  if (r.speech.utterances > 0) {
    Json speech = {{"silence_fraction", num(r.silence_fraction)}, {"frames", r.speech.frames}};
    const Json speech_metrics(r.speech);
    for (const auto& [key, value] : speech_metrics.items()) speech[key] = value;
    j["speech"] = speech;
  }
  if (r.window > 0) j["window"] = {{"frames", r.window}, {"overlap", r.overlap}};
  if (!r.utterances.empty()) j["per_utterance"] = r.utterances;
}

void from_json(const Json& j, EvalRecord& r) {
  required(j, "split", r.split);
  optional(j, "checkpoint", r.checkpoint);
  optional(j, "loss", r.loss);
  from_json(j, r.metrics);
  Json speech;
  optional(j, "speech", speech);
  if (!speech.is_null()) {
    try {
      optional(speech, "silence_fraction", r.silence_fraction);
      from_json(speech, r.speech);
      required(speech, "frames", r.speech.frames);
    } catch (const BadField& e) {
      throw BadField(std::string("in 'speech': ") + e.what());
    }
    r.speech.utterances = r.metrics.utterances;
  }
  Json window;
  optional(j, "window", window);
  if (!window.is_null()) {
    required(window, "frames", r.window);
    required(window, "overlap", r.overlap);
  }
  Json per;
  optional(j, "per_utterance", per);
  if (per.is_null()) return;
  if (!per.is_array()) throw BadField("'per_utterance': a list expected");
  for (size_t k = 0; k < per.size(); ++k) {
    try {
      r.utterances.push_back(per[k].get<UtteranceMetrics>());
    } catch (const BadField& e) {
      throw BadField("in 'per_utterance[" + std::to_string(k) + "]': " + e.what());
    }
    if (r.utterances.back().all.size() != r.metrics.articulators.size()) {
      throw BadField("in 'per_utterance[" + std::to_string(k) +
                     "]': " + std::to_string(r.metrics.articulators.size()) +
                     " values per metric expected, one per channel");
    }
  }
}

}  // namespace artic
