// Metric accumulators against a numpy fp64 oracle, merging across shards, degenerate channels.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/rng.h"
#include "eval/metrics.h"
#include "eval/report.h"
#include "eval/run_records.h"
#include "test_util.h"

namespace artic {
namespace {

struct Utt {
  int64_t frames;
  std::vector<float> pred, target;
};

// Random utterances with smooth targets; utterance 2 has a constant T1_y target, utterance 4
// a constant prediction for T2_x, and one utterance is a single frame (no r for it).
std::vector<Utt> make_utterances(size_t na, uint64_t seed) {
  Rng rng(seed);
  std::vector<Utt> utts;
  const std::vector<int64_t> lengths = {37, 120, 64, 1, 250, 9};
  for (size_t u = 0; u < lengths.size(); ++u) {
    Utt x{lengths[u], {}, {}};
    for (int64_t t = 0; t < x.frames; ++t) {
      for (size_t a = 0; a < na; ++a) {
        const double y = 10.0 * std::sin(0.05 * static_cast<double>(t) * (1.0 + a)) + 3.0 * a;
        double target = y + rng.uniform();
        double pred = 0.7 * y + 2.0 * (rng.uniform() - 0.5) + 1.0;
        if (u == 2 && a == 1) target = 5.0;
        if (u == 4 && a == 2) pred = -1.0;
        x.target.push_back(static_cast<float>(target));
        x.pred.push_back(static_cast<float>(pred));
      }
    }
    utts.push_back(std::move(x));
  }
  return utts;
}

const std::vector<std::string> kNames = {"T1_x", "T1_y", "T2_x", "T2_y"};

EvalRecord record_of(const EvalMetrics& m) {
  EvalRecord r;
  r.split = "test";
  r.metrics = m;
  return r;
}

TEST(Metrics, MatchNumpyOracle) {
  const auto utts = make_utterances(kNames.size(), 11);
  MetricAccumulator acc(kNames);
  Json data = Json::array();
  for (const auto& u : utts) {
    acc.add_utterance(u.pred.data(), u.target.data(), u.frames);
    // As doubles: the oracle must read the exact float values (a float prints shorter).
    data.push_back({{"frames", u.frames},
                    {"pred", std::vector<double>(u.pred.begin(), u.pred.end())},
                    {"target", std::vector<double>(u.target.begin(), u.target.end())}});
  }
  const EvalMetrics m = acc.result();
  EXPECT_EQ(m.utterances, 6);
  EXPECT_EQ(m.frames, 37 + 120 + 64 + 1 + 250 + 9);
  EXPECT_EQ(m.per_channel[0].r_utterances, 5);  // the 1-frame utterance has no r
  EXPECT_EQ(m.per_channel[1].r_utterances, 4);  // nor the constant target
  EXPECT_EQ(m.per_channel[2].r_utterances, 4);  // nor the constant prediction

  test::TempDir dir;
  const Json doc = {{"utterances", data}, {"metrics", record_of(m)}};
  std::ofstream(dir.file("metrics.json")) << doc.dump();
  test::run_oracle("metrics_oracle.py", dir.file("metrics.json"));
}

TEST(Metrics, ShardsMergeToTheSameResult) {
  const auto utts = make_utterances(kNames.size(), 5);
  MetricAccumulator whole(kNames), a(kNames), b(kNames);
  for (size_t i = 0; i < utts.size(); ++i) {
    whole.add_utterance(utts[i].pred.data(), utts[i].target.data(), utts[i].frames);
    (i % 2 == 0 ? a : b).add_utterance(utts[i].pred.data(), utts[i].target.data(), utts[i].frames);
  }
  std::vector<double> flat = a.to_flat();
  const std::vector<double> fb = b.to_flat();
  for (size_t k = 0; k < flat.size(); ++k) flat[k] += fb[k];
  const EvalMetrics merged = MetricAccumulator::from_flat(kNames, flat).result();
  const EvalMetrics direct = whole.result();
  for (size_t c = 0; c < kNames.size(); ++c) {
    EXPECT_NEAR(merged.per_channel[c].rmse_mm, direct.per_channel[c].rmse_mm, 1e-12);
    EXPECT_NEAR(merged.per_channel[c].mae_mm, direct.per_channel[c].mae_mm, 1e-12);
    EXPECT_NEAR(merged.per_channel[c].pearson_r, direct.per_channel[c].pearson_r, 1e-12);
  }
  EXPECT_THROW(MetricAccumulator::from_flat(kNames, {1.0, 2.0}), std::invalid_argument);
}

TEST(Metrics, PerfectPredictionAndNoData) {
  std::vector<float> y;
  for (int t = 0; t < 50; ++t) y.insert(y.end(), {static_cast<float>(t), static_cast<float>(-t)});
  MetricAccumulator acc({"a", "b"});
  acc.add_utterance(y.data(), y.data(), 50);
  const EvalMetrics m = acc.result();
  EXPECT_EQ(m.mean.rmse_mm, 0.0);
  EXPECT_EQ(m.mean.mae_mm, 0.0);
  EXPECT_NEAR(m.mean.pearson_r, 1.0, 1e-12);

  const EvalMetrics empty = MetricAccumulator({"a"}).result();
  EXPECT_TRUE(std::isnan(empty.mean.rmse_mm));
  EXPECT_TRUE(std::isnan(empty.per_channel[0].pearson_r));
  // Undefined values are written as JSON null, never as nan.
  const std::string text = Json(record_of(empty)).dump();
  EXPECT_EQ(text.find("nan"), std::string::npos);
  EXPECT_NE(text.find("\"rmse_mm\":null"), std::string::npos) << text;
}

TEST(Metrics, TableNamesEveryChannel) {
  const auto utts = make_utterances(kNames.size(), 2);
  MetricAccumulator acc(kNames);
  for (const auto& u : utts) acc.add_utterance(u.pred.data(), u.target.data(), u.frames);
  const std::string table = metrics_table(acc.result());
  for (const auto& n : kNames) EXPECT_NE(table.find(n), std::string::npos) << table;
  EXPECT_NE(table.find("mean"), std::string::npos);
  EXPECT_NE(table.find("Pearson r"), std::string::npos);
}

}  // namespace
}  // namespace artic
