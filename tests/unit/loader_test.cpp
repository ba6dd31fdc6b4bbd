#include "data/loader.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>

#include "core/error.h"
#include "core/rng.h"
#include "test_util.h"

namespace artic {
namespace {

Corpus make_corpus(int utts) {
  Corpus c;
  c.meta.feature_names = {"f0", "f1", "f2"};
  c.meta.articulator_names = {"a0", "a1"};
  Rng rng(5);
  int64_t offset = 0;
  for (int u = 0; u < utts; ++u) {
    const int64_t len = 3 + static_cast<int64_t>(rng.below(40));
    c.utterances.push_back({"u" + std::to_string(u), "s", "train", offset, len});
    for (int64_t t = 0; t < len; ++t) {
      for (int j = 0; j < 3; ++j) c.features.push_back(static_cast<float>(u + 0.01 * t + j));
      for (int j = 0; j < 2; ++j) c.targets.push_back(static_cast<float>(10 * j - u - 0.1 * t));
    }
    offset += len;
  }
  return c;
}

Normalizer identity(const Corpus& c) {
  Normalizer n;
  n.feature_mean.assign(3, 0.0);
  n.feature_std.assign(3, 1.0);
  n.target_mean.assign(2, 1.0);
  n.target_std.assign(2, 2.0);
  n.feature_names = c.meta.feature_names;
  n.articulator_names = c.meta.articulator_names;
  return n;
}

std::vector<Segment> full_segments(const Corpus& c) {
  std::vector<Segment> out;
  for (size_t i = 0; i < c.utterances.size(); ++i) {
    out.push_back({static_cast<int64_t>(i), 0, c.utterances[i].length});
  }
  return out;
}

std::vector<int64_t> lengths_of(const std::vector<Segment>& segs) {
  std::vector<int64_t> out;
  for (const auto& s : segs) out.push_back(s.length);
  return out;
}

TEST(Collate, PadsMasksAndNormalizes) {
  const Corpus c = make_corpus(6);
  const std::vector<Segment> segs = {{1, 0, c.utterances[1].length}, {4, 2, 5}};
  const TrainBatch b = collate(segs, FrameSource{&c, nullptr}, identity(c));
  const int64_t t_max = std::max<int64_t>(c.utterances[1].length, 5);
  ASSERT_EQ(b.features.sizes(), (std::vector<int64_t>{2, t_max, 3}));
  ASSERT_EQ(b.targets.sizes(), (std::vector<int64_t>{2, t_max, 2}));
  ASSERT_EQ(b.pad_mask.sizes(), (std::vector<int64_t>{2, t_max}));
  EXPECT_EQ(b.ids, (std::vector<std::string>{"u1", "u4@2"}));
  EXPECT_EQ(b.real_frames, c.utterances[1].length + 5);
  EXPECT_EQ(b.padded_frames, 2 * t_max);
  for (int64_t i = 0; i < 2; ++i) {
    const int64_t len = segs[i].length;
    EXPECT_EQ(b.lengths[i].item<int64_t>(), len);
    for (int64_t t = 0; t < t_max; ++t) {
      EXPECT_EQ(b.pad_mask[i][t].item<bool>(), t >= len);
      if (t >= len) {
        EXPECT_EQ(b.features[i][t].abs().sum().item<float>(), 0.0f);
        EXPECT_EQ(b.targets[i][t].abs().sum().item<float>(), 0.0f);
        continue;
      }
      const float* raw_f = c.features_of(segs[i].utterance) + (segs[i].start + t) * 3;
      const float* raw_y = c.targets_of(segs[i].utterance) + (segs[i].start + t) * 2;
      EXPECT_EQ(b.features[i][t][2].item<float>(), raw_f[2]);
      EXPECT_FLOAT_EQ(b.targets[i][t][1].item<float>(), (raw_y[1] - 1.0f) / 2.0f);
    }
  }
}

TEST(Collate, HdfAndMemorySourcesAgree) {
  test::TempDir dir;
  const Corpus c = make_corpus(8);
  write_corpus(dir.file("c.h5"), c);
  CorpusReader reader(dir.file("c.h5"));
  const std::vector<Segment> segs = {{0, 0, c.utterances[0].length}, {7, 1, 2}, {3, 0, 3}};
  const TrainBatch a = collate(segs, FrameSource{&c, nullptr}, identity(c));
  const TrainBatch b = collate(segs, FrameSource{nullptr, &reader}, identity(c));
  EXPECT_TRUE(torch::equal(a.features, b.features));
  EXPECT_TRUE(torch::equal(a.targets, b.targets));
  EXPECT_TRUE(torch::equal(a.pad_mask, b.pad_mask));
}

TEST(Loader, YieldsTheSamplersBatchesInOrderWithPositions) {
  const Corpus c = make_corpus(50);
  const auto segs = full_segments(c);
  SamplerOptions o;
  o.batching.max_frames = 100;
  BatchSampler reference(lengths_of(segs), o);
  BatchSampler sampler(lengths_of(segs), o);
  LoaderOptions lo;
  lo.prefetch = 2;
  BatchLoader loader(sampler, segs, FrameSource{&c, nullptr}, identity(c), lo);
  TrainBatch b;
  Batch want;
  int64_t n = 0;
  while (loader.next(&b)) {
    ASSERT_TRUE(reference.next(&want));
    ASSERT_EQ(b.ids.size(), want.items.size());
    for (size_t k = 0; k < want.items.size(); ++k)
      EXPECT_EQ(b.ids[k], c.utterances[want.items[k]].id);
    EXPECT_EQ(b.state_after.position, ++n);
  }
  EXPECT_FALSE(reference.next(&want));
  EXPECT_EQ(n, reference.batches_per_epoch());
}

TEST(Loader, ProducerErrorReachesTheTrainer) {
  test::TempDir dir;
  const Corpus c = make_corpus(30);
  write_corpus(dir.file("c.h5"), c);
  const int64_t bad_frame = c.utterances[17].offset + 2;
  test::run_command(std::string(ARTIC_ORACLE_PYTHON) + " -c \"import h5py; f = h5py.File('" +
                    dir.file("c.h5") + "', 'r+'); f['targets'][" + std::to_string(bad_frame) +
                    ", 1] = float('nan')\"");
  CorpusReader reader(dir.file("c.h5"));
  const auto segs = full_segments(c);
  SamplerOptions o;
  o.batching.max_frames = 60;
  BatchSampler sampler(lengths_of(segs), o);
  BatchLoader loader(sampler, segs, FrameSource{nullptr, &reader}, identity(c), LoaderOptions{});
  TrainBatch b;
  try {
    while (loader.next(&b)) {
    }
    FAIL() << "the NaN was not reported";
  } catch (const DataError& e) {
    EXPECT_NE(
        std::string(e.what()).find("/targets of utterance 'u17' is NaN at frame 2, channel a1"),
        std::string::npos)
        << e.what();
  }
}

// Destroying a loader mid-epoch stops its thread promptly (a hang is caught here, not by
// ctest's timeout) and it has read ahead no further than its prefetch depth.
TEST(Loader, StopsCleanlyWhenDestroyedMidEpoch) {
  const Corpus c = make_corpus(200);
  const auto segs = full_segments(c);
  SamplerOptions o;
  o.batching.max_frames = 50;
  BatchSampler sampler(lengths_of(segs), o);
  LoaderOptions options;
  options.prefetch = 2;
  auto loader =
      std::make_unique<BatchLoader>(sampler, segs, FrameSource{&c, nullptr}, identity(c), options);
  TrainBatch b;
  ASSERT_TRUE(loader->next(&b));
  ASSERT_GT(sampler.batches_per_epoch(), 20) << "the epoch must be long enough to stop inside";
  auto destroy = std::async(std::launch::async, [&loader] { loader.reset(); });
  ASSERT_EQ(destroy.wait_for(std::chrono::seconds(30)), std::future_status::ready)
      << "the loader's thread did not stop";
  // One batch taken, at most `prefetch` queued and one being collated when the stop came.
  EXPECT_LE(sampler.state().position, 1 + options.prefetch + 1);
  EXPECT_GE(sampler.state().position, 1);
}

}  // namespace
}  // namespace artic
