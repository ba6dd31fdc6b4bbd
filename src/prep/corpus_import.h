// `artic prep` end to end: pair the files, assign splits, import every utterance (in parallel,
// results in id order whatever the thread count), write the HDF5 corpus atomically and report
// what was imported, what was skipped and why, and whether the targets look like millimetres.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "prep/prep_config.h"

namespace artic {

struct ChannelRange {
  std::string name;
  double mean = 0, std = 0, min = 0, max = 0;  // millimetres, over every imported frame
};

struct PrepReport {
  std::string output;
  int64_t pairs = 0;     // audio + track pairs found (after the id list)
  int64_t imported = 0;  // utterances written
  std::map<std::string, int64_t> utterances_per_split, frames_per_split;
  std::map<std::string, int64_t> utterances_per_speaker;
  double hours = 0;
  double track_rate_hz = 0;  // median over utterances
  int64_t utterances_with_gaps = 0, gap_samples_filled = 0;
  std::vector<std::string> skipped;   // "id: why" (unpaired, left out of the splits, failed)
  std::vector<std::string> warnings;  // length mismatches, missing listed ids, unit checks
  std::vector<ChannelRange> channels;
  std::vector<std::string> feature_names;
  int sample_rate_hz = 0;                    // features.sample_rate
  std::map<int, int64_t> resampled_from_hz;  // recordings at another rate, by their rate
};

// progress(done, total) is called from worker threads, serialized. `source` is the corpus's
// meta.source (default: "artic prep of INPUT_DIR (preset P)"). Throws ConfigError/DataError when
// nothing can be imported or the output cannot be written.
PrepReport import_corpus(const PrepConfig& config, int threads,
                         const std::function<void(int64_t, int64_t)>& progress = {},
                         const std::string& source = {});

// The human-readable summary `artic prep` prints.
std::string format_prep_report(const PrepReport& report);

}  // namespace artic
