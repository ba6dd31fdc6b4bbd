#include "synth/synth_options.h"

#include <toml++/toml.h>

#include "core/error.h"
#include "core/file_read.h"
#include "core/schema.h"
#include "core/toml_document.h"

namespace artic {
namespace {

using schema::float_field;
using schema::int32_field;
using schema::int_field;

void require(bool ok, const std::string& message) {
  if (!ok) throw UserError("synth: " + message);
}

std::string num(double v) {
  return schema::format_number(v);
}

}  // namespace

schema::Schema synth_schema(SynthOptions& o) {
  const char* s = "synth";
  return schema::Schema(
      {
          int_field(s, "seed", &o.seed, 0, schema::kMaxInt,
                    "random seed: the same seed gives the same corpus"),
          int32_field(s, "utterances", &o.num_utterances, 1, 1000000, "number of utterances"),
          int32_field(s, "speakers", &o.num_speakers, 1, 999,
                      "number of speakers; utterance i belongs to speaker i mod speakers"),
          float_field(s, "mean_length", &o.mean_length_s, 0.01, 3600, false, false,
                      "mean utterance length in seconds, within [min_length, max_length]"),
          float_field(s, "length_sigma", &o.length_sigma, 0, 3, false, false,
                      "shape of the lognormal lengths (0.5 gives a tail to 20 s and more)"),
          float_field(s, "min_length", &o.min_length_s, 0.01, 3600, false, false,
                      "shortest utterance in seconds (lengths are clipped)"),
          float_field(s, "max_length", &o.max_length_s, 0.01, 3600, false, false,
                      "longest utterance in seconds (lengths are clipped)"),
          float_field(s, "valid_fraction", &o.valid_fraction, 0, 0.99, false, false,
                      "share of utterances in valid"),
          float_field(s, "test_fraction", &o.test_fraction, 0, 0.99, false, false,
                      "share of utterances in test (valid_fraction + test_fraction < 1)"),
          float_field(s, "snr_db", &o.snr_db, -20, 120, false, false,
                      "a typical vowel's RMS over the background noise's in the recordings, in dB "
                      "(+-5 per utterance)"),
          float_field(s, "ema_noise_mm", &o.ema_noise_mm, 0, 10, false, false,
                      "std of Gaussian sensor noise on every EMA coordinate, in mm"),
          float_field(s, "long_range_mm", &o.long_range_mm, 0, 10, false, false,
                      "positive control of long context (0 = off): std in mm of an utterance-level "
                      "offset of every EMA y channel, announced only by a tone in the recording's "
                      "leading pause"),
      },
      {s});
}

void validate(const SynthOptions& options) {
  // Every key passes through the schema's own check (a copy: assignment writes the value back).
  SynthOptions copy = options;
  const schema::Schema keys = synth_schema(copy);
  for (const schema::Field& f : keys.fields()) {
    schema::assign_text(f, schema::value_text(f), "synth");
  }
  const SynthOptions& o = options;
  require(o.max_length_s >= o.min_length_s, "max_length = " + num(o.max_length_s) +
                                                " must be >= min_length = " + num(o.min_length_s));
  require(o.mean_length_s >= o.min_length_s && o.mean_length_s <= o.max_length_s,
          "mean_length must be in [min_length, max_length] = [" + num(o.min_length_s) + ", " +
              num(o.max_length_s) + "], got " + num(o.mean_length_s));
  require(o.valid_fraction + o.test_fraction < 1.0,
          "valid_fraction + test_fraction must be below 1, got " +
              num(o.valid_fraction + o.test_fraction));
}

SynthOptions parse_synth_options(const std::string& toml_text, const std::string& origin) {
  const toml::table root = parse_toml_document(toml_text, origin);
  SynthOptions o;
  const schema::Schema keys = synth_schema(o);
  for (auto&& [section, node] : root) {
    keys.read_section(std::string(section.str()), node, schema::location(origin, section.source()),
                      origin);
  }
  return o;
}

SynthOptions load_synth_options(const std::string& path) {
  const FileRead file = read_whole_file(path, 1ull << 20);
  if (!file.error.empty()) {
    throw ConfigError(path + ": cannot open the synth options (" + file.error + ")");
  }
  return parse_synth_options(file.bytes, path);
}

std::string synth_options_to_toml(const SynthOptions& options, bool with_help) {
  SynthOptions copy = options;
  return synth_schema(copy).to_toml(with_help);
}

std::string synth_flag(const std::string& key) {
  std::string flag = "--" + key;
  for (char& c : flag) c = c == '_' ? '-' : c;
  return flag;
}

std::string synth_options_to_flags(const SynthOptions& options) {
  SynthOptions copy = options;
  const schema::Schema keys = synth_schema(copy);
  std::string out;
  for (const schema::Field& f : keys.fields()) {
    out += (out.empty() ? "" : " ") + synth_flag(f.key) + " " + schema::value_text(f);
  }
  return out;
}

}  // namespace artic
