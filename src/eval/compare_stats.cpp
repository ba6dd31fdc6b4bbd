#include "eval/compare_stats.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "eval/run_records.h"
#include "eval/statistics.h"

namespace artic {
namespace {

namespace fs = std::filesystem;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Metric {
  const char* key;
  const char* label;
  bool lower_is_better;
};
const Metric kMetrics[] = {
    {"rmse_mm", "RMSE (mm)", true}, {"pearson_r", "r", false}, {"mae_mm", "MAE (mm)", true}};

// A variant's test results: per seed the split's means, per utterance and channel the seeds'
// average of squared error, absolute error and r (NaN where no seed had an r).
struct Variant {
  std::string name;
  std::vector<std::string> runs;
  std::vector<double> seed_values[3];
  std::vector<std::string> ids;
  std::vector<double> frames;
  std::vector<std::vector<double>> sq, abs, r;  // [utterance][channel]
};

Variant load_variant(const VariantRuns& v) {
  Variant out;
  out.name = v.name;
  out.runs = v.run_dirs;
  std::vector<std::vector<double>> r_count;
  for (const auto& dir : v.run_dirs) {
    const std::string path = (fs::path(dir) / "eval.json").string();
    if (!fs::exists(path)) {
      throw UserError(dir + " has no eval.json; run 'artic eval --run " + dir + "' first");
    }
    const EvalRecord e = read_eval_record(path);
    if (e.utterances.empty()) {
      throw UserError(path +
                      " has no per-utterance records (written by an older artic); run "
                      "'artic eval --run " +
                      dir + "' again");
    }
    out.seed_values[0].push_back(e.metrics.mean.rmse_mm);
    out.seed_values[1].push_back(e.metrics.mean.pearson_r);
    out.seed_values[2].push_back(e.metrics.mean.mae_mm);
    if (out.ids.empty()) {
      for (const auto& u : e.utterances) {
        out.ids.push_back(u.id);
        out.frames.push_back(static_cast<double>(u.frames));
      }
      const size_t channels = e.utterances[0].all.size();
      out.sq.assign(out.ids.size(), std::vector<double>(channels, 0.0));
      out.abs = out.sq;
      out.r = out.sq;
      r_count = out.sq;
    }
    if (e.utterances.size() != out.ids.size()) {
      throw UserError(path + " has " + std::to_string(e.utterances.size()) + " utterances, " +
                      v.run_dirs[0] + " " + std::to_string(out.ids.size()) +
                      ": compare runs evaluated on the same split");
    }
    for (size_t i = 0; i < out.ids.size(); ++i) {
      const UtteranceMetrics& u = e.utterances[i];
      if (u.id != out.ids[i] || u.all.size() != out.sq[i].size()) {
        throw UserError(path + ": utterance " + std::to_string(i) + " is '" + u.id + "', in " +
                        v.run_dirs[0] + " '" + out.ids[i] +
                        "': compare runs evaluated on the same split of the same corpus");
      }
      for (size_t c = 0; c < u.all.size(); ++c) {
        out.sq[i][c] += u.all[c].rmse_mm * u.all[c].rmse_mm;
        out.abs[i][c] += u.all[c].mae_mm;
        if (std::isfinite(u.all[c].pearson_r)) {
          out.r[i][c] += u.all[c].pearson_r;
          r_count[i][c] += 1;
        }
      }
    }
  }
  const double seeds = static_cast<double>(v.run_dirs.size());
  for (size_t i = 0; i < out.ids.size(); ++i) {
    for (size_t c = 0; c < out.sq[i].size(); ++c) {
      out.sq[i][c] /= seeds;
      out.abs[i][c] /= seeds;
      out.r[i][c] = r_count[i][c] > 0 ? out.r[i][c] / r_count[i][c] : kNaN;
    }
  }
  return out;
}

// Metric `m` of a variant on the utterances `idx` (repeats count): RMSE and MAE pooled over
// frames, r averaged over utterances; then averaged over channels.
double pooled(const Variant& v, int m, const std::vector<size_t>& idx) {
  const size_t channels = v.sq[0].size();
  double total = 0;
  for (size_t c = 0; c < channels; ++c) {
    double num = 0, den = 0;
    for (size_t i : idx) {
      if (m == 1) {
        if (std::isfinite(v.r[i][c])) {
          num += v.r[i][c];
          den += 1;
        }
      } else {
        num += (m == 0 ? v.sq[i][c] : v.abs[i][c]) * v.frames[i];
        den += v.frames[i];
      }
    }
    const double value = den > 0 ? num / den : kNaN;
    total += m == 0 ? std::sqrt(value) : value;
  }
  return total / static_cast<double>(channels);
}

// Metric `m` of one utterance, averaged over channels (channels without r left out).
double per_utterance(const Variant& v, int m, size_t i) {
  double total = 0, n = 0;
  for (size_t c = 0; c < v.sq[i].size(); ++c) {
    const double x = m == 0 ? std::sqrt(v.sq[i][c]) : m == 1 ? v.r[i][c] : v.abs[i][c];
    if (std::isfinite(x)) {
      total += x;
      n += 1;
    }
  }
  return n > 0 ? total / n : kNaN;
}

struct Difference {
  Interval ci;
  SignedRankTest test;
  std::string verdict;
};

Difference difference(const Variant& a, const Variant& b, int m, const VariantStatsOptions& o) {
  Difference d;
  d.ci = bootstrap_interval(
      a.ids.size(),
      [&](const std::vector<size_t>& idx) { return pooled(b, m, idx) - pooled(a, m, idx); },
      o.resamples, o.seed, o.level);
  std::vector<double> diffs;
  for (size_t i = 0; i < a.ids.size(); ++i) {
    const double x = per_utterance(b, m, i) - per_utterance(a, m, i);
    if (std::isfinite(x)) diffs.push_back(x);
  }
  d.test = wilcoxon_signed_rank(diffs);
  if (d.ci.lo > 0 || d.ci.hi < 0) {
    const bool lower = d.ci.hi < 0;
    d.verdict = lower == kMetrics[m].lower_is_better ? "better" : "worse";
  } else {
    d.verdict = "no detectable difference (n = " + std::to_string(a.ids.size()) + ")";
  }
  return d;
}

std::string fixed(double v, int digits) {
  if (!std::isfinite(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string p_text(double p) {
  if (!std::isfinite(p)) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, p < 1e-3 ? "%.1e" : "%.3f", p);
  return buf;
}

nlohmann::ordered_json num(double v) {
  return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json();
}

}  // namespace

std::string compare_variants(const std::vector<VariantRuns>& variants,
                             const VariantStatsOptions& o) {
  if (variants.empty()) throw UserError("compare: no runs");
  std::vector<Variant> vs;
  for (const auto& v : variants) vs.push_back(load_variant(v));
  for (const auto& v : vs) {
    if (v.ids != vs[0].ids) {
      throw UserError(v.runs[0] + " and " + vs[0].runs[0] +
                      " were evaluated on different utterances: compare runs on the same split "
                      "of the same corpus");
    }
  }
  std::vector<std::vector<Difference>> diffs(vs.size());
  for (size_t k = 1; k < vs.size(); ++k) {
    for (int m = 0; m < 3; ++m) diffs[k].push_back(difference(vs[0], vs[k], m, o));
  }
  const std::string level = fixed(100 * o.level, 0) + "%";
  std::vector<size_t> all(vs[0].ids.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  if (o.json) {
    nlohmann::ordered_json j = {{"utterances", vs[0].ids.size()},
                                {"resamples", o.resamples},
                                {"level", o.level},
                                {"baseline", vs[0].name}};
    for (size_t k = 0; k < vs.size(); ++k) {
      nlohmann::ordered_json v = {
          {"name", vs[k].name}, {"runs", vs[k].runs}, {"seeds", vs[k].runs.size()}};
      for (int m = 0; m < 3; ++m) {
        const MeanSd s = mean_sd(vs[k].seed_values[m]);
        v[kMetrics[m].key] = {
            {"mean", num(s.mean)}, {"sd", num(s.sd)}, {"pooled", num(pooled(vs[k], m, all))}};
        if (k > 0) {
          const Difference& d = diffs[k][static_cast<size_t>(m)];
          v[kMetrics[m].key]["difference"] = {
              {"estimate", num(d.ci.estimate)}, {"lo", num(d.ci.lo)},      {"hi", num(d.ci.hi)},
              {"p", num(d.test.p_value)},       {"p_exact", d.test.exact}, {"verdict", d.verdict}};
        }
      }
      j["variants"].push_back(v);
    }
    return j.dump(2) + "\n";
  }
  std::string out = "| variant | seeds |";
  for (const auto& m : kMetrics) out += std::string(" ") + m.label + " mean ± sd |";
  out += "\n|---|---|---|---|---|\n";
  for (const auto& v : vs) {
    out += "| " + v.name + " | " + std::to_string(v.runs.size()) + " |";
    for (int m = 0; m < 3; ++m) {
      const MeanSd s = mean_sd(v.seed_values[m]);
      out += " " + fixed(s.mean, 3) + (v.runs.size() > 1 ? " ± " + fixed(s.sd, 3) : "") + " |";
    }
    out += "\n";
  }
  if (vs.size() < 2) return out;
  out += "\nAgainst " + vs[0].name + ": difference (variant − " + vs[0].name + ") with its " +
         level + " interval (paired bootstrap over " + std::to_string(vs[0].ids.size()) +
         " test utterances, seeds averaged per utterance, " + std::to_string(o.resamples) +
         " resamples) and the Wilcoxon signed-rank p over utterances.\n\n| variant |";
  for (const auto& m : kMetrics) out += std::string(" Δ") + m.label + " [" + level + " CI] | p |";
  out += "\n|---|---|---|---|---|---|---|\n";
  for (size_t k = 1; k < vs.size(); ++k) {
    out += "| " + vs[k].name + " |";
    for (const Difference& d : diffs[k]) {
      out += " " + fixed(d.ci.estimate, 3) + " [" + fixed(d.ci.lo, 3) + ", " + fixed(d.ci.hi, 3) +
             "] " + d.verdict + " | " + p_text(d.test.p_value) + " |";
    }
    out += "\n";
  }
  return out;
}

}  // namespace artic
