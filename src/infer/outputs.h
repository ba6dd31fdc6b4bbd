// What `artic invert` writes per recording: EST binary tracks (speech-tools' ch_track reads
// them), CSV (a `time_s` column, then one column per channel, with a header), or one HDF5 file
// in the corpus layout `artic eval --predictions` writes (/targets = predicted millimetres).
// Every file is written to PATH.tmp and renamed.
#pragma once

#include <string>
#include <vector>

#include "core/enum_names.h"
#include "data/corpus.h"

namespace artic {

enum class OutputFormat { Est, H5, Csv };
inline const std::vector<std::string>& names_of(OutputFormat) {
  static const std::vector<std::string> names = {"est", "h5", "csv"};
  return names;
}

// One inverted recording: [frames, channels] row-major, millimetres, frame i at i / frame_rate s.
struct Trajectories {
  std::string name;  // the output name (input basename)
  std::vector<std::string> channels;
  double frame_rate_hz = 100;
  std::vector<float> mm;
  int64_t frames() const;
};

// The file `format` writes for one recording (DIR/NAME.ema, DIR/NAME.csv); the HDF5 file of a
// batch is DIR/predictions.h5.
std::string output_path(const std::string& dir, OutputFormat format, const std::string& name);

void write_est(const std::string& path, const Trajectories& t);
void write_csv(const std::string& path, const Trajectories& t);

// The recordings in the order given, with their features: the predictions layout of
// artic eval (all in split "test", speaker "unknown").
Corpus predictions_layout(const std::vector<Trajectories>& tracks,
                          const std::vector<std::vector<float>>& features, const CorpusMeta& meta);

}  // namespace artic
