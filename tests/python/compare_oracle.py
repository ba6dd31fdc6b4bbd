#!/usr/bin/python3
"""numpy/scipy oracle for `artic compare` over variants with seeds (src/eval/compare_stats.h).

Usage: compare_oracle.py FILE.json, where FILE holds {"variants": [[run dirs]...], "artic": <the
JSON artic compare printed>}. From the runs' eval.json per-utterance records it recomputes, for
every variant: mean and sd over seeds of the split means (1e-12); seeds averaged per utterance
(squared error, absolute error, r) and the pooled RMSE, MAE and r (1e-12); against the first
variant the difference (1e-12), the Wilcoxon p over per-utterance differences (scipy, 1e-9) and
the percentile bootstrap interval from numpy's own resamples (within 5% of its width).
"""
import json
import sys
import warnings

import numpy as np
from scipy import stats

KEYS = ["rmse_mm", "pearson_r", "mae_mm"]


def load(runs):
    evals = [json.load(open(f"{r}/eval.json")) for r in runs]
    per = [e["per_utterance"] for e in evals]
    frames = np.array([u["frames"] for u in per[0]], dtype=float)
    sq = np.mean([[np.square(np.array(u["rmse_mm"], dtype=float)) for u in p] for p in per], axis=0)
    ab = np.mean([[np.array(u["mae_mm"], dtype=float) for u in p] for p in per], axis=0)
    r = np.array([[np.array(u["pearson_r"], dtype=float) for u in p] for p in per])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = np.nanmean(r, axis=0)
    means = {k: [e["mean"][k] for e in evals] for k in KEYS}
    return dict(frames=frames, sq=sq, ab=ab, r=r, means=means)


def pooled(v, key, idx):
    f = v["frames"][idx]
    if key == "rmse_mm":
        return np.mean(np.sqrt((v["sq"][idx] * f[:, None]).sum(0) / f.sum()))
    if key == "mae_mm":
        return np.mean((v["ab"][idx] * f[:, None]).sum(0) / f.sum())
    return np.mean(np.nanmean(v["r"][idx], axis=0))


def per_utterance(v, key):
    x = {"rmse_mm": np.sqrt(v["sq"]), "mae_mm": v["ab"], "pearson_r": v["r"]}[key]
    return np.nanmean(x, axis=1)


def main():
    doc = json.load(open(sys.argv[1]))
    got = doc["artic"]
    failures = []

    def check(what, a, want, rel=1e-12):
        ok = (a is None and (want is None or np.isnan(want))) or (
            a is not None and abs(a - want) <= rel * max(1.0, abs(want)))
        print(f"{'ok  ' if ok else 'FAIL'} {what}: artic {a!r}, oracle {want!r}")
        if not ok:
            failures.append(what)

    vs = [load(runs) for runs in doc["variants"]]
    n = len(vs[0]["frames"])
    allidx = np.arange(n)
    rng = np.random.default_rng(7)
    idx = rng.integers(0, n, size=(got["resamples"], n))
    for k, v in enumerate(vs):
        g = got["variants"][k]
        for key in KEYS:
            vals = np.array(v["means"][key])
            check(f"{g['name']} {key} mean", g[key]["mean"], vals.mean())
            if len(vals) > 1:
                check(f"{g['name']} {key} sd", g[key]["sd"], vals.std(ddof=1))
            check(f"{g['name']} {key} pooled", g[key]["pooled"], pooled(v, key, allidx))
            if k == 0:
                continue
            d = g[key]["difference"]
            check(f"{g['name']} {key} difference", d["estimate"],
                  pooled(v, key, allidx) - pooled(vs[0], key, allidx))
            diffs = per_utterance(v, key) - per_utterance(vs[0], key)
            diffs = diffs[np.isfinite(diffs)]
            if np.all(diffs == 0):
                check(f"{g['name']} {key} p (all differences zero)", d["p"], float("nan"))
            else:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    p = stats.wilcoxon(diffs, method="auto" if d["p_exact"] else "approx").pvalue
                check(f"{g['name']} {key} p", d["p"], float(p), 1e-9)
            boot = np.array([pooled(v, key, i) - pooled(vs[0], key, i) for i in idx])
            lo, hi = np.percentile(boot, [2.5, 97.5])
            width = max(hi - lo, 1e-12)
            for name, a, want in (("lo", d["lo"], lo), ("hi", d["hi"], hi)):
                ok = abs(a - want) <= 0.05 * width
                print(f"{'ok  ' if ok else 'FAIL'} {g['name']} {key} {name}: artic {a:.6g}, numpy "
                      f"{want:.6g} ({abs(a - want) / width:.2%} of the width)")
                if not ok:
                    failures.append(f"{g['name']} {key} {name}")
    if failures:
        print("mismatches:", ", ".join(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
