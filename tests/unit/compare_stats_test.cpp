// `artic compare` over variants with seeds, against numpy/scipy (tests/python/compare_oracle.py):
// every seed's metrics, their means and sds, the differences with their two-level bootstrap
// intervals, Welch's p and Holm's adjustment; a variant compared with its own results has no
// detectable difference; one seed gets no verdict; a run given twice, eval.json files without
// per-utterance records or of other utterances are refused. Then the calibration of the verdicts
// on simulated A/A comparisons, and their power.
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
      const double r = c == 2 && i == 0
                           ? NAN
                           : std::min(0.99, 0.9 - 0.1 * quality * difficulty + 0.02 * rng.normal());
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
    const std::string same = dir.file("same/seed-" + std::to_string(s));
    write_run(full, s, 1.0);
    write_run(chunks, 10 + s, 1.3);
    write_run(same, s, 1.0);  // the baseline's results again, under other names
    variants[0].run_dirs.push_back(full);
    variants[1].run_dirs.push_back(chunks);
    variants[2].run_dirs.push_back(same);
  }
  VariantStatsOptions o;
  o.json = true;
  o.resamples = 5000;
  const Json got = Json::parse(compare_variants(variants, o));
  EXPECT_EQ(got["primary_test"], "welch_t_over_seeds");
  EXPECT_EQ(got["family_size"], 6);
  EXPECT_EQ(got["comparisons"][0]["rmse_mm"]["verdict"], "worse");
  EXPECT_EQ(got["comparisons"][0]["pearson_r"]["verdict"], "worse");
  const Json& same = got["comparisons"][1]["rmse_mm"];
  EXPECT_EQ(same["verdict"], "no detectable difference");
  EXPECT_EQ(same["estimate"], 0.0);
  EXPECT_NEAR(same["p"].get<double>(), 1.0, 1e-12);
  Json doc = {{"variants", Json::array()}, {"artic", got}};
  for (const auto& v : variants) doc["variants"].push_back(v.run_dirs);
  std::ofstream(dir.file("compare.json")) << doc.dump();
  test::run_oracle("compare_oracle.py", dir.file("compare.json"));

  o.json = false;
  const std::string table = compare_variants(variants, o);
  EXPECT_NE(table.find("| chunks | 3 |"), std::string::npos) << table;
  EXPECT_NE(table.find("primary test: Welch's t-test over the seeds' values, p Holm-adjusted "
                       "over the 6 tests of this table"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("| same vs full |"), std::string::npos) << table;

  o.all_pairs = true;
  o.json = true;
  o.resamples = 0;
  EXPECT_EQ(Json::parse(compare_variants(variants, o))["comparisons"].size(), 3u);
  o.all_pairs = false;
  o.baseline = "chunks";
  const Json by_chunks = Json::parse(compare_variants(variants, o));
  EXPECT_EQ(by_chunks["comparisons"][0]["a"], "chunks");
  EXPECT_EQ(by_chunks["comparisons"][0]["b"], "full");
  EXPECT_EQ(by_chunks["comparisons"][0]["rmse_mm"]["verdict"], "better");
  o.baseline = "nope";
  EXPECT_THROW(compare_variants(variants, o), UserError);
}

TEST(CompareVariants, OneSeedGetsNumbersButNoVerdictAndARunCountsOnce) {
  test::TempDir dir;
  write_run(dir.file("a"), 1, 1.0);
  write_run(dir.file("b"), 2, 3.0);
  VariantStatsOptions o;
  o.resamples = 200;
  const std::string table = compare_variants({{"a", {dir.file("a")}}, {"b", {dir.file("b")}}}, o);
  EXPECT_NE(table.find("one seed: no interval over training | n/a (n/a)"), std::string::npos)
      << table;
  EXPECT_EQ(table.find("worse"), std::string::npos) << table;
  try {
    compare_variants({{"a", {dir.file("a"), dir.file("a/../a")}}}, o);
    ADD_FAILURE() << "a run given twice counted as two seeds";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("is given twice"), std::string::npos) << e.what();
  }
}

// Simulated test results of one variant: per seed a shift shared by all of its utterances
// (training variance, `seed_sd`) on top of each utterance's own difficulty (common to every run)
// and per-run noise (`noise_sd`); one channel, RMSE only (MAE and r left out of the family).
VariantResults simulated(XoshiroRng& rng, const std::vector<double>& difficulty, int seeds,
                         double seed_sd, double noise_sd, double shift) {
  VariantResults v;
  v.frames.assign(difficulty.size(), 100.0);
  for (int s = 0; s < seeds; ++s) {
    SeedResults r;
    const double seed_shift = shift + seed_sd * rng.normal();
    for (double d : difficulty) {
      const double e = std::max(0.05, d + seed_shift + noise_sd * rng.normal());
      r.sq.push_back({e * e});
      r.abs.push_back({std::nan("")});
      r.r.push_back({std::nan("")});
    }
    v.seeds.push_back(r);
  }
  return v;
}

// How often compare_pairs calls a difference "better"/"worse", over `tables` simulated tables of
// `variants` variants (the first the baseline, the last shifted by `shift` seed sds): the share
// of comparisons with a verdict, of tables with any verdict, and of shifted comparisons found.
struct VerdictRates {
  double per_comparison = 0, per_table = 0, power = 0;
};
VerdictRates verdict_rates(int tables, int variants, int seeds, double seed_share, double shift,
                           uint64_t key) {
  XoshiroRng rng = XoshiroRng::keyed({key});
  const double total_var = 0.04;  // per-utterance error variance (mm^2)
  const double seed_sd = std::sqrt(seed_share * total_var);
  const double noise_sd = std::sqrt((1 - seed_share) * total_var);
  // The shift is in units of the sd of a seed's RMSE (what the seeds of a variant spread by).
  const double run_sd = std::sqrt(seed_sd * seed_sd + noise_sd * noise_sd / 60.0);
  VariantStatsOptions o;
  o.resamples = 0;
  std::vector<std::pair<size_t, size_t>> pairs;
  for (int k = 1; k < variants; ++k) pairs.emplace_back(0, static_cast<size_t>(k));
  int flagged = 0, tables_flagged = 0, found = 0;
  for (int t = 0; t < tables; ++t) {
    std::vector<double> difficulty(60);
    for (double& d : difficulty) d = 1.5 + 0.3 * rng.normal();
    std::vector<VariantResults> vs;
    for (int k = 0; k < variants; ++k) {
      const double s = k == variants - 1 ? shift * run_sd : 0.0;
      vs.push_back(simulated(rng, difficulty, seeds, seed_sd, noise_sd, s));
    }
    bool any = false;
    for (const Comparison& c : compare_pairs(vs, pairs, o)) {
      const bool verdict = c.metrics[0].verdict == "better" || c.metrics[0].verdict == "worse";
      const bool shifted = shift != 0 && c.b == static_cast<size_t>(variants - 1);
      if (shifted) {
        found += verdict ? 1 : 0;
      } else {
        flagged += verdict ? 1 : 0;
        any = any || verdict;
      }
    }
    tables_flagged += any ? 1 : 0;
  }
  const int nulls = tables * (variants - 1 - (shift != 0 ? 1 : 0));
  return {static_cast<double>(flagged) / std::max(1, nulls),
          static_cast<double>(tables_flagged) / tables, static_cast<double>(found) / tables};
}

// Calibration: A/A comparisons (one config, seeds differing) get a verdict about as often as the
// level promises, whatever share of the variance the seeds carry; a table of 6 comparisons stays
// within the level family-wise after Holm; and the power to find a real shift is measured.
TEST(CompareCalibration, AaComparisonsGetVerdictsAtTheLevelAndHolmHoldsATable) {
  for (const int seeds : {3, 5}) {
    for (const double share : {0.0, 0.5, 0.9}) {
      const VerdictRates r = verdict_rates(1000, 2, seeds, share, 0.0,
                                           static_cast<uint64_t>(seeds * 100 + share * 10));
      EXPECT_GE(r.per_comparison, 0.02) << seeds << " seeds, seed share " << share;
      EXPECT_LE(r.per_comparison, 0.08) << seeds << " seeds, seed share " << share;
      std::printf("A/A, %d seeds, seed share %.1f: verdicts in %.1f%% of 1000 comparisons\n", seeds,
                  share, 100 * r.per_comparison);
    }
    const VerdictRates table = verdict_rates(1000, 7, seeds, 0.9, 0.0, 77 + seeds);
    EXPECT_LE(table.per_table, 0.05 + 0.02) << seeds << " seeds";  // 5% + 3 Monte Carlo sds
    std::printf("A/A tables of 6 comparisons, %d seeds: a verdict in %.1f%% of 1000 tables\n",
                seeds, 100 * table.per_table);
  }
  for (const double shift : {1.0, 2.0, 2.5}) {
    const VerdictRates r = verdict_rates(1000, 2, 5, 0.9, shift, 500 + shift * 10);
    std::printf("shift of %.1f seed sd, 5 seeds: found in %.1f%% of 1000 comparisons\n", shift,
                100 * r.power);
    if (shift == 1.0) {
      EXPECT_GE(r.power, 0.2);
    }
    if (shift == 2.5) {
      EXPECT_GE(r.power, 0.8);
    }
  }
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
