#include "data/dataset.h"

#include <cstring>

namespace artic {

const std::vector<UtteranceInfo>& FrameSource::utterances() const {
  return memory ? memory->utterances : reader->utterances();
}

const CorpusMeta& FrameSource::meta() const {
  return memory ? memory->meta : reader->meta();
}

void FrameSource::read(const Segment& s, float* features, float* targets) const {
  if (reader) {
    reader->read_frames(static_cast<size_t>(s.utterance), s.start, s.length, features, targets);
    return;
  }
  const int64_t nf = memory->num_features(), na = memory->num_articulators();
  const size_t u = static_cast<size_t>(s.utterance);
  std::memcpy(features, memory->features_of(u) + s.start * nf, sizeof(float) * s.length * nf);
  std::memcpy(targets, memory->targets_of(u) + s.start * na, sizeof(float) * s.length * na);
}

std::vector<size_t> split_indices(const std::vector<UtteranceInfo>& utterances,
                                  const std::string& split) {
  std::vector<size_t> out;
  for (size_t i = 0; i < utterances.size(); ++i) {
    if (utterances[i].split == split) out.push_back(i);
  }
  return out;
}

std::vector<Segment> make_segments(const FrameSource& source, const std::vector<size_t>& utterances,
                                   const SegmenterOptions& options) {
  const auto nf = static_cast<int64_t>(source.meta().feature_names.size());
  const auto na = static_cast<int64_t>(source.meta().articulator_names.size());
  std::vector<Segment> out;
  std::vector<float> feats, targs, energy;
  for (size_t i : utterances) {
    const int64_t length = source.utterances().at(i).length;
    if (options.mode == SplitMode::Silence) {
      feats.resize(static_cast<size_t>(length * nf));
      targs.resize(static_cast<size_t>(length * na));
      source.read({static_cast<int64_t>(i), 0, length}, feats.data(), targs.data());
      energy = frame_energy_db(feats.data(), length, nf);
    }
    const auto segs = segment_utterance(static_cast<int64_t>(i), length, energy, options);
    out.insert(out.end(), segs.begin(), segs.end());
  }
  return out;
}

std::vector<int64_t> segment_lengths(const std::vector<Segment>& segments) {
  std::vector<int64_t> out;
  out.reserve(segments.size());
  for (const auto& s : segments) out.push_back(s.length);
  return out;
}

}  // namespace artic
