#include "eval/compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <tuple>

#include "core/error.h"
#include "core/json.h"

namespace artic {
namespace {

namespace fs = std::filesystem;

enum class Better { Lower, Higher, None };

struct Run {
  std::string name;
  json::Value summary;
  json::Value eval;
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
  r.summary = json::parse_file(r.summary_path);
  r.eval = json::parse_file(r.eval_path);
  r.name = fs::path(dir).filename().string();
  if (r.name.empty()) r.name = fs::path(dir).parent_path().filename().string();
  return r;
}

std::string number(double v, int digits) {
  if (!std::isfinite(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
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
    for (double v : row.values) out += " " + number(v, row.digits) + " |";
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

std::string split_text(const json::Value& v, const std::string& origin) {
  const std::string& mode = v.at("split_mode", origin).as_string("split_mode");
  const int64_t len = v.at("sequence_length", origin).as_integer("sequence_length");
  return mode == "full" ? std::string("full utterances")
                        : mode + " " + std::to_string(len) + " frames";
}

// A staged run's summary "stages": a non-empty list.
const std::vector<json::Value>& stages_of(const Run& r) {
  const json::Value& stages = r.summary.at("stages", r.summary_path);
  if (!stages.is_array() || stages.items().empty()) {
    throw UserError(r.summary_path + ": 'stages' must be a non-empty list of stage summaries");
  }
  return stages.items();
}

// Staged runs (summary "stages"): every stage's split joined by arrows, epochs summed over the
// stages, and the best epoch counted over the whole run.
std::string run_split(const Run& r) {
  if (!r.summary.has("stages")) return split_text(r.summary, r.summary_path);
  std::string out;
  for (const auto& st : stages_of(r)) {
    out += (out.empty() ? "" : " → ") + split_text(st, r.summary_path);
  }
  return out;
}

double run_epochs(const Run& r, bool best) {
  const auto number = [&](const json::Value& v, const char* key) {
    return v.at(key, r.summary_path).as_number(r.summary_path + ": " + key);
  };
  if (!r.summary.has("stages")) return number(r.summary, best ? "best_epoch" : "epochs");
  const auto& stages = stages_of(r);
  double before = 0;
  for (size_t i = 0; i + 1 < stages.size(); ++i) before += number(stages[i], "epochs");
  return before + number(stages.back(), best ? "best_epoch" : "epochs");
}

std::string compare_runs(const std::vector<std::string>& run_dirs, const CompareOptions& options) {
  if (run_dirs.size() < 2) throw UserError("artic compare needs at least two run directories");
  std::vector<Run> runs;
  for (const auto& d : run_dirs) runs.push_back(load_run(d));

  const auto summary_row = [&](const std::string& label, const std::string& key) {
    Row row{label, {}, 0, Better::None};
    for (const auto& r : runs) {
      row.values.push_back(
          r.summary.at(key, r.summary_path).as_number(r.summary_path + ": " + key));
    }
    return row;
  };
  const auto epochs_row = [&](const std::string& label, bool best) {
    Row row{label, {}, 0, Better::None};
    for (const auto& r : runs) row.values.push_back(run_epochs(r, best));
    return row;
  };
  std::string setup_modes = "| Split |";
  for (const auto& r : runs) setup_modes += " " + run_split(r) + " |";
  for (size_t k = 1; k < runs.size(); ++k) setup_modes += " |";

  std::vector<Row> setup = {
      summary_row("Train segments", "train_segments"),
      summary_row("Validation utterances", "valid_segments"),
      summary_row("Test utterances", "test_utterances"),
      epochs_row("Epochs trained", false),
      epochs_row("Best epoch", true),
      summary_row("Optimizer steps", "steps"),
  };
  std::string out = table("Training setup", runs, setup);
  // The split row goes right under the header.
  const size_t header_end = out.find('\n', out.find("|---|")) + 1;
  out.insert(header_end, setup_modes + "\n");

  const auto eval_metric = [&](const Run& r, const std::string& key) {
    return r.eval.at("mean", r.eval_path)
        .at(key, r.eval_path + " mean")
        .as_number(r.eval_path + ": mean." + key);
  };
  std::vector<Row> results;
  std::string split = runs[0].eval.at("split", runs[0].eval_path).as_string("split");
  for (const auto& r : runs) {
    const std::string s = r.eval.at("split", r.eval_path).as_string(r.eval_path + ": split");
    if (s != split) {
      throw UserError(r.eval_path + " holds the '" + s + "' split but " + runs[0].eval_path +
                      " holds '" + split + "'; evaluate both on the same split");
    }
  }
  const std::string prefix = split == "test" ? "Test" : split == "valid" ? "Validation" : "Train";
  const std::vector<std::tuple<std::string, std::string, Better>> metrics = {
      {prefix + " RMSE (mm)", "rmse_mm", Better::Lower},
      {prefix + " Pearson r", "pearson_r", Better::Higher},
      {prefix + " MAE (mm)", "mae_mm", Better::Lower}};
  for (const auto& [label, key, better] : metrics) {
    Row row{label, {}, 3, better};
    for (const auto& r : runs) row.values.push_back(eval_metric(r, key));
    results.push_back(row);
  }
  Row val{"Best validation loss", {}, 4, Better::Lower};
  for (const auto& r : runs) {
    val.values.push_back(r.summary.at("best_val_loss", r.summary_path).as_number("best_val_loss"));
  }
  results.push_back(val);
  if (options.per_articulator) {
    const json::Value& first = runs[0].eval.at("articulators", runs[0].eval_path);
    for (const auto& [name, unused] : first.members()) {
      (void)unused;
      for (const auto& [suffix, key, better] :
           std::vector<std::tuple<std::string, std::string, Better>>{
               {" RMSE (mm)", "rmse_mm", Better::Lower}, {" r", "pearson_r", Better::Higher}}) {
        Row row{name + suffix, {}, 3, better};
        for (const auto& r : runs) {
          const json::Value& per = r.eval.at("articulators", r.eval_path);
          if (!per.has(name)) {
            throw UserError(r.eval_path + " has no articulator '" + name +
                            "' (runs on different "
                            "corpora cannot be compared per articulator)");
          }
          row.values.push_back(per.at(name, r.eval_path).at(key, r.eval_path).as_number(name));
        }
        results.push_back(row);
      }
    }
  }
  out += "\n" + table("Results", runs, results);
  return out;
}

}  // namespace artic
