// Collate: segments -> padded tensors. Features [B,T,F] and targets [B,T,A] (normalized,
// zeros in padding), key-padding mask [B,T] (true = pad), lengths [B], ids. Frames come from an
// in-memory corpus or straight from the HDF5 file.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "data/corpus.h"
#include "data/dataset.h"
#include "data/normalizer.h"
#include "data/sampler.h"
#include "data/segmenter.h"

namespace artic {

struct TrainBatch {
  torch::Tensor features;        // [B, T, F] float32
  torch::Tensor targets;         // [B, T, A] float32
  torch::Tensor pad_mask;        // [B, T] bool, true = padding
  torch::Tensor lengths;         // [B] int64
  std::vector<std::string> ids;  // "utt" or "utt@start" for segments
  int64_t real_frames = 0;
  int64_t padded_frames = 0;
  int64_t all_ranks_real_frames = 0;  // this micro-batch index over every rank (see Batch)
  int64_t all_ranks_padded_frames = 0;
  SamplerState state_after;  // sampler position once this batch is consumed (for checkpoints)
};

TrainBatch collate(const std::vector<Segment>& segments, const FrameSource& source,
                   const Normalizer& normalizer, bool normalize_targets = true);

}  // namespace artic
