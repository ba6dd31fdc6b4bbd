// What one rank of `artic invert` hands to the others: its counts, its failures and (for the
// HDF5 file) its trajectories with their features, as bytes for host_all_gather (the ranks of
// one job share byte order and type sizes).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "infer/outputs.h"

namespace artic {

struct InvertFailure {
  std::string path, reason;
};

struct RankResult {
  int64_t inverted = 0;
  double audio_seconds = 0;
  std::vector<InvertFailure> failures;
  std::vector<size_t> inputs;  // the input index of each of `tracks`
  std::vector<Trajectories> tracks;
  std::vector<std::vector<float>> features;  // of each of `tracks`, [frames, F]
};

// with_tracks false: counts and failures only.
std::string encode_rank_result(const RankResult& r, bool with_tracks);
// `names` are the inputs' output names (by input index); the trajectories get `channels` and
// `frame_rate`. Throws std::runtime_error on bytes that do not hold a whole result.
RankResult decode_rank_result(const std::string& bytes, const std::vector<std::string>& names,
                              const std::vector<std::string>& channels, double frame_rate);

}  // namespace artic
