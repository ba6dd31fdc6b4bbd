// From a corpus and the data section to what the sampler and loader consume:
// the frame source, a split's utterances, and its training segments.
#pragma once

#include <string>
#include <vector>

#include "data/corpus.h"
#include "data/sampler.h"
#include "data/segmenter.h"

namespace artic {

// Where frames come from: exactly one of `memory` or `reader` is set.
struct FrameSource {
  const Corpus* memory = nullptr;
  const CorpusReader* reader = nullptr;

  const std::vector<UtteranceInfo>& utterances() const;
  const CorpusMeta& meta() const;
  void read(const Segment& segment, float* features, float* targets) const;
};

// Indices of the utterances in `split` ("train", "valid" or "test"), in corpus order.
std::vector<size_t> split_indices(const std::vector<UtteranceInfo>& utterances,
                                  const std::string& split);

// Segments of the given utterances under `options` (reads features only for "silence").
std::vector<Segment> make_segments(const FrameSource& source, const std::vector<size_t>& utterances,
                                   const SegmenterOptions& options);

std::vector<int64_t> segment_lengths(const std::vector<Segment>& segments);

}  // namespace artic
