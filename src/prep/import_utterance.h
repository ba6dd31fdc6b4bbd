// One utterance of `artic prep`: audio -> features, track -> chosen channels in millimetres with
// short gaps filled, low-passed and resampled to the feature frames, both trimmed to the
// shorter. A problem with this utterance's files is reported as a skip reason, not thrown.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "prep/pairing.h"
#include "prep/prep_config.h"

namespace artic {

struct ImportedUtterance {
  std::string skipped;  // "" = imported; else why not (names the file)
  std::vector<std::string> warnings;
  std::vector<std::string> feature_names;
  std::vector<float> features;  // [frames, F]
  std::vector<float> targets;   // [frames, A] millimetres
  int64_t frames = 0;
  int64_t gap_samples_filled = 0;
  double audio_seconds = 0, track_seconds = 0;
  double track_rate_hz = 0;
  int audio_rate_hz = 0;  // the recording's own rate (resampled when not features.sample_rate)
};

ImportedUtterance import_utterance(const PrepConfig& config, const UtteranceFiles& files);

}  // namespace artic
