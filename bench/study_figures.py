#!/usr/bin/python3
"""docs/experiments.md's two figures, from the study's JSON (bench/experiments.sh makes them):
  rmse.png   test RMSE difference of each variant against full utterances with its 95% interval
             (`artic compare --json`), one panel per corpus;
  edges.png  RMSE against distance to the nearest chunk edge and against position in the
             utterance (bench/chunk_edges.py), mean over seeds with +-1 sd bands.
Usage: study_figures.py OUT_DIR COMPARE_BUILTIN.json COMPARE_LONG.json EDGES_BUILTIN.json
       EDGES_LONG.json
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def load(path):
    with open(path) as f:
        return json.load(f)


def rmse_panel(ax, compare, title):
    by_name = {v["name"]: v for v in compare["variants"]}
    vs = [by_name[c["b"]] for c in compare["comparisons"]]
    names = [v["name"] for v in vs]
    d = [c["rmse_mm"] for c in compare["comparisons"]]
    y = list(range(len(vs)))[::-1]
    for yi, di, v in zip(y, d, vs):
        color = "tab:red" if di["lo"] > 0 else ("tab:green" if di["hi"] < 0 else "tab:gray")
        ax.errorbar(di["estimate"], yi, xerr=[[di["estimate"] - di["lo"]], [di["hi"] - di["estimate"]]],
                    fmt="o", color=color, capsize=3)
        ax.annotate(f"{v['rmse_mm']['mean']:.3f} ± {v['rmse_mm']['sd']:.3f}", (di["hi"], yi),
                    xytext=(4, 2), textcoords="offset points", fontsize=7)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels(names, fontsize=8)
    base = compare["variants"][0]["rmse_mm"]
    ax.set_title(f"{title}\nfull: {base['mean']:.3f} ± {base['sd']:.3f} mm "
                 f"({compare['variants'][0]['seeds']} seeds, {compare['utterances']} test utts)",
                 fontsize=9)
    ax.set_xlabel("test RMSE − full utterances (mm), 95% CI", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.margins(x=0.25)


def curve(ax, xs, mean, sd, label):
    ax.plot(xs, mean, label=label, lw=1.2)
    ax.fill_between(xs, [m - s for m, s in zip(mean, sd)], [m + s for m, s in zip(mean, sd)],
                    alpha=0.2)


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    out, cb, cl, eb, el = sys.argv[1:]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    rmse_panel(axes[0], load(cb), "built-in corpus")
    rmse_panel(axes[1], load(cl), "few long utterances")
    fig.tight_layout()
    fig.savefig(f"{out}/rmse.png", dpi=90)

    builtin, long_ = load(eb), load(el)
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4))
    for label, v in builtin["labels"].items():
        if label.endswith("(chunks)") or label == "full":
            curve(axes[0], v["edge_distance"], v["edge_rmse_mean"], v["edge_rmse_sd"], label)
    axes[0].set_title(f"built-in: error vs distance to a {builtin['grid']}-frame chunk edge",
                      fontsize=9)
    axes[0].set_xlabel("frames to the nearest chunk edge", fontsize=8)
    for ax, data, name in ((axes[1], builtin, "built-in"), (axes[2], long_, "long utterances")):
        for label, v in data["labels"].items():
            if not label.endswith("(chunks)"):
                curve(ax, v["position_start"], v["position_rmse_mean"], v["position_rmse_sd"],
                      label)
        ax.set_title(f"{name}: error vs position in the utterance", fontsize=9)
        ax.set_xlabel(f"first frame of the {data['grid']}-frame bin", fontsize=8)
    for ax in axes:
        ax.set_ylabel("test RMSE (mm)", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(f"{out}/edges.png", dpi=90)


if __name__ == "__main__":
    main()
