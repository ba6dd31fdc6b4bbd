// artic compare: the Markdown tables, change in % with better/worse, and errors on bad runs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "eval/compare.h"
#include "test_util.h"

namespace artic {
namespace {

namespace fs = std::filesystem;

void write_run(const std::string& dir, const std::string& mode, int64_t seq, int64_t train,
               int64_t epochs, int64_t best, double val_loss, double rmse, double r, double mae,
               const std::string& split = "test") {
  fs::create_directories(dir);
  std::ofstream(dir + "/summary.json")
      << "{\"name\": \"x\", \"train_segments\": " << train
      << ", \"valid_segments\": 46, \"test_utterances\": 47, \"epochs\": " << epochs
      << ", \"best_epoch\": " << best << ", \"steps\": " << epochs * 10
      << ", \"best_val_loss\": " << val_loss << ", \"split_mode\": \"" << mode
      << "\", \"sequence_length\": " << seq << ", \"stopped\": \"max_epochs\"}\n";
  std::ofstream(dir + "/eval.json")
      << "{\"split\": \"" << split << "\", \"utterances\": 47, \"frames\": 31980, \"mean\": "
      << "{\"rmse_mm\": " << rmse << ", \"mae_mm\": " << mae << ", \"pearson_r\": " << r
      << "}, \"articulators\": {\"T1_x\": {\"rmse_mm\": " << rmse << ", \"mae_mm\": " << mae
      << ", \"pearson_r\": " << r << ", \"r_utterances\": 47}}}\n";
}

std::string line_with(const std::string& text, const std::string& label) {
  const size_t at = text.find("| " + label + " |");
  if (at == std::string::npos) return "";
  return text.substr(at, text.find('\n', at) - at);
}

TEST(Compare, TablesShowChangeAndVerdict) {
  test::TempDir tmp;
  const std::string a = tmp.file("full"), b = tmp.file("chunked_100");
  write_run(a, "full", 100, 407, 24, 9, 0.868, 0.993, 0.153, 0.736);
  write_run(b, "fixed", 100, 1240, 15, 1, 1.033, 1.009, 0.162, 0.757);
  const std::string out = compare_runs({a, b}, {});
  EXPECT_NE(out.find("| Metric | full | chunked_100 | Change |"), std::string::npos) << out;
  EXPECT_EQ(line_with(out, "Split"), "| Split | full utterances | fixed 100 frames | |");
  EXPECT_EQ(line_with(out, "Train segments"), "| Train segments | 407 | 1240 | +204.7% |");
  EXPECT_EQ(line_with(out, "Test RMSE (mm)"), "| Test RMSE (mm) | 0.993 | 1.009 | +1.6% worse |");
  EXPECT_EQ(line_with(out, "Test Pearson r"), "| Test Pearson r | 0.153 | 0.162 | +5.9% better |");
  EXPECT_EQ(line_with(out, "Test MAE (mm)"), "| Test MAE (mm) | 0.736 | 0.757 | +2.9% worse |");
  EXPECT_EQ(line_with(out, "Best validation loss"),
            "| Best validation loss | 0.8680 | 1.0330 | +19.0% worse |");
  EXPECT_EQ(out.find("T1_x"), std::string::npos);
  const std::string per = compare_runs({a, b}, {true});
  EXPECT_EQ(line_with(per, "T1_x r"), "| T1_x r | 0.153 | 0.162 | +5.9% better |");
}

TEST(Compare, ThreeRunsGetAChangeColumnEach) {
  test::TempDir tmp;
  write_run(tmp.file("a"), "full", 100, 407, 10, 8, 0.5, 2.0, 0.8, 1.5);
  write_run(tmp.file("b"), "fixed", 100, 1000, 10, 8, 0.5, 2.0, 0.8, 1.5);
  write_run(tmp.file("c"), "fixed", 500, 600, 10, 8, 0.4, 1.0, 0.9, 1.0);
  const std::string out = compare_runs({tmp.file("a"), tmp.file("b"), tmp.file("c")}, {});
  EXPECT_NE(out.find("| Metric | a | b | c | Change (b) | Change (c) |"), std::string::npos) << out;
  EXPECT_EQ(line_with(out, "Test RMSE (mm)"),
            "| Test RMSE (mm) | 2.000 | 2.000 | 1.000 | +0.0% same | -50.0% better |");
}

TEST(Compare, StagedRunsShowEveryStageAndTotalEpochs) {
  test::TempDir tmp;
  const std::string a = tmp.file("scratch"), b = tmp.file("staged");
  write_run(a, "full", 500, 407, 16, 15, 0.21, 1.385, 0.855, 0.952);
  write_run(b, "full", 500, 407, 8, 8, 0.22, 1.396, 0.854, 0.984);
  // summary.json of a staged run: the last stage's fields plus the list of stages.
  std::ifstream in(b + "/summary.json");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  text.insert(text.rfind('}'),
              ", \"stages\": [{\"split_mode\": \"fixed\", \"sequence_length\": 500, "
              "\"epochs\": 8, \"best_epoch\": 7}, {\"split_mode\": \"full\", "
              "\"sequence_length\": 500, \"epochs\": 8, \"best_epoch\": 8}]");
  std::ofstream(b + "/summary.json") << text;
  const std::string out = compare_runs({a, b}, CompareOptions());
  EXPECT_EQ(line_with(out, "Split"),
            "| Split | full utterances | fixed 500 frames → full utterances | |");
  EXPECT_EQ(line_with(out, "Epochs trained"), "| Epochs trained | 16 | 16 | +0.0% |");
  EXPECT_EQ(line_with(out, "Best epoch"), "| Best epoch | 15 | 16 | +6.7% |");
}

TEST(Compare, RelativeChange) {
  EXPECT_EQ(relative_change(2.0, 1.0), "-50.0%");
  EXPECT_EQ(relative_change(-0.5, -0.25), "+50.0%");
  EXPECT_EQ(relative_change(0.0, 1.0), "n/a");
}

std::string error_of(const std::vector<std::string>& runs) {
  try {
    compare_runs(runs, {});
  } catch (const UserError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Compare, BadRunsAreClearErrors) {
  test::TempDir tmp;
  const std::string a = tmp.file("a"), b = tmp.file("b");
  write_run(a, "full", 100, 407, 10, 8, 0.5, 2.0, 0.8, 1.5);
  EXPECT_EQ(error_of({a}), "artic compare needs at least two run directories");
  EXPECT_EQ(error_of({a, tmp.file("nope")}), tmp.file("nope") + " is not a run directory");
  fs::create_directories(b);
  EXPECT_EQ(error_of({a, b}),
            b + " has no summary.json; is it an artic run that has finished training?");
  write_run(b, "full", 100, 407, 10, 8, 0.5, 2.0, 0.8, 1.5);
  fs::remove(b + "/eval.json");
  EXPECT_EQ(error_of({a, b}), b + " has no eval.json; run 'artic eval --run " + b + "' first");
  write_run(b, "full", 100, 407, 10, 8, 0.5, 2.0, 0.8, 1.5, "valid");
  EXPECT_NE(error_of({a, b}).find("holds the 'valid' split"), std::string::npos);
  std::ofstream(b + "/summary.json") << "{\n  \"epochs\": 3,\n  \"steps\" 4\n}\n";
  EXPECT_EQ(error_of({a, b}).rfind(b + "/summary.json: not valid JSON: parse error at line 3", 0),
            0u)
      << error_of({a, b});
  std::ofstream(b + "/summary.json") << "{\"epochs\": 3}\n";
  EXPECT_EQ(error_of({a, b}), b + "/summary.json: missing key 'train_segments' (not a run summary "
                                  "(summary.json) as artic writes it)");
  // A stage list that is not a list, or whose stages lack what compare reads, is named.
  write_run(b, "full", 100, 407, 10, 8, 0.5, 2.0, 0.8, 1.5);
  std::ifstream in(b + "/summary.json");
  const std::string good((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const auto& [stages, error] : std::vector<std::pair<std::string, std::string>>{
           {"7", "'stages': type must be array, but is number"},
           {"[{\"epochs\": 2}]", "in 'stages': missing key 'best_epoch'"},
           {"[{\"epochs\": 2, \"best_epoch\": \"x\", \"split_mode\": \"full\"}]",
            "in 'stages': 'best_epoch': an integer expected, got string"}}) {
    std::string text = good;
    text.insert(text.rfind('}'), ", \"stages\": " + stages);
    std::ofstream(b + "/summary.json") << text;
    EXPECT_EQ(error_of({a, b}), b + "/summary.json: " + error +
                                    " (not a run summary (summary.json) as artic writes it)");
  }
  // An empty list is a run without stages.
  std::string text = good;
  text.insert(text.rfind('}'), ", \"stages\": []");
  std::ofstream(b + "/summary.json") << text;
  EXPECT_EQ(error_of({a, b}), "no error");
  // eval.json without the means.
  std::ofstream(b + "/eval.json") << "{\"split\": \"test\", \"articulators\": {}}";
  EXPECT_EQ(error_of({a, b}), b + "/eval.json: missing key 'mean' (not an evaluation record "
                                  "(eval.json) as artic writes it)");
}

}  // namespace
}  // namespace artic
