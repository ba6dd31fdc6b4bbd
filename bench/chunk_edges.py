#!/usr/bin/python3
"""Error against position for docs/experiments.md: reads `artic eval --predictions` files (corpus
layout, /targets = predicted mm) and the corpus they came from, and writes JSON with, per label,
the RMSE (mm, over all channels) of test frames binned by
  - edge: distance in frames to the nearest edge of the window that holds the frame, the test
    utterance cut as `artic eval --window GRID --overlap 0` cuts it (GRID-frame windows from the
    first frame, as training cut its chunks, the last window ending at the utterance's end;
    0 = a window's first or last frame); frames that two windows cover are left out; and
  - position: the frame's index in its utterance, in bins of GRID frames.
Each label's files are its seeds: a bin's RMSE is computed per seed, then mean and sd over seeds.
Usage: chunk_edges.py --corpus C.h5 --grid 100 --out edges.json LABEL=PRED.h5[,PRED.h5...] ...
"""
import argparse
import json
import sys

import h5py
import numpy as np


def targets_by_id(path):
    with h5py.File(path, "r") as f:
        ids = [x.decode() if isinstance(x, bytes) else str(x) for x in f["utterances/id"][:]]
        offsets = f["utterances/offset"][:]
        lengths = f["utterances/length"][:]
        targets = f["targets"]
        return {u: np.asarray(targets[o:o + n], dtype=np.float64)
                for u, o, n in zip(ids, offsets, lengths)}


def windows(length, window):
    """[start, end) of train/windowing.cpp's windows_of(length, window, overlap = 0)."""
    if length <= window:
        return [(0, length)]
    out = []
    start = 0
    while start + window < length:
        out.append((start, start + window))
        start += window
    return out + [(length - window, length)]


def binned_sums(truth, pred_path, grid, skip=0):
    """Per-bin sums of squared error and counts of values for edge bins (frames within `skip` of
    the utterance's start or end left out: an utterance edge is no chunk edge), and position
    bins."""
    pred = targets_by_id(pred_path)
    half = (grid + 1) // 2
    edge_sq, edge_n = np.zeros(half), np.zeros(half)
    pos_sq, pos_n = {}, {}
    for uid, p in pred.items():
        if uid not in truth:
            sys.exit(f"{pred_path}: utterance '{uid}' is not in the corpus")
        y = truth[uid]
        if y.shape != p.shape:
            sys.exit(f"{pred_path}: utterance '{uid}' has shape {p.shape}, corpus {y.shape}")
        sq = ((p - y) ** 2).sum(axis=1)
        n = len(sq)
        t = np.arange(n)
        dist, cover = np.full(n, half - 1), np.zeros(n, dtype=int)
        for s, e in windows(n, grid):
            d = np.minimum(t[s:e] - s, e - 1 - t[s:e])
            dist[s:e] = np.minimum(d, half - 1)
            cover[s:e] += 1
        one = (cover == 1) & (t >= skip) & (t < n - skip)
        np.add.at(edge_sq, dist[one], sq[one])
        np.add.at(edge_n, dist[one], y.shape[1])
        for b in np.unique(t // grid):
            m = (t // grid) == b
            pos_sq[b] = pos_sq.get(b, 0.0) + sq[m].sum()
            pos_n[b] = pos_n.get(b, 0) + m.sum() * y.shape[1]
    return edge_sq, edge_n, pos_sq, pos_n


def binned_rmse(truth, pred_path, grid, skip=0):
    """Per-bin RMSE and counts of values, for edge and position bins."""
    edge_sq, edge_n, pos_sq, pos_n = binned_sums(truth, pred_path, grid, skip)
    edge = np.sqrt(edge_sq / np.maximum(edge_n, 1))
    positions = sorted(pos_sq)
    pos = {int(b): (float(np.sqrt(pos_sq[b] / pos_n[b])), int(pos_n[b])) for b in positions}
    return edge, edge_n, pos


def summary(rows):
    a = np.array(rows, dtype=np.float64)
    sd = a.std(axis=0, ddof=1) if len(a) > 1 else np.zeros(a.shape[1])
    return a.mean(axis=0).tolist(), sd.tolist()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--grid", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("labels", nargs="+", help="LABEL=PRED.h5[,PRED.h5...]")
    a = ap.parse_args()
    if a.grid < 2:
        sys.exit("--grid must be at least 2 frames")
    truth = targets_by_id(a.corpus)
    out = {"corpus": a.corpus, "grid": a.grid, "labels": {}}
    for spec in a.labels:
        label, _, files = spec.partition("=")
        if not files:
            sys.exit(f"'{spec}': expected LABEL=PRED.h5[,PRED.h5...]")
        edges, positions = [], []
        for path in files.split(","):
            edge, n, pos = binned_rmse(truth, path, a.grid)
            edges.append(edge)
            positions.append(pos)
        bins = sorted(set.intersection(*[set(p) for p in positions]))
        edge_mean, edge_sd = summary(edges)
        pos_mean, pos_sd = summary([[p[b][0] for b in bins] for p in positions])
        out["labels"][label] = {
            "seeds": len(edges),
            "edge_distance": list(range(len(edge_mean))),
            "edge_rmse_mean": edge_mean, "edge_rmse_sd": edge_sd,
            "edge_values": n.astype(int).tolist(),
            "position_start": [b * a.grid for b in bins],
            "position_rmse_mean": pos_mean, "position_rmse_sd": pos_sd,
            "position_values": [positions[0][b][1] for b in bins],
        }
    with open(a.out, "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
