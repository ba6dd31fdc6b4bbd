// `artic compare` over variants with seeds, against numpy/scipy (tests/python/compare_oracle.py):
// means and sds over seeds, the seed-averaged pooled metrics, the paired differences with their
// bootstrap intervals and Wilcoxon p; a variant compared with itself has no detectable
// difference; eval.json files without per-utterance records or of other utterances are refused.
#include "eval/compare_stats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/rng.h"
#include "eval/run_records.h"
#include "test_util.h"

namespace artic {
namespace {

using Json = nlohmann::json;

// An eval.json of `utterances` utterances x 3 channels whose errors scale with `quality`.
void write_run(const std::string& dir, uint64_t seed, double quality, size_t utterances = 30) {
  std::filesystem::create_directories(dir);
  XoshiroRng rng = XoshiroRng::keyed({seed});
  XoshiroRng shared = XoshiroRng::keyed({99});  // the utterances' own difficulty, common to runs
  EvalRecord e;
  e.split = "test";
  e.metrics.articulators = {"a", "b", "c"};
  double sq[3] = {0, 0, 0}, ab[3] = {0, 0, 0}, frames = 0;
  for (size_t i = 0; i < utterances; ++i) {
    UtteranceMetrics u;
    u.id = "utt" + std::to_string(i);
    u.frames = 100 + static_cast<int64_t>(shared.below(400));
    const double difficulty = 0.5 + shared.uniform();
    for (size_t c = 0; c < 3; ++c) {
      const double rmse = quality * difficulty * (1 + 0.1 * rng.normal());
      const double r = c == 2 && i == 0 ? NAN : std::min(0.99, 0.9 - 0.1 * quality * difficulty);
      u.all.push_back({rmse, 0.8 * rmse, r, std::isfinite(r) ? 1 : 0});
      sq[c] += rmse * rmse * static_cast<double>(u.frames);
      ab[c] += 0.8 * rmse * static_cast<double>(u.frames);
    }
    frames += static_cast<double>(u.frames);
    e.utterances.push_back(u);
  }
  for (size_t c = 0; c < 3; ++c) {
    e.metrics.per_channel.push_back({std::sqrt(sq[c] / frames), ab[c] / frames, 0.8, 30});
  }
  e.metrics.mean = {(e.metrics.per_channel[0].rmse_mm + e.metrics.per_channel[1].rmse_mm +
                     e.metrics.per_channel[2].rmse_mm) /
                        3,
                    (ab[0] + ab[1] + ab[2]) / frames / 3, 0.8 - 0.01 * quality, 30};
  e.metrics.utterances = static_cast<int64_t>(utterances);
  write_record(dir + "/eval.json", e);
}

TEST(CompareVariants, AgreeWithTheOracleAndSayWhenThereIsNoDifference) {
  test::TempDir dir;
  std::vector<VariantRuns> variants = {{"full", {}}, {"chunks", {}}, {"same", {}}};
  for (uint64_t s = 1; s <= 3; ++s) {
    const std::string full = dir.file("full/seed-" + std::to_string(s));
    const std::string chunks = dir.file("chunks/seed-" + std::to_string(s));
    write_run(full, s, 1.0);
    write_run(chunks, 10 + s, 1.3);
    variants[0].run_dirs.push_back(full);
    variants[1].run_dirs.push_back(chunks);
    variants[2].run_dirs.push_back(full);  // the baseline against itself
  }
  VariantStatsOptions o;
  o.json = true;
  o.resamples = 20000;
  const Json got = Json::parse(compare_variants(variants, o));
  EXPECT_EQ(got["variants"][1]["rmse_mm"]["difference"]["verdict"], "worse");
  EXPECT_EQ(got["variants"][1]["pearson_r"]["difference"]["verdict"], "worse");
  const Json& same = got["variants"][2]["rmse_mm"]["difference"];
  EXPECT_EQ(same["verdict"], "no detectable difference (n = 30)");
  EXPECT_EQ(same["estimate"], 0.0);
  EXPECT_TRUE(same["p"].is_null()) << "no non-zero difference: no test";
  Json doc = {{"variants", Json::array()}, {"artic", got}};
  for (const auto& v : variants) doc["variants"].push_back(v.run_dirs);
  std::ofstream(dir.file("compare.json")) << doc.dump();
  test::run_oracle("compare_oracle.py", dir.file("compare.json"));

  o.json = false;
  const std::string table = compare_variants(variants, o);
  EXPECT_NE(table.find("| chunks | 3 |"), std::string::npos) << table;
  EXPECT_NE(table.find("no detectable difference (n = 30)"), std::string::npos) << table;
}

TEST(CompareVariants, RefusesRecordsItCannotPair) {
  test::TempDir dir;
  write_run(dir.file("a"), 1, 1.0);
  write_run(dir.file("b"), 2, 1.0, 29);
  VariantStatsOptions o;
  try {
    compare_variants({{"a", {dir.file("a")}}, {"b", {dir.file("b")}}}, o);
    ADD_FAILURE() << "compared different test splits";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("were evaluated on different utterances"),
              std::string::npos)
        << e.what();
  }
  std::ofstream(dir.file("a/eval.json"))
      << R"({"split": "test", "mean": {"rmse_mm": 1, "mae_mm": 1, "pearson_r": 0.5},
            "articulators": {}})";
  try {
    compare_variants({{"a", {dir.file("a")}}}, o);
    ADD_FAILURE() << "compared without per-utterance records";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("has no per-utterance records"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace artic
