#include "prep/prep_config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <set>

#include "core/error.h"
#include "core/file_read.h"
#include "core/schema.h"
#include "core/toml_document.h"

namespace artic {
namespace {

using schema::Field;
using schema::float_field;
using schema::int32_field;
using schema::int_field;
using schema::kInf;
using schema::name_pairs_field;
using schema::Schema;
using schema::string_field;
using schema::string_list_field;

constexpr int64_t kMaxSeed = 9'000'000'000'000'000;

Schema prep_schema(PrepConfig& c) {
  FeatureOptions& f = c.features;
  return Schema(
      {
          string_field("prep", "input_dir", &c.input_dir, {}, false,
                       "folder searched recursively for the audio and track files (required)"),
          string_field("prep", "list", &c.list, {}, false,
                       "file of utterance ids to import, one per line (\"\" = every pair found)"),
          string_field("prep", "output", &c.output, {}, false,
                       "the HDF5 corpus to write (required)"),
          string_field("prep", "preset", &c.preset, {"", "mngu0", "mocha"}, false,
                       "fills tracks.channels, tracks.scale and split.rule for a known corpus; "
                       "keys set here override it"),
          string_field("prep", "speaker_from", &c.speaker_from, {"prefix", "dir", "fixed"}, false,
                       "speaker of an utterance: its id up to the first '_', its folder, or "
                       "prep.speaker"),
          string_field("prep", "speaker", &c.speaker, {}, false,
                       "the speaker name when speaker_from = \"fixed\""),
          int_field("prep", "threads", &c.threads, 0, 1024, "import threads (0 = every core)"),
          int_field("prep", "gzip", &c.gzip, 0, 9, "gzip level of the frame datasets"),
          string_list_field("prep", "audio_extensions", &c.audio_extensions, true,
                            "audio file extensions to pair with tracks"),
          schema::enum_field("features", "kind", &f.kind, "acoustic features"),
          int32_field("features", "sample_rate", &f.sample_rate, 8000, 192000,
                      "audio is resampled to this rate (Hz) before analysis"),
          float_field("features", "window_ms", &f.window_ms, 1, 200, false, false,
                      "analysis window length"),
          float_field("features", "hop_ms", &f.hop_ms, 1, 100, false, false,
                      "frame step (10 ms = 100 frames/s)"),
          int32_field("features", "n_fft", &f.n_fft, 16, 65536, "FFT size in samples"),
          int32_field("features", "n_mels", &f.n_mels, 1, 512, "log-mel bands"),
          int32_field("features", "mfcc_mels", &f.mfcc_mels, 1, 512,
                      "mel bands under the MFCC DCT"),
          int32_field("features", "n_mfcc", &f.n_mfcc, 1, 512,
                      "MFCCs (each with deltas and delta-deltas)"),
          float_field("features", "fmin_hz", &f.fmin_hz, 0, kInf, false, false,
                      "lowest mel filter edge"),
          float_field("features", "fmax_hz", &f.fmax_hz, 0, kInf, false, false,
                      "highest mel filter edge (0 = sample_rate / 2)"),
          string_field("tracks", "extension", &c.track_extension, {}, true,
                       "extension of the EST articulatory track files"),
          name_pairs_field("tracks", "channels", &c.channels,
                           "[[\"T1_py\", \"T1_x\"], [\"T1_pz\", \"T1_y\"]]",
                           "channels to keep as [source name, artic name] pairs"),
          float_field("tracks", "scale", &c.scale, 1e-9, 1e9, false, false,
                      "multiplies the stored values to give millimetres"),
          float_field("tracks", "lowpass_hz", &c.lowpass_hz, 0, kInf, false, false,
                      "low-pass cut-off for the tracks (0 = no filter)"),
          float_field("tracks", "max_gap_ms", &c.max_gap_ms, 0, kInf, false, false,
                      "longest gap (NaN run) that is filled; longer gaps skip the utterance"),
          float_field("tracks", "length_tolerance_ms", &c.length_tolerance_ms, 0, kInf, false,
                      false, "audio vs track duration mismatch that warns"),
          string_field("split", "rule", &c.split_rule, {"ratio", "lists", "speaker", "mngu0"},
                       false,
                       "random ratio, id lists, held-out speakers, or the MNGU0 standard split"),
          float_field("split", "valid_fraction", &c.valid_fraction, 0, 0.9, false, false,
                      "share of utterances in valid (rule ratio)"),
          float_field("split", "test_fraction", &c.test_fraction, 0, 0.9, false, false,
                      "share of utterances in test (rule ratio)"),
          int_field("split", "seed", &c.seed, 0, kMaxSeed, "seed of the ratio split"),
          string_field("split", "train_list", &c.train_list, {}, false,
                       "file of train utterance ids (rule lists)"),
          string_field("split", "valid_list", &c.valid_list, {}, false,
                       "file of valid utterance ids (rule lists)"),
          string_field("split", "test_list", &c.test_list, {}, false,
                       "file of test utterance ids (rule lists)"),
          string_list_field("split", "valid_speakers", &c.valid_speakers, false,
                            "speakers held out for valid (rule speaker)"),
          string_list_field("split", "test_speakers", &c.test_speakers, false,
                            "speakers held out for test (rule speaker)"),
      },
      {"prep", "features", "tracks", "split"});
}

void apply_preset(PrepConfig& c, const std::string& where) {
  if (c.preset.empty()) return;
  for (const auto& p : prep_presets()) {
    if (p.name != c.preset) continue;
    c.channels = p.channels;
    c.scale = p.scale;
    if (!p.split_rule.empty()) c.split_rule = p.split_rule;
    return;
  }
  throw ConfigError(where + ": unknown preset '" + c.preset + "'");
}

void validate(const PrepConfig& c, const std::string& origin) {
  if (c.input_dir.empty()) {
    throw ConfigError(origin + ": prep.input_dir is required (the folder holding the audio and " +
                      "track files; it is searched recursively)");
  }
  if (c.output.empty()) throw ConfigError(origin + ": prep.output is required (the .h5 to write)");
  if (c.channels.empty()) {
    throw ConfigError(
        origin + ": tracks.channels is empty: list the channels to keep as " +
        "[[\"source\", \"target\"], ...] or set prep.preset = \"mngu0\" or \"mocha\"");
  }
  std::vector<std::string> targets;
  for (const auto& [src, dst] : c.channels) {
    if (src.empty() || dst.empty()) {
      throw ConfigError(origin + ": tracks.channels has an empty channel name");
    }
    if (std::find(targets.begin(), targets.end(), dst) != targets.end()) {
      throw ConfigError(origin + ": tracks.channels names the target '" + dst + "' twice");
    }
    targets.push_back(dst);
  }
  if (c.speaker_from == "fixed" && c.speaker.empty()) {
    throw ConfigError(origin + ": prep.speaker_from = \"fixed\" needs prep.speaker (the name)");
  }
  if (c.audio_extensions.empty()) throw ConfigError(origin + ": prep.audio_extensions is empty");
  if (c.split_rule == "lists" && c.train_list.empty()) {
    throw ConfigError(
        origin + ": split.rule = \"lists\" needs split.train_list (and usually " +
        "split.valid_list and split.test_list): files of utterance ids, one per line");
  }
  if (c.split_rule == "speaker" && c.valid_speakers.empty() && c.test_speakers.empty()) {
    throw ConfigError(origin + ": split.rule = \"speaker\" needs split.valid_speakers and/or " +
                      "split.test_speakers");
  }
  if (c.split_rule == "ratio" && c.valid_fraction + c.test_fraction >= 1.0) {
    throw ConfigError(origin + ": split.valid_fraction + split.test_fraction must be below 1");
  }
  check_feature_options(c.features, origin);
  const double frame_rate = 1000.0 / c.features.hop_ms;
  if (c.lowpass_hz > 0 && c.lowpass_hz >= frame_rate / 2) {
    throw ConfigError(origin + ": tracks.lowpass_hz = " + schema::format_number(c.lowpass_hz) +
                      " must be below half the frame rate (" +
                      schema::format_number(frame_rate / 2) + " Hz), or 0 to turn the filter off");
  }
}

}  // namespace

const std::vector<PrepPreset>& prep_presets() {
  static const std::vector<PrepPreset> presets = {
      {"mngu0",
       "MNGU0 day 1: 200 Hz EST binary tracks with 87 channels, py = front-back, pz = vertical; "
       "values in cm (scale 10 gives mm); the standard 1137/63/63 split",
       {{"T1_py", "T1_x"},
        {"T1_pz", "T1_y"},
        {"T2_py", "T2_x"},
        {"T2_pz", "T2_y"},
        {"T3_py", "T3_x"},
        {"T3_pz", "T3_y"},
        {"jaw_py", "JAW_x"},
        {"jaw_pz", "JAW_y"},
        {"upperlip_py", "UL_x"},
        {"upperlip_pz", "UL_y"},
        {"lowerlip_py", "LL_x"},
        {"lowerlip_pz", "LL_y"}},
       10.0,
       200.0,
       "mngu0"},
      {"mocha",
       "MOCHA-TIMIT: 500 Hz EST binary tracks with 20 channels stored in 0.01 mm; tongue tip/"
       "body/dorsum, lower incisor (jaw), lips; add [\"v_x\", \"V_x\"], [\"v_y\", \"V_y\"] for "
       "the velum where a speaker has it",
       {{"tt_x", "T1_x"},
        {"tt_y", "T1_y"},
        {"tb_x", "T2_x"},
        {"tb_y", "T2_y"},
        {"td_x", "T3_x"},
        {"td_y", "T3_y"},
        {"li_x", "JAW_x"},
        {"li_y", "JAW_y"},
        {"ul_x", "UL_x"},
        {"ul_y", "UL_y"},
        {"ll_x", "LL_x"},
        {"ll_y", "LL_y"}},
       0.01,
       500.0,
       ""},
  };
  return presets;
}

PrepConfig parse_prep_config(const std::string& toml_text, const std::string& origin,
                             const std::vector<std::string>& overrides) {
  const toml::table root = parse_toml_document(toml_text, origin);
  PrepConfig c;
  const Schema schema = prep_schema(c);
  // The preset goes first so that explicit keys override what it sets.
  if (const auto* p = root.at_path("prep.preset").node()) {
    schema::assign(*schema.find("prep", "preset"), *p, toml_location(origin, *p));
  }
  for (const auto& o : overrides) {
    if (o.rfind("prep.preset=", 0) == 0) schema.apply_override(o);
  }
  apply_preset(c, origin);
  // A file value that a --set replaces is not read: the override may correct it.
  std::set<std::string> overridden;
  for (const auto& o : overrides) overridden.insert(schema::override_key(o));
  for (auto&& [section, node] : root) {
    schema.read_section(std::string(section.str()), node,
                        schema::location(origin, section.source()), origin, &overridden);
  }
  for (const auto& o : overrides) schema.apply_override(o);
  validate(c, origin);
  return c;
}

PrepConfig load_prep_config(const std::string& path, const std::vector<std::string>& overrides) {
  const FileRead file = read_whole_file(path, 16ull << 20);
  if (!file.error.empty()) {
    throw ConfigError(path + ": cannot open the prep config (" + file.error + ")");
  }
  return parse_prep_config(file.bytes, path, overrides);
}

std::string prep_config_to_toml(const PrepConfig& config, bool with_help) {
  PrepConfig copy = config;
  return prep_schema(copy).to_toml(with_help);
}

}  // namespace artic
