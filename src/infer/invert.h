// `artic invert`: a trained run's model on new recordings. Each recording gets the feature
// analysis of the run's training corpus (infer/analysis.h), the run's normalizer and model
// (whole recordings, or windows joined by the tapered overlap-add of artic eval) and comes out in
// millimetres at the corpus's frame rate with the run's channel names (infer/outputs.h).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "dist/topology.h"
#include "infer/outputs.h"
#include "infer/rank_result.h"

namespace artic {

struct InvertOptions {
  std::string run, checkpoint, out_dir;
  std::vector<std::string> inputs;  // audio files and folders
  std::string list;                 // a file of recordings, one path per line
  std::vector<OutputFormat> formats = {OutputFormat::Est};
  std::vector<std::string> overrides;  // config overrides of the run (e.g. batching.max_frames)
  bool force = false;                  // replace existing outputs
  int64_t window = 0, overlap = 0;     // window 0: whole recordings
  bool window_given = false;           // else the run's training.eval_window and eval_overlap
  // Without a window, a recording over the run's frame budget (batching.max_frames) is predicted
  // in windows of the budget sharing a fifth of it; no_window refuses it instead.
  bool no_window = false;
  bool bar = false;  // a progress bar (a terminal) instead of plain lines
};

struct InvertReport {
  int64_t recordings = 0;  // inputs found
  int64_t inverted = 0;    // recordings whose outputs were written
  double audio_seconds = 0;
  double seconds = 0;  // wall time from the model loaded to the last output written
  std::vector<InvertFailure> failures;  // every rank's, by path
};

// Every rank of the job calls it with the same options: the recordings are dealt to ranks
// (largest first), each rank writes its own EST and CSV files, rank 0 the HDF5 file; every rank
// returns the job's counts and failures. A recording that cannot be read or analysed is a
// failure with its reason, and the others are still written. Throws UserError before anything
// is written for what concerns every recording: the run, its analysis (a corpus not made from
// audio), the inputs, outputs that exist without `force`.
InvertReport invert_recordings(const InvertOptions& options, const Topology& topo,
                               std::ostream& progress);

}  // namespace artic
