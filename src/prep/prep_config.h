// The `artic prep` configuration (docs/corpora.md): where the corpus is, which features to
// compute, which articulator channels to keep and how to clean them, and how to split. Loaded
// from TOML (+ `section.key=value` overrides); presets fill in MNGU0 and MOCHA-TIMIT defaults.
// Every problem is a ConfigError naming the file, line and key.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "prep/features.h"

namespace artic {

struct PrepConfig {
  // [prep]
  std::string input_dir;                // walked recursively for audio and track files
  std::string list;                     // optional file of utterance ids to import (one per line)
  std::string output;                   // the HDF5 corpus to write
  std::string preset;                   // "" | mngu0 | mocha
  std::string speaker_from = "prefix";  // prefix (id up to the first '_') | dir | fixed
  std::string speaker;                  // the speaker name when speaker_from = "fixed"
  int64_t threads = 0;                  // 0 = every core
  int64_t gzip = 0;
  std::vector<std::string> audio_extensions = {".wav", ".flac"};
  // [features]
  FeatureOptions features;
  // [tracks]
  std::string track_extension = ".ema";
  std::vector<std::pair<std::string, std::string>> channels;  // source name -> artic name
  double scale = 1.0;                  // multiplies the stored values to give millimetres
  double lowpass_hz = 20.0;            // 0 = no filter
  double max_gap_ms = 100.0;           // longer gaps (breaks, NaN) skip the utterance
  double length_tolerance_ms = 100.0;  // audio vs track duration mismatch that warns
  // [split]
  std::string split_rule = "ratio";  // ratio | lists | speaker | mngu0
  double valid_fraction = 0.05;
  double test_fraction = 0.05;
  int64_t seed = 1;
  std::string train_list, valid_list, test_list;
  std::vector<std::string> valid_speakers, test_speakers;
};

struct PrepPreset {
  std::string name;
  std::string description;
  std::vector<std::pair<std::string, std::string>> channels;
  double scale = 1.0;
  double track_rate_hz = 0;
  std::string split_rule;
};

const std::vector<PrepPreset>& prep_presets();

PrepConfig parse_prep_config(const std::string& toml_text, const std::string& origin,
                             const std::vector<std::string>& overrides = {});
PrepConfig load_prep_config(const std::string& path,
                            const std::vector<std::string>& overrides = {});

// The resolved configuration as TOML (what `artic prep --print-config` shows); with_help adds a
// comment line per key.
std::string prep_config_to_toml(const PrepConfig& config, bool with_help = false);

}  // namespace artic
