#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>
#include <utility>

#include "core/error.h"
#include "data/corpus.h"
#include "data/corpus_check.h"

namespace artic {

int64_t Corpus::total_frames() const {
  const int64_t f = num_features();
  return f > 0 ? static_cast<int64_t>(features.size()) / f : 0;
}

void append_utterance(Corpus& corpus, UtteranceInfo u, const float* features,
                      const float* targets) {
  u.offset = corpus.total_frames();
  const auto nf = static_cast<size_t>(u.length * corpus.num_features());
  const auto na = static_cast<size_t>(u.length * corpus.num_articulators());
  corpus.features.insert(corpus.features.end(), features, features + nf);
  if (targets != nullptr) {
    corpus.targets.insert(corpus.targets.end(), targets, targets + na);
  } else {
    corpus.targets.resize(corpus.targets.size() + na, 0.0f);
  }
  corpus.utterances.push_back(std::move(u));
}

const float* Corpus::features_of(size_t utt) const {
  return features.data() + utterances.at(utt).offset * num_features();
}

const float* Corpus::targets_of(size_t utt) const {
  return targets.data() + utterances.at(utt).offset * num_articulators();
}

void check_index(const std::vector<UtteranceInfo>& utts, int64_t total_frames,
                 const std::string& origin) {
  std::set<std::string> ids;
  for (const auto& u : utts) {
    const std::string who = origin + ": utterance '" + u.id + "'";
    if (u.id.empty()) throw DataError(origin + ": an utterance has an empty id");
    if (!ids.insert(u.id).second) throw DataError(who + " appears more than once");
    if (u.length <= 0) {
      throw DataError(who + " has length " + std::to_string(u.length) + " (must be > 0)");
    }
    // Compared without computing offset + length, which can overflow for a corrupt index.
    if (u.offset < 0 || u.length > total_frames - u.offset) {
      const bool overflows = u.offset > std::numeric_limits<int64_t>::max() - u.length;
      throw DataError(
          who + " covers frames [" + std::to_string(u.offset) + ", " +
          (overflows ? std::string("beyond 2^63") : std::to_string(u.offset + u.length)) +
          ") outside the " + std::to_string(total_frames) + " frames in /features");
    }
    if (u.split != "train" && u.split != "valid" && u.split != "test") {
      throw DataError(who + " has split '" + u.split + "' (expected train, valid or test)");
    }
  }
  std::vector<size_t> order(utts.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return utts[a].offset < utts[b].offset; });
  for (size_t i = 1; i < order.size(); ++i) {
    const auto& prev = utts[order[i - 1]];
    const auto& cur = utts[order[i]];
    if (cur.offset < prev.offset + prev.length) {
      throw DataError(origin + ": utterances '" + prev.id + "' and '" + cur.id +
                      "' overlap (frames " + std::to_string(cur.offset) + " to " +
                      std::to_string(prev.offset + prev.length - 1) + ")");
    }
  }
}

void check_finite(const float* values, int64_t frames, int64_t channels, const std::string& dataset,
                  const UtteranceInfo& utt, const std::vector<std::string>& channel_names,
                  const std::string& origin, int64_t first_frame) {
  for (int64_t t = 0; t < frames; ++t) {
    for (int64_t c = 0; c < channels; ++c) {
      const float v = values[t * channels + c];
      if (!std::isfinite(v)) {
        const std::string name =
            c < static_cast<int64_t>(channel_names.size()) ? channel_names[c] : std::to_string(c);
        throw DataError(origin + ": " + dataset + " of utterance '" + utt.id + "' is " +
                        (std::isnan(v) ? "NaN" : "infinite") + " at frame " +
                        std::to_string(first_frame + t) + ", channel " + name);
      }
    }
  }
}

void validate_corpus(const Corpus& corpus, const std::string& origin) {
  const int64_t f = corpus.num_features(), a = corpus.num_articulators();
  if (f == 0) throw DataError(origin + ": no feature channels (meta/feature_names is empty)");
  if (a == 0)
    throw DataError(origin + ": no articulator channels (meta/articulator_names is empty)");
  if (corpus.features.size() % static_cast<size_t>(f) != 0) {
    throw DataError(origin + ": features hold " + std::to_string(corpus.features.size()) +
                    " values, not a multiple of " + std::to_string(f) + " channels");
  }
  const int64_t frames = corpus.total_frames();
  if (static_cast<int64_t>(corpus.targets.size()) != frames * a) {
    throw DataError(origin + ": targets hold " + std::to_string(corpus.targets.size()) +
                    " values, expected " + std::to_string(frames) + " frames x " +
                    std::to_string(a) + " articulators");
  }
  if (!(corpus.meta.frame_rate_hz > 0) || !std::isfinite(corpus.meta.frame_rate_hz)) {
    throw DataError(origin + ": frame_rate_hz must be a positive number");
  }
  check_index(corpus.utterances, frames, origin);
  for (size_t i = 0; i < corpus.utterances.size(); ++i) {
    const auto& u = corpus.utterances[i];
    check_finite(corpus.features_of(i), u.length, f, "/features", u, corpus.meta.feature_names,
                 origin);
    check_finite(corpus.targets_of(i), u.length, a, "/targets", u, corpus.meta.articulator_names,
                 origin);
  }
}

}  // namespace artic
