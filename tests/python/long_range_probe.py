#!/usr/bin/python3
"""Checks the positive control of long context (artic synth --long-range-mm, docs/synthetic-corpus.md).

Given the corpus made with the option (ON) and the same seed without it (OFF), the utterance-level
offset theta of every EMA y channel is ON - OFF (the same at every frame). Two ridge probes, fitted
on the train split and scored by R^2 of theta on the test split:
  (a) local: each frame's features with +-50 frames of context (as context_matters.py's design:
      every 5th tap, 20 principal components), scored on frames at least --far frames after the
      utterance's start (outside the reach of the cue at the start) and, for contrast, on the
      first 30 frames;
  (b) whole utterance: the features averaged over the utterance's first 50 frames.
Exits 1 unless (a) far from the start explains at most --max-local of theta's variance and (b)
at least --min-whole.

Run with Debian's /usr/bin/python3 (numpy, h5py):
  long_range_probe.py ON.h5 OFF.h5 [--far 100] [--max-local 0.1] [--min-whole 0.5] [--json F]
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import context_matters as cm  # noqa: E402

LAMBDAS = (1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0)


def ridge(x_train, y_train, x_valid, y_valid):
    xtx, xty = x_train.T @ x_train, x_train.T @ y_train
    best = None
    for lam in LAMBDAS:
        reg = lam * len(x_train) * np.eye(xtx.shape[0])
        reg[0, 0] = 0.0
        w = np.linalg.solve(xtx + reg, xty)
        err = float(np.mean((x_valid @ w - y_valid) ** 2))
        if best is None or err < best[0]:
            best = (err, w)
    return best[1]


def r2(pred, true):
    return 1.0 - float(np.sum((pred - true) ** 2)) / float(np.sum((true - true.mean()) ** 2))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("on")
    ap.add_argument("off")
    ap.add_argument("--far", type=int, default=100)
    ap.add_argument("--max-local", type=float, default=0.1)
    ap.add_argument("--min-whole", type=float, default=0.5)
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    on, off = cm.load_corpus(args.on), cm.load_corpus(args.off)
    ys = [i for i, n in enumerate(on["articulators"]) if n.endswith("_y")]
    diff = on["targets"][:, ys].astype(np.float64) - off["targets"][:, ys]
    theta = np.zeros(len(on["length"]))
    for u, (o, n) in enumerate(zip(on["offset"], on["length"])):
        theta[u] = diff[o:o + n].mean()
        assert np.allclose(diff[o:o + n], theta[u], atol=1e-3), "the offset is not utterance-level"
    splits = {s: cm.frame_rows(on, s) for s in ("train", "valid", "test")}
    rng = np.random.default_rng(0)
    if len(splits["train"][0]) > cm.MAX_TRAIN_FRAMES:
        keep = np.sort(rng.choice(len(splits["train"][0]), cm.MAX_TRAIN_FRAMES, replace=False))
        splits["train"] = tuple(a[keep] for a in splits["train"])
    fmean, fstd = cm.zscore_stats(on["features"], splits["train"][0])
    z = ((on["features"] - fmean) / fstd).astype(np.float64)
    sample = z[splits["train"][0]]
    _, _, vt = np.linalg.svd(sample - sample.mean(0), full_matrices=False)
    reduced = z @ vt[:cm.CONTEXT_PCS].T
    sd = theta[[s == "train" for s in on["split"]]].std()

    def local(split):
        rows, starts, ends, utts = splits[split]
        return cm.design(z, reduced, rows, starts, ends, True), theta[utts] / sd, rows - starts

    xt, yt, _ = local("train")
    xv, yv, _ = local("valid")
    w = ridge(xt, yt, xv, yv)
    xs, ys_, pos = local("test")
    pred = xs @ w
    far, near = pos >= args.far, pos < 30
    local_far, local_near = r2(pred[far], ys_[far]), r2(pred[near], ys_[near])

    def whole(split):
        us = [u for u, s in enumerate(on["split"]) if s == split]
        x = np.stack([z[on["offset"][u]:on["offset"][u] + 50].mean(0) for u in us])
        return np.concatenate([np.ones((len(us), 1)), x], axis=1), theta[us] / sd

    wt = ridge(*whole("train"), *whole("valid"))
    xw, yw = whole("test")
    whole_r2 = r2(xw @ wt, yw)
    print(f"offset theta: sd {sd:.3f} mm over {len(theta)} utterances")
    print(f"(a) +-50-frame probe, test frames >= {args.far} from the start: R^2 {local_far:.3f}")
    print(f"    the same probe on the first 30 frames (the cue in view):  R^2 {local_near:.3f}")
    print(f"(b) whole-utterance probe (mean of the first 50 frames):     R^2 {whole_r2:.3f}")
    ok = local_far <= args.max_local and whole_r2 >= args.min_whole
    print(f"{'PASS' if ok else 'FAIL'}: local <= {args.max_local}, whole >= {args.min_whole}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"theta_sd_mm": sd, "local_far_r2": local_far, "local_near_r2": local_near,
                       "whole_r2": whole_r2, "far_frames": args.far, "passed": ok}, f, indent=2)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
