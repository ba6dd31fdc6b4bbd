#include "data/batch.h"

#include <algorithm>

namespace artic {

TrainBatch collate(const std::vector<Segment>& segments, const FrameSource& source,
                   const Normalizer& normalizer, bool normalize_targets) {
  const auto b = static_cast<int64_t>(segments.size());
  const auto nf = static_cast<int64_t>(source.meta().feature_names.size());
  const auto na = static_cast<int64_t>(source.meta().articulator_names.size());
  int64_t t_max = 0;
  for (const auto& s : segments) t_max = std::max(t_max, s.length);

  TrainBatch out;
  out.features = torch::zeros({b, t_max, nf}, torch::kFloat32);
  out.targets = torch::zeros({b, t_max, na}, torch::kFloat32);
  out.pad_mask = torch::ones({b, t_max}, torch::kBool);
  out.lengths = torch::empty({b}, torch::kInt64);
  float* f = out.features.data_ptr<float>();
  float* y = out.targets.data_ptr<float>();
  bool* mask = out.pad_mask.data_ptr<bool>();
  int64_t* len = out.lengths.data_ptr<int64_t>();
  for (int64_t i = 0; i < b; ++i) {
    const Segment& s = segments[i];
    float* fi = f + i * t_max * nf;
    float* yi = y + i * t_max * na;
    source.read(s, fi, yi);
    normalizer.normalize_features(fi, s.length);
    if (normalize_targets) normalizer.normalize_targets(yi, s.length);
    std::fill(mask + i * t_max, mask + i * t_max + s.length, false);
    len[i] = s.length;
    const auto& id = source.utterances().at(static_cast<size_t>(s.utterance)).id;
    out.ids.push_back(s.start == 0 && s.length == source.utterances()[s.utterance].length
                          ? id
                          : id + "@" + std::to_string(s.start));
    out.real_frames += s.length;
  }
  out.padded_frames = b * t_max;
  return out;
}

}  // namespace artic
