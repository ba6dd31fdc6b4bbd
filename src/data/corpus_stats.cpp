#include "data/corpus_stats.h"

#include <algorithm>
#include <cmath>

namespace artic {

int64_t SplitStats::length_percentile(double p) const {
  if (lengths.empty()) return 0;
  const auto rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(lengths.size())));
  return lengths[std::min(lengths.size() - 1, rank == 0 ? 0 : rank - 1)];
}

CorpusStats corpus_stats(const Corpus& c) {
  CorpusStats out;
  for (const auto& u : c.utterances) {
    for (const std::string& key : {u.split, std::string("all")}) {
      SplitStats& s = out.splits[key];
      s.utterances += 1;
      s.frames += u.length;
      s.lengths.push_back(u.length);
    }
    out.speakers.insert(u.speaker);
  }
  for (auto& [name, s] : out.splits) std::sort(s.lengths.begin(), s.lengths.end());
  return out;
}

}  // namespace artic
