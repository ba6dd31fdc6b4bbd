#!/usr/bin/python3
"""Recomputes artic eval's metrics from a predictions file with numpy (fp64) and compares.

Usage: check_eval.py CORPUS.h5 PREDICTIONS.h5 EVAL.json SPLIT
RMSE and MAE per articulator pooled over all frames; Pearson r per utterance, then averaged
(utterances where the channel is constant in target or prediction are left out).
"""
import json
import sys

import h5py
import numpy as np


def utterances(f, split=None):
    ids = f["utterances/id"].asstr()[:]
    off = f["utterances/offset"][:]
    ln = f["utterances/length"][:]
    sp = f["utterances/split"].asstr()[:]
    return {i: (o, n) for i, o, n, s in zip(ids, off, ln, sp) if split is None or s == split}


def main():
    corpus, preds, eval_path, split = sys.argv[1:5]
    c, p = h5py.File(corpus, "r"), h5py.File(preds, "r")
    names = list(c["meta/articulator_names"].asstr()[:])
    truth, pred = utterances(c, split), utterances(p)
    assert sorted(truth) == sorted(pred), "predictions cover other utterances than the split"
    sq = np.zeros(len(names)); ab = np.zeros(len(names)); frames = 0
    r_sum = np.zeros(len(names)); r_n = np.zeros(len(names))
    for uid, (o, n) in truth.items():
        y = c["targets"][o:o + n].astype(np.float64)
        po, pn = pred[uid]
        assert pn == n
        yh = p["targets"][po:po + pn].astype(np.float64)
        sq += ((y - yh) ** 2).sum(0); ab += np.abs(y - yh).sum(0); frames += n
        for a in range(len(names)):
            if n >= 2 and y[:, a].std() > 0 and yh[:, a].std() > 0:
                r_sum[a] += np.corrcoef(y[:, a], yh[:, a])[0, 1]; r_n[a] += 1
    rmse = np.sqrt(sq / frames); mae = ab / frames; r = r_sum / np.maximum(r_n, 1)
    got = json.load(open(eval_path))
    worst = 0.0
    for a, name in enumerate(names):
        g = got["articulators"][name]
        for key, want in (("rmse_mm", rmse[a]), ("mae_mm", mae[a]), ("pearson_r", r[a])):
            worst = max(worst, abs(g[key] - want) / max(abs(want), 1e-9))
    for key, want in (("rmse_mm", rmse.mean()), ("mae_mm", mae.mean()), ("pearson_r", r.mean())):
        worst = max(worst, abs(got["mean"][key] - want) / max(abs(want), 1e-9))
    print(f"numpy oracle: {len(truth)} utterances, mean RMSE {rmse.mean():.4f} mm, "
          f"r {r.mean():.4f}, MAE {mae.mean():.4f} mm; max relative difference {worst:.2e}")
    sys.exit(0 if worst <= 1e-6 else 1)


if __name__ == "__main__":
    main()
