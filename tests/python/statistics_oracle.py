#!/usr/bin/python3
"""scipy/numpy oracle for artic's comparison statistics (src/eval/statistics.h).

Usage: statistics_oracle.py FILE.json, where FILE holds what artic computed:
  "mean_sd":   [{"values", "mean", "sd"}]                 numpy mean and std(ddof=1), 1e-12 relative
  "wilcoxon":  [{"d", "statistic", "p", "exact"}]         scipy.stats.wilcoxon(d) (method "auto",
               or "approx" where artic used the normal approximation), 1e-9 relative
  "welch":     [{"a", "b", "t", "df", "p"}]                 scipy.stats.ttest_ind(b, a, equal_var=False),
               1e-9 relative
  "holm":      [{"p", "adjusted"}]                         Holm's step-down adjustment written out
               here (NaN entries outside the family), 1e-12
  "bootstrap": [{"a", "b", "resamples", "estimate", "lo", "hi"}]  the paired difference of means
               mean(b - a) on utterances resampled with replacement: the estimate exactly (1e-12),
               the 95% percentile interval from numpy's own resamples within 5% of its width
               (the Monte Carlo error of either interval is about 0.5% of the width at 20,000)
Exits 1 on any mismatch, printing every comparison.
"""
import json
import sys
import warnings

import numpy as np
from scipy import stats


def close(got, want, rel, what, failures):
    ok = (np.isnan(got) and np.isnan(want)) or abs(got - want) <= rel * max(1.0, abs(want))
    print(f"{'ok  ' if ok else 'FAIL'} {what}: artic {got!r}, oracle {want!r}")
    if not ok:
        failures.append(what)


def main():
    doc = json.load(open(sys.argv[1]))
    failures = []
    for k, c in enumerate(doc["mean_sd"]):
        v = np.asarray(c["values"], dtype=np.float64)
        close(c["mean"], v.mean(), 1e-12, f"mean_sd[{k}] mean", failures)
        close(c["sd"], v.std(ddof=1), 1e-12, f"mean_sd[{k}] sd", failures)
    for k, c in enumerate(doc["wilcoxon"]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = stats.wilcoxon(c["d"], method="auto" if c["exact"] else "approx")
        close(c["statistic"], float(res.statistic), 1e-12, f"wilcoxon[{k}] statistic", failures)
        close(c["p"], float(res.pvalue), 1e-9, f"wilcoxon[{k}] p ({'exact' if c['exact'] else 'approx'}, n={len(c['d'])})", failures)
    for k, c in enumerate(doc.get("welch", [])):
        res = stats.ttest_ind(c["b"], c["a"], equal_var=False)
        close(c["t"], float(res.statistic), 1e-9, f"welch[{k}] t", failures)
        close(c["p"], float(res.pvalue), 1e-9, f"welch[{k}] p", failures)
        va, vb = np.var(c["a"], ddof=1) / len(c["a"]), np.var(c["b"], ddof=1) / len(c["b"])
        df = (va + vb) ** 2 / (va**2 / (len(c["a"]) - 1) + vb**2 / (len(c["b"]) - 1))
        close(c["df"], float(df), 1e-9, f"welch[{k}] df", failures)
    for k, c in enumerate(doc.get("holm", [])):
        p = np.array([np.nan if x is None else x for x in c["p"]], dtype=np.float64)
        inside = np.flatnonzero(~np.isnan(p))
        ranked = inside[np.argsort(p[inside], kind="stable")]
        want = np.full(len(p), np.nan)
        m, best = len(ranked), 0.0
        for rank, i in enumerate(ranked):
            best = max(best, min(1.0, (m - rank) * p[i]))
            want[i] = best
        for i, got in enumerate(c["adjusted"]):
            close(np.nan if got is None else got, want[i], 1e-12, f"holm[{k}][{i}]", failures)
    rng = np.random.default_rng(12345)
    for k, c in enumerate(doc["bootstrap"]):
        a = np.asarray(c["a"]); b = np.asarray(c["b"]); n = len(a)
        close(c["estimate"], float(np.mean(b - a)), 1e-12, f"bootstrap[{k}] estimate", failures)
        idx = rng.integers(0, n, size=(c["resamples"], n))
        diffs = (b[idx] - a[idx]).mean(axis=1)
        lo, hi = np.percentile(diffs, [2.5, 97.5])
        width = hi - lo
        for name, got, want in (("lo", c["lo"], lo), ("hi", c["hi"], hi)):
            ok = abs(got - want) <= 0.05 * width
            print(f"{'ok  ' if ok else 'FAIL'} bootstrap[{k}] {name}: artic {got:.6g}, numpy {want:.6g} "
                  f"(|diff| {abs(got - want) / width:.2%} of the width {width:.4g})")
            if not ok:
                failures.append(f"bootstrap[{k}] {name}")
    if failures:
        print("mismatches:", ", ".join(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
