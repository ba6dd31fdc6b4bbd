// What `artic corpus info` reports about a corpus: per split (and "all") the utterances, frames
// and utterance lengths, and the speakers.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "data/corpus.h"

namespace artic {

struct SplitStats {
  int64_t utterances = 0;
  int64_t frames = 0;
  std::vector<int64_t> lengths;  // sorted
  // Nearest-rank percentile of the lengths (p in [0, 100]); 0 without utterances.
  int64_t length_percentile(double p) const;
};

struct CorpusStats {
  std::map<std::string, SplitStats> splits;  // by split name, and "all"
  std::set<std::string> speakers;
};

CorpusStats corpus_stats(const Corpus& corpus);

}  // namespace artic
