#include "eval/compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <tuple>

#include "core/error.h"
#include "core/number_text.h"
#include "eval/run_records.h"

namespace artic {
namespace {

namespace fs = std::filesystem;

enum class Better { Lower, Higher, None };

struct Run {
  std::string name;
  RunSummary summary;
  EvalRecord eval;
  std::string summary_path, eval_path;
};

Run load_run(const std::string& dir) {
  Run r;
  r.summary_path = (fs::path(dir) / "summary.json").string();
  r.eval_path = (fs::path(dir) / "eval.json").string();
  if (!fs::is_directory(dir)) throw UserError(dir + " is not a run directory");
  if (!fs::exists(r.summary_path)) {
    throw UserError(dir + " has no summary.json; is it an artic run that has finished training?");
  }
  if (!fs::exists(r.eval_path)) {
    throw UserError(dir + " has no eval.json; run 'artic eval --run " + dir + "' first");
  }
  r.summary = read_run_summary(r.summary_path);
  r.eval = read_eval_record(r.eval_path);
  r.name = fs::path(dir).filename().string();
  if (r.name.empty()) r.name = fs::path(dir).parent_path().filename().string();
  return r;
}

std::string verdict(double a, double b, Better better) {
  if (better == Better::None || !std::isfinite(a) || !std::isfinite(b)) return "";
  const double scale = std::max(std::fabs(a), std::fabs(b));
  if (std::fabs(b - a) <= 5e-4 * scale) return "same";
  const bool improved = better == Better::Lower ? b < a : b > a;
  return improved ? "better" : "worse";
}

struct Row {
  std::string label;
  std::vector<double> values;
  int digits;
  Better better;
};

std::string table(const std::string& title, const std::vector<Run>& runs,
                  const std::vector<Row>& rows) {
  std::string out = "### " + title + "\n\n| Metric |";
  for (const auto& r : runs) out += " " + r.name + " |";
  for (size_t k = 1; k < runs.size(); ++k) {
    out += runs.size() > 2 ? " Change (" + runs[k].name + ") |" : " Change |";
  }
  out += "\n|---|";
  for (size_t k = 0; k < 2 * runs.size() - 1; ++k) out += "---:|";
  out += "\n";
  for (const auto& row : rows) {
    out += "| " + row.label + " |";
    for (double v : row.values) out += " " + fixed_text(v, row.digits) + " |";
    for (size_t k = 1; k < row.values.size(); ++k) {
      const std::string change = relative_change(row.values[0], row.values[k]);
      const std::string word = verdict(row.values[0], row.values[k], row.better);
      out += " " + change + (word.empty() ? "" : " " + word) + " |";
    }
    out += "\n";
  }
  return out;
}

}  // namespace

std::string relative_change(double a, double b) {
  if (!std::isfinite(a) || !std::isfinite(b) || a == 0) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%+.1f%%", 100.0 * (b - a) / std::fabs(a));
  return buf;
}

std::string split_text(const std::string& mode, int64_t length) {
  return mode == "full" ? std::string("full utterances")
                        : mode + " " + std::to_string(length) + " frames";
}

// Staged runs (summary "stages"): every stage's split joined by arrows, epochs summed over the
// stages, and the best epoch counted over the whole run.
std::string run_split(const RunSummary& r) {
  if (r.stages.empty()) return split_text(r.split_mode, r.sequence_length);
  std::string out;
  for (const auto& st : r.stages) {
    out += (out.empty() ? "" : " → ") + split_text(st.split_mode, st.sequence_length);
  }
  return out;
}

double run_epochs(const RunSummary& r, bool best) {
  if (r.stages.empty()) return static_cast<double>(best ? r.best_epoch : r.epochs);
  double before = 0;
  for (size_t i = 0; i + 1 < r.stages.size(); ++i)
    before += static_cast<double>(r.stages[i].epochs);
  const StageEndRecord& last = r.stages.back();
  return before + static_cast<double>(best ? last.best_epoch : last.epochs);
}

std::string compare_runs(const std::vector<std::string>& run_dirs, const CompareOptions& options) {
  if (run_dirs.size() < 2) throw UserError("artic compare needs at least two run directories");
  std::vector<Run> runs;
  for (const auto& d : run_dirs) runs.push_back(load_run(d));

  const auto summary_row = [&](const std::string& label, int64_t RunSummary::*field) {
    Row row{label, {}, 0, Better::None};
    for (const auto& r : runs) row.values.push_back(static_cast<double>(r.summary.*field));
    return row;
  };
  const auto epochs_row = [&](const std::string& label, bool best) {
    Row row{label, {}, 0, Better::None};
    for (const auto& r : runs) row.values.push_back(run_epochs(r.summary, best));
    return row;
  };
  std::string setup_modes = "| Split |";
  for (const auto& r : runs) setup_modes += " " + run_split(r.summary) + " |";
  for (size_t k = 1; k < runs.size(); ++k) setup_modes += " |";

  std::vector<Row> setup = {
      summary_row("Train segments", &RunSummary::train_segments),
      summary_row("Validation utterances", &RunSummary::valid_segments),
      summary_row("Test utterances", &RunSummary::test_utterances),
      epochs_row("Epochs trained", false),
      epochs_row("Best epoch", true),
      summary_row("Optimizer steps", &RunSummary::steps),
  };
  std::string out = table("Training setup", runs, setup);
  // The split row goes right under the header.
  const size_t header_end = out.find('\n', out.find("|---|")) + 1;
  out.insert(header_end, setup_modes + "\n");

  std::vector<Row> results;
  const std::string& split = runs[0].eval.split;
  for (const auto& r : runs) {
    const std::string& s = r.eval.split;
    if (s != split) {
      throw UserError(r.eval_path + " holds the '" + s + "' split but " + runs[0].eval_path +
                      " holds '" + split + "'; evaluate both on the same split");
    }
  }
  const std::string prefix = split == "test" ? "Test" : split == "valid" ? "Validation" : "Train";
  using Metric = double ChannelMetrics::*;
  const std::vector<std::tuple<std::string, Metric, Better>> metrics = {
      {prefix + " RMSE (mm)", &ChannelMetrics::rmse_mm, Better::Lower},
      {prefix + " Pearson r", &ChannelMetrics::pearson_r, Better::Higher},
      {prefix + " MAE (mm)", &ChannelMetrics::mae_mm, Better::Lower}};
  for (const auto& [label, metric, better] : metrics) {
    Row row{label, {}, 3, better};
    for (const auto& r : runs) row.values.push_back(r.eval.metrics.mean.*metric);
    results.push_back(row);
  }
  Row val{"Best validation loss", {}, 4, Better::Lower};
  for (const auto& r : runs) val.values.push_back(r.summary.best_val_loss);
  results.push_back(val);
  if (options.per_articulator) {
    for (const auto& name : runs[0].eval.metrics.articulators) {
      for (const auto& [suffix, metric, better] :
           std::vector<std::tuple<std::string, Metric, Better>>{
               {" RMSE (mm)", &ChannelMetrics::rmse_mm, Better::Lower},
               {" r", &ChannelMetrics::pearson_r, Better::Higher}}) {
        Row row{name + suffix, {}, 3, better};
        for (const auto& r : runs) {
          const EvalMetrics& m = r.eval.metrics;
          const auto at = std::find(m.articulators.begin(), m.articulators.end(), name);
          if (at == m.articulators.end()) {
            throw UserError(r.eval_path + " has no articulator '" + name +
                            "' (runs on different "
                            "corpora cannot be compared per articulator)");
          }
          row.values.push_back(m.per_channel[static_cast<size_t>(at - m.articulators.begin())].*
                               metric);
        }
        results.push_back(row);
      }
    }
  }
  out += "\n" + table("Results", runs, results);
  return out;
}

}  // namespace artic
