#!/usr/bin/python3
"""numpy/scipy oracle for `artic compare` over variants with seeds (src/eval/compare_stats.h).

Usage: compare_oracle.py FILE.json, where FILE holds {"variants": [[run dirs]...], "artic": <the
JSON artic compare printed>}. From the runs' eval.json per-utterance records it recomputes every
seed's metrics (RMSE and MAE pooled over frames per channel, r averaged over utterances, then the
mean over channels; RMSE and MAE equal to the run's eval.json mean, 1e-9), their mean and sd (1e-12); for
each comparison the difference of the seed means (1e-12), Welch's t and p (scipy.stats.ttest_ind,
1e-9), Holm's adjustment over every finite p (written out here, 1e-12), and the two-level
bootstrap interval (seeds resampled within each variant, then utterances, paired) from numpy's
own resamples, within 6% of its width.
"""
import json
import sys
import warnings

import numpy as np
from scipy import stats

KEYS = ["rmse_mm", "pearson_r", "mae_mm"]


def load(runs):
    evals = [json.load(open(f"{r}/eval.json")) for r in runs]
    frames = np.array([u["frames"] for u in evals[0]["per_utterance"]], dtype=float)
    seeds = []
    for e in evals:
        p = e["per_utterance"]
        seeds.append(dict(
            sq=np.array([np.square(np.array(u["rmse_mm"], dtype=float)) for u in p]),
            ab=np.array([np.array(u["mae_mm"], dtype=float) for u in p]),
            r=np.array([np.array([np.nan if x is None else x for x in u["pearson_r"]], dtype=float)
                        for u in p])))
    return dict(frames=frames, seeds=seeds, means={k: [e["mean"][k] for e in evals] for k in KEYS})


def metric(v, s, key, idx):
    f = v["frames"][idx]
    x = v["seeds"][s]
    if key == "rmse_mm":
        return np.mean(np.sqrt((x["sq"][idx] * f[:, None]).sum(0) / f.sum()))
    if key == "mae_mm":
        return np.mean((x["ab"][idx] * f[:, None]).sum(0) / f.sum())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.nanmean(np.nanmean(x["r"][idx], axis=0))


def holm(p):
    p = np.array([np.nan if x is None else x for x in p], dtype=float)
    inside = np.flatnonzero(~np.isnan(p))
    ranked = inside[np.argsort(p[inside], kind="stable")]
    out, best = np.full(len(p), np.nan), 0.0
    for rank, i in enumerate(ranked):
        best = max(best, min(1.0, (len(ranked) - rank) * p[i]))
        out[i] = best
    return out


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
    names = [g["name"] for g in got["variants"]]
    n = len(vs[0]["frames"])
    allidx = np.arange(n)
    values = {}
    for k, v in enumerate(vs):
        g = got["variants"][k]
        for key in KEYS:
            vals = np.array([metric(v, s, key, allidx) for s in range(len(v["seeds"]))])
            values[(k, key)] = vals
            for s, x in enumerate(vals):
                check(f"{g['name']} seed {s} {key}", g[key]["per_seed"][s], x)
                if key != "pearson_r":  # the test's eval.json files state a made-up mean r
                    check(f"{g['name']} seed {s} {key} = its eval.json mean", x,
                          v["means"][key][s], 1e-9)
            check(f"{g['name']} {key} mean", g[key]["mean"], vals.mean())
            if len(vals) > 1:
                check(f"{g['name']} {key} sd", g[key]["sd"], vals.std(ddof=1))
    rng = np.random.default_rng(7)
    family = []
    for c in got["comparisons"]:
        a, b = names.index(c["a"]), names.index(c["b"])
        for key in KEYS:
            d = c[key]
            va, vb = values[(a, key)], values[(b, key)]
            what = f"{c['b']} vs {c['a']} {key}"
            check(f"{what} difference", d["estimate"], vb.mean() - va.mean())
            if len(va) > 1 and len(vb) > 1 and (va.std() > 0 or vb.std() > 0):
                res = stats.ttest_ind(vb, va, equal_var=False)
                check(f"{what} Welch t", d["t"], float(res.statistic), 1e-9)
                check(f"{what} Welch p", d["p"], float(res.pvalue), 1e-9)
            family.append(d["p"])
            if got["resamples"] == 0:
                continue
            boot = []
            for _ in range(got["resamples"]):
                idx = rng.integers(0, n, size=n)
                sa = rng.integers(0, len(va), size=len(va))
                sb = rng.integers(0, len(vb), size=len(vb))
                boot.append(np.mean([metric(vs[b], s, key, idx) for s in sb]) -
                            np.mean([metric(vs[a], s, key, idx) for s in sa]))
            lo, hi = np.percentile(boot, [2.5, 97.5])
            width = max(hi - lo, 1e-12)
            for name, x, want in (("lo", d["lo"], lo), ("hi", d["hi"], hi)):
                ok = abs(x - want) <= 0.06 * width
                print(f"{'ok  ' if ok else 'FAIL'} {what} {name}: artic {x:.6g}, numpy {want:.6g} "
                      f"({abs(x - want) / width:.2%} of the width)")
                if not ok:
                    failures.append(f"{what} {name}")
    adjusted = holm(family)
    k = 0
    for c in got["comparisons"]:
        for key in KEYS:
            check(f"{c['b']} vs {c['a']} {key} Holm p", c[key]["p_holm"], adjusted[k])
            k += 1
    if failures:
        print("mismatches:", ", ".join(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
