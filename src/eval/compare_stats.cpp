#include "eval/compare_stats.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/number_text.h"
#include "core/rng.h"
#include "eval/run_records.h"

namespace artic {
namespace {

namespace fs = std::filesystem;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Metric {
  const char* key;
  const char* label;
  bool lower_is_better;
};
const Metric kMetrics[kCompareMetrics] = {
    {"rmse_mm", "RMSE (mm)", true}, {"pearson_r", "r", false}, {"mae_mm", "MAE (mm)", true}};

struct Loaded {
  VariantResults results;
  std::vector<std::string> ids;
};

Loaded load_variant(const VariantRuns& v) {
  Loaded out;
  out.results.name = v.name;
  out.results.runs = v.run_dirs;
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
    if (out.ids.empty()) {
      for (const auto& u : e.utterances) {
        out.ids.push_back(u.id);
        out.results.frames.push_back(static_cast<double>(u.frames));
      }
    }
    if (e.utterances.size() != out.ids.size()) {
      throw UserError(path + " has " + std::to_string(e.utterances.size()) + " utterances, " +
                      v.run_dirs[0] + " " + std::to_string(out.ids.size()) +
                      ": compare runs evaluated on the same split");
    }
    SeedResults s;
    for (size_t i = 0; i < out.ids.size(); ++i) {
      const UtteranceMetrics& u = e.utterances[i];
      if (u.id != out.ids[i] || u.all.size() != e.utterances[0].all.size()) {
        throw UserError(path + ": utterance " + std::to_string(i) + " is '" + u.id + "', in " +
                        v.run_dirs[0] + " '" + out.ids[i] +
                        "': compare runs evaluated on the same split of the same corpus");
      }
      s.sq.emplace_back();
      s.abs.emplace_back();
      s.r.emplace_back();
      for (const auto& c : u.all) {
        s.sq.back().push_back(c.rmse_mm * c.rmse_mm);
        s.abs.back().push_back(c.mae_mm);
        s.r.back().push_back(c.pearson_r);
      }
    }
    out.results.seeds.push_back(std::move(s));
  }
  return out;
}

std::vector<double> seed_values(const VariantResults& v, int m) {
  std::vector<size_t> all(v.frames.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  std::vector<double> out;
  for (size_t s = 0; s < v.seeds.size(); ++s) out.push_back(seed_metric(v, s, m, all));
  return out;
}

// The two-level bootstrap of mean(b) - mean(a): per resample, each variant's seeds drawn with
// replacement, then one draw of utterances for both.
Interval two_level_interval(const VariantResults& a, const VariantResults& b, int m,
                            const VariantStatsOptions& o, uint64_t key) {
  XoshiroRng seeds = XoshiroRng::keyed({o.seed, key, 0x5eed});
  const auto mean_over_draw = [&](const VariantResults& v, const std::vector<size_t>& idx,
                                  bool draw) {
    double total = 0;
    const size_t n = v.seeds.size();
    for (size_t k = 0; k < n; ++k) {
      total += seed_metric(v, draw ? static_cast<size_t>(seeds.below(n)) : k, m, idx);
    }
    return total / static_cast<double>(n);
  };
  bool first = true;  // the estimate: every seed once, every utterance once
  return bootstrap_interval(
      a.frames.size(),
      [&](const std::vector<size_t>& idx) {
        const double d = mean_over_draw(b, idx, !first) - mean_over_draw(a, idx, !first);
        first = false;
        return d;
      },
      o.resamples, o.seed + key, o.level);
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

constexpr const char* kOneSeed = "one seed: no interval over training";

std::vector<std::pair<size_t, size_t>> pairs_to_compare(const std::vector<VariantResults>& vs,
                                                        const VariantStatsOptions& o) {
  std::vector<std::pair<size_t, size_t>> pairs;
  if (o.all_pairs) {
    for (size_t a = 0; a < vs.size(); ++a) {
      for (size_t b = a + 1; b < vs.size(); ++b) pairs.emplace_back(a, b);
    }
    return pairs;
  }
  size_t base = 0;
  if (!o.baseline.empty()) {
    std::string names;
    while (base < vs.size() && vs[base].name != o.baseline) {
      names += (names.empty() ? "" : ", ") + vs[base].name;
      ++base;
    }
    if (base == vs.size()) {
      throw UserError("--baseline " + o.baseline + " names no variant (variants: " + names + ")");
    }
  }
  for (size_t k = 0; k < vs.size(); ++k) {
    if (k != base) pairs.emplace_back(base, k);
  }
  return pairs;
}

// A run named twice would count as two seeds of one result.
void refuse_repeated_runs(const std::vector<VariantRuns>& variants) {
  std::map<std::string, std::string> seen;
  for (const auto& v : variants) {
    for (const auto& dir : v.run_dirs) {
      std::error_code ec;
      const std::string key = fs::weakly_canonical(dir, ec).string();
      const auto [it, fresh] = seen.emplace(key, dir);
      if (!fresh) {
        throw UserError(dir + " is given twice (also as " + it->second +
                        "): each run counts once; name every run directory once");
      }
    }
  }
}

}  // namespace

double seed_metric(const VariantResults& v, size_t s, int m, const std::vector<size_t>& idx) {
  const SeedResults& r = v.seeds[s];
  const size_t channels = r.sq.empty() ? 0 : r.sq[0].size();
  double total = 0, counted = 0;
  for (size_t c = 0; c < channels; ++c) {
    double num = 0, den = 0;
    for (size_t i : idx) {
      if (m == 1) {
        if (std::isfinite(r.r[i][c])) {
          num += r.r[i][c];
          den += 1;
        }
      } else {
        num += (m == 0 ? r.sq[i][c] : r.abs[i][c]) * v.frames[i];
        den += v.frames[i];
      }
    }
    if (den > 0) {
      total += m == 0 ? std::sqrt(num / den) : num / den;
      counted += 1;
    }
  }
  return counted > 0 ? total / counted : kNaN;
}

std::vector<Comparison> compare_pairs(const std::vector<VariantResults>& vs,
                                      const std::vector<std::pair<size_t, size_t>>& pairs,
                                      const VariantStatsOptions& o) {
  std::vector<Comparison> out;
  std::vector<double> family;
  for (const auto& [a, b] : pairs) {
    Comparison c;
    c.a = a;
    c.b = b;
    for (int m = 0; m < kCompareMetrics; ++m) {
      Difference& d = c.metrics[static_cast<size_t>(m)];
      const MeanSd sa = mean_sd(seed_values(vs[a], m)), sb = mean_sd(seed_values(vs[b], m));
      d.estimate = sb.mean - sa.mean;
      d.test = welch_t_test(seed_values(vs[a], m), seed_values(vs[b], m));
      d.lo = d.hi = kNaN;
      if (o.resamples > 0) {
        const Interval ci =
            two_level_interval(vs[a], vs[b], m, o, (a * 1000 + b) * kCompareMetrics + m);
        d.lo = ci.lo;
        d.hi = ci.hi;
      }
      family.push_back(d.test.p_value);
    }
    out.push_back(c);
  }
  const std::vector<double> adjusted = holm_adjust(family);
  size_t k = 0;
  for (Comparison& c : out) {
    const bool seeds = vs[c.a].seeds.size() >= 2 && vs[c.b].seeds.size() >= 2;
    for (int m = 0; m < kCompareMetrics; ++m) {
      Difference& d = c.metrics[static_cast<size_t>(m)];
      d.p_holm = adjusted[k++];
      if (!seeds) {
        d.verdict = kOneSeed;
      } else if (std::isfinite(d.p_holm) && d.p_holm < 1.0 - o.level) {
        d.verdict = (d.estimate < 0) == kMetrics[m].lower_is_better ? "better" : "worse";
      } else {
        d.verdict = "no detectable difference";
      }
    }
  }
  return out;
}

std::string compare_variants(const std::vector<VariantRuns>& variants,
                             const VariantStatsOptions& o) {
  if (variants.empty()) throw UserError("compare: no runs");
  refuse_repeated_runs(variants);
  std::vector<VariantResults> vs;
  std::vector<std::string> ids;
  for (const auto& v : variants) {
    Loaded l = load_variant(v);
    if (!ids.empty() && l.ids != ids) {
      throw UserError(v.run_dirs[0] + " and " + variants[0].run_dirs[0] +
                      " were evaluated on different utterances: compare runs on the same split "
                      "of the same corpus");
    }
    ids = l.ids;
    vs.push_back(std::move(l.results));
  }
  const std::vector<std::pair<size_t, size_t>> pairs = pairs_to_compare(vs, o);
  const std::vector<Comparison> comparisons = compare_pairs(vs, pairs, o);
  size_t tests = 0;
  for (const auto& c : comparisons) {
    for (const auto& d : c.metrics) tests += std::isfinite(d.test.p_value) ? 1 : 0;
  }
  const std::string level = fixed_text(100 * o.level, 0) + "%";
  const std::string method =
      "primary test: Welch's t-test over the seeds' values, p Holm-adjusted over the " +
      std::to_string(tests) + " tests of this table; interval: two-level bootstrap (seeds " +
      "within each variant, then the " + std::to_string(ids.size()) +
      " test utterances, paired), " + std::to_string(o.resamples) + " resamples";
  if (o.json) {
    nlohmann::ordered_json j = {{"utterances", ids.size()},
                                {"resamples", o.resamples},
                                {"level", o.level},
                                {"primary_test", "welch_t_over_seeds"},
                                {"adjustment", "holm"},
                                {"family_size", tests},
                                {"interval", "two_level_bootstrap"},
                                {"method", method}};
    for (const auto& v : vs) {
      nlohmann::ordered_json x = {{"name", v.name}, {"runs", v.runs}, {"seeds", v.runs.size()}};
      for (int m = 0; m < kCompareMetrics; ++m) {
        const std::vector<double> values = seed_values(v, m);
        const MeanSd s = mean_sd(values);
        nlohmann::ordered_json per_seed = nlohmann::ordered_json::array();
        for (double value : values) per_seed.push_back(num(value));
        x[kMetrics[m].key] = {{"mean", num(s.mean)}, {"sd", num(s.sd)}, {"per_seed", per_seed}};
      }
      j["variants"].push_back(x);
    }
    j["comparisons"] = nlohmann::ordered_json::array();
    for (const auto& c : comparisons) {
      nlohmann::ordered_json x = {{"a", vs[c.a].name}, {"b", vs[c.b].name}};
      for (int m = 0; m < kCompareMetrics; ++m) {
        const Difference& d = c.metrics[static_cast<size_t>(m)];
        x[kMetrics[m].key] = {
            {"estimate", num(d.estimate)}, {"lo", num(d.lo)},      {"hi", num(d.hi)},
            {"t", num(d.test.t)},          {"df", num(d.test.df)}, {"p", num(d.test.p_value)},
            {"p_holm", num(d.p_holm)},     {"verdict", d.verdict}};
      }
      j["comparisons"].push_back(x);
    }
    return j.dump(2) + "\n";
  }
  std::string out = "| variant | seeds |";
  for (const auto& m : kMetrics) out += std::string(" ") + m.label + " mean ± sd |";
  out += "\n|---|---|---|---|---|\n";
  for (const auto& v : vs) {
    out += "| " + v.name + " | " + std::to_string(v.runs.size()) + " |";
    for (int m = 0; m < kCompareMetrics; ++m) {
      const MeanSd s = mean_sd(seed_values(v, m));
      out += " " + fixed_text(s.mean, 3) + (v.runs.size() > 1 ? " ± " + fixed_text(s.sd, 3) : "") +
             " |";
    }
    out += "\n";
  }
  if (comparisons.empty()) return out;
  out += "\nDifferences (B − A) of the seed means; " + method + ". A verdict needs 2 or more " +
         "seeds per variant and an adjusted p below " + fixed_text(1 - o.level, 2) +
         ".\n\n| B vs A |";
  for (const auto& m : kMetrics) {
    out += std::string(" Δ") + m.label + " [" + level + " interval] | p (Holm) |";
  }
  out += "\n|---|---|---|---|---|---|---|\n";
  for (const auto& c : comparisons) {
    out += "| " + vs[c.b].name + " vs " + vs[c.a].name + " |";
    for (const Difference& d : c.metrics) {
      const bool interval = std::isfinite(d.lo) && d.verdict != kOneSeed;
      out += " " + fixed_text(d.estimate, 3) +
             (interval ? " [" + fixed_text(d.lo, 3) + ", " + fixed_text(d.hi, 3) + "]" : "") + " " +
             d.verdict + " | " + p_text(d.test.p_value) + " (" + p_text(d.p_holm) + ") |";
    }
    out += "\n";
  }
  return out;
}

}  // namespace artic
