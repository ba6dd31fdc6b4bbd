#!/usr/bin/python3
"""The chunking study's tables (docs/experiments.md) from its committed records
(bench/study/records, written by bench/study.py): per corpus, every variant at its chosen learning
rate against `full` and chunk100_valwin against full_window50, with `artic compare` (two-level
bootstrap interval, Welch's t over seeds, Holm over each table), plus each variant's rate, seeds,
epochs and the commits its numbers came from; then the positive control's pass mark.

With --figures DIR it also draws DIR/edges_ratio.png: per corpus, each variant's test RMSE by
distance to the nearest edge of a 100-frame grid (as 100-frame chunks cut an utterance; frames
within 50 of the utterance's start or end left out, since those are no chunk edges) divided by
full's in the same bin, from the runs' edges.json (mean over seeds of each seed's bin RMSE).

Usage: /usr/bin/python3 bench/study_report.py [--out runs/study/report.md] [--figures DIR]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARTIC = os.environ.get("ARTIC", os.path.join(ROOT, "build/artic"))
RECORDS = os.environ.get("STUDY_RECORDS", os.path.join(ROOT, "bench/study/records"))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from study import Run, lr_grid  # noqa: E402


def load(path):
    with open(path) as f:
        return json.load(f)


def variant_runs(corpus, variant):
    """(chosen rate, the rates tried, run record dirs at the chosen one), or None before the
    grid is done."""
    grid, lr = lr_grid(corpus, {"name": variant})
    if lr is None:
        return None
    at = os.path.dirname(Run(corpus, {"name": variant}, lr, 1).records)
    seeds = sorted((d for d in os.listdir(at) if os.path.exists(os.path.join(at, d, "eval.json"))),
                   key=lambda d: int(d.split("-")[1]))
    return lr, grid, [os.path.join(at, d) for d in seeds]


def edge_rmse(runs):
    """Per-bin RMSE of each run with an edges.json, as rows (seeds) of bins."""
    rows = []
    for r in runs:
        path = os.path.join(r, "edges.json")
        if os.path.exists(path):
            e = load(path)
            rows.append([(sq / n) ** 0.5 if n else float("nan")
                         for sq, n in zip(e["edge_sq"], e["edge_n"])])
    return rows


def edges_figure(all_groups, out_dir):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    corpora = [c for c in all_groups if "full" in all_groups[c]]
    if not corpora:
        return
    fig, axes = plt.subplots(1, len(corpora), figsize=(4.2 * len(corpora), 3.4), squeeze=False)
    for ax, corpus in zip(axes[0], corpora):
        full = edge_rmse(all_groups[corpus]["full"])
        if not full:
            continue
        base = [statistics.mean(col) for col in zip(*full)]
        for name, runs in all_groups[corpus].items():
            rows = edge_rmse(runs)
            if not rows:
                continue
            mean = [statistics.mean(col) for col in zip(*rows)]
            ax.plot(range(len(mean)), [m / b for m, b in zip(mean, base)],
                    label=f"{name} ({len(rows)})", lw=1.2)
        ax.axhline(1.0, color="black", lw=0.8)
        ax.set_title(f"{corpus}: RMSE / full's, by distance to a chunk edge", fontsize=9)
        ax.set_xlabel("frames to the nearest 100-frame chunk edge", fontsize=8)
        ax.set_ylabel("test RMSE relative to full", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=7)
    fig.tight_layout()
    os.makedirs(out_dir, exist_ok=True)
    fig.savefig(os.path.join(out_dir, "edges_ratio.png"), dpi=90)


def compare(groups, baseline):
    cmd = [ARTIC, "compare", "--json", "--baseline", baseline]
    for name, runs in groups.items():
        cmd += ["--variant", f"{name}={','.join(runs)}"]
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def cell(d):
    if d is None:
        return "", "", ""
    interval = f" [{d['lo']:+.3f}, {d['hi']:+.3f}]" if d["lo"] is not None else ""
    p = "n/a" if d["p_holm"] is None else f"{d['p_holm']:.3g}"
    return f"{d['estimate']:+.3f}{interval}", p, d["verdict"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "runs/study/report.md"))
    ap.add_argument("--figures", help="folder for edges_ratio.png")
    args = ap.parse_args()
    lines = []
    control = {}
    all_groups = {}
    for corpus in sorted(os.listdir(RECORDS)) if os.path.isdir(RECORDS) else []:
        groups, info = {}, {}
        for variant in sorted(os.listdir(os.path.join(RECORDS, corpus))):
            got = variant_runs(corpus, variant)
            if got is None:
                continue
            lr, grid, runs = got
            groups[variant] = runs
            summaries = [load(os.path.join(r, "summary.json")) for r in runs]
            commits = sorted({load(os.path.join(r, "record.json"))["commit"] for r in runs})
            info[variant] = {
                "lr": f"{lr} of {'/'.join(grid)}", "seeds": len(runs), "commits": ",".join(commits),
                "epochs": statistics.median(s["epochs"] for s in summaries),
                "best": statistics.median(s["best_epoch"] for s in summaries),
                "best_is_last": sum(s["best_epoch"] == s["epochs"] for s in summaries),
            }
        all_groups[corpus] = groups
        if "full" not in groups:
            continue
        main_table = compare(groups, "full")
        extra = None
        if "full_window50" in groups and "chunk100_valwin" in groups:
            extra = compare({k: groups[k] for k in ("full_window50", "chunk100_valwin")},
                            "full_window50")
        means = {v["name"]: v["rmse_mm"] for v in main_table["variants"]}
        lines += [f"### {corpus} ({main_table['utterances']} test utterances)", "",
                  "| variant | lr | seeds | epochs (best / run, median) | RMSE (mm) mean ± sd | "
                  "Δ RMSE vs full [95% two-level interval] | p (Holm) | verdict | commit |",
                  "|---|---|---|---|---|---|---|---|---|"]
        by_b = {c["b"]: c["rmse_mm"] for c in main_table["comparisons"]}
        for name, x in info.items():
            est, p, verdict = cell(by_b.get(name))
            sd = "" if means[name]["sd"] is None else f" ± {means[name]['sd']:.3f}"
            lines.append(f"| {name} | {x['lr']} | {x['seeds']} | {x['best']:g} / {x['epochs']:g}"
                         f"{' (best = last in ' + str(x['best_is_last']) + ')' if x['best_is_last'] else ''} | "
                         f"{means[name]['mean']:.3f}{sd} | {est} | {p} | {verdict} | {x['commits']} |")
        lines.append("")
        if extra:
            est, p, verdict = cell(extra["comparisons"][0]["rmse_mm"])
            lines += [f"chunk100_valwin vs full_window50 (a table of its own): Δ RMSE {est}, "
                      f"p (Holm) {p}, {verdict}", ""]
        if "chunk100_valwin" in by_b:
            control[corpus] = by_b["chunk100_valwin"]
    for corpus in ("control", "builtin"):
        if corpus in control:
            d = control[corpus]
            full_better = d["lo"] is not None and d["lo"] > 0
            lines.append(f"positive control, {corpus}: chunk100_valwin − full = {d['estimate']:+.3f} "
                         f"mm [{d['lo']:+.3f}, {d['hi']:+.3f}]: "
                         f"{'full utterances better beyond the interval' if full_better else 'within the interval or favouring chunks'}")
    if args.figures:
        edges_figure(all_groups, args.figures)
    text = "\n".join(lines) + "\n"
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
