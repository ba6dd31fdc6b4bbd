#!/usr/bin/python3
"""Checks that acoustic context matters in an artic corpus (docs/synthetic-corpus.md).

Fits two closed-form ridge regressors from z-scored features to z-scored EMA targets:
(a) each frame's features alone, (b) features stacked over a +-50-frame context (every 5th
tap, PCA-reduced except the centre, zero-padded at utterance edges). Lambda is chosen on the
valid split; the test split reports Pearson r per articulator, computed per utterance and
then averaged. Exits 1 if the context model's mean r does not beat the per-frame model's by
at least --min-gain.

Run with Debian's /usr/bin/python3 (numpy, h5py):
  context_matters.py CORPUS.h5 [--json OUT.json] [--min-gain G]
"""
import argparse
import json
import sys
import time

import numpy as np

CONTEXT = 50
TAP_STEP = 5
CONTEXT_PCS = 20
MAX_TRAIN_FRAMES = 100_000
LAMBDAS = (1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0)  # times the number of training frames


def _strings(dataset):
    out = []
    for value in dataset[()]:
        out.append(value.decode() if isinstance(value, bytes) else str(value))
    return out


def load_corpus(path):
    import h5py

    with h5py.File(path, "r") as f:
        corpus = {
            "features": np.asarray(f["features"][()], dtype=np.float32),
            "targets": np.asarray(f["targets"][()], dtype=np.float32),
            "offset": np.asarray(f["utterances/offset"][()], dtype=np.int64),
            "length": np.asarray(f["utterances/length"][()], dtype=np.int64),
            "split": _strings(f["utterances/split"]),
            "ids": _strings(f["utterances/id"]),
            "articulators": _strings(f["meta/articulator_names"]),
        }
    return corpus


def frame_rows(corpus, split):
    """Frame indices of `split` plus each frame's utterance start/end and utterance number."""
    rows, starts, ends, utts = [], [], [], []
    for u, (off, length, s) in enumerate(zip(corpus["offset"], corpus["length"], corpus["split"])):
        if s != split:
            continue
        rows.append(np.arange(off, off + length))
        starts.append(np.full(length, off))
        ends.append(np.full(length, off + length))
        utts.append(np.full(length, u))
    if not rows:
        raise SystemExit(f"context_matters: the corpus has no '{split}' utterances")
    return tuple(np.concatenate(a) for a in (rows, starts, ends, utts))


def zscore_stats(values, rows):
    mean = np.zeros(values.shape[1])
    sq = np.zeros(values.shape[1])
    for chunk in np.array_split(rows, max(1, len(rows) // 50_000)):
        block = values[chunk].astype(np.float64)
        mean += block.sum(0)
        sq += (block * block).sum(0)
    mean /= len(rows)
    std = np.sqrt(np.maximum(sq / len(rows) - mean * mean, 0.0))
    std[std == 0] = 1.0
    return mean, std


def design(z, reduced, rows, starts, ends, context):
    """Per-frame design matrix: bias, centre features, and (context) reduced neighbour taps."""
    parts = [np.ones((len(rows), 1)), z[rows]]
    if context:
        for k in range(-CONTEXT, CONTEXT + 1, TAP_STEP):
            if k == 0:
                continue
            src = rows + k
            inside = (src >= starts) & (src < ends)
            tap = reduced[np.clip(src, 0, len(reduced) - 1)]
            tap[~inside] = 0.0
            parts.append(tap)
    return np.concatenate(parts, axis=1)


def pearson_per_utterance(pred, true, utts):
    """Mean over utterances of per-channel Pearson r (channels with no variance are skipped)."""
    rs = []
    for u in np.unique(utts):
        sel = utts == u
        p = pred[sel] - pred[sel].mean(0)
        t = true[sel] - true[sel].mean(0)
        denom = np.sqrt((p * p).sum(0) * (t * t).sum(0))
        with np.errstate(invalid="ignore", divide="ignore"):
            rs.append(np.where(denom > 0, (p * t).sum(0) / denom, np.nan))
    return np.nanmean(np.array(rs), axis=0)


def evaluate(context, z, reduced, yz, splits):
    """Fits on train, picks lambda on valid, returns test r per articulator."""
    train, valid, test = (splits[s] for s in ("train", "valid", "test"))
    x_train = design(z, reduced, *train[:3], context)
    x_valid = design(z, reduced, *valid[:3], context)
    y_train = yz[train[0]]
    xtx = x_train.T @ x_train
    xty = x_train.T @ y_train
    best = None
    for lam in LAMBDAS:
        reg = lam * len(x_train) * np.eye(xtx.shape[0])
        reg[0, 0] = 0.0
        w = np.linalg.solve(xtx + reg, xty)
        r = np.nanmean(pearson_per_utterance(x_valid @ w, yz[valid[0]], valid[3]))
        if best is None or r > best[0]:
            best = (r, lam, w)
    _, lam, w = best
    x_test = design(z, reduced, *test[:3], context)
    r = pearson_per_utterance(x_test @ w, yz[test[0]], test[3])
    return {"lambda": lam, "dims": int(x_train.shape[1]), "r": r}


def run(corpus, seed=0):
    """Returns the per-frame and the context model's results."""
    feats, targs = corpus["features"], corpus["targets"]
    splits = {s: frame_rows(corpus, s) for s in ("train", "valid", "test")}
    rng = np.random.default_rng(seed)
    train = splits["train"]
    if len(train[0]) > MAX_TRAIN_FRAMES:
        keep = np.sort(rng.choice(len(train[0]), MAX_TRAIN_FRAMES, replace=False))
        splits["train"] = tuple(a[keep] for a in train)
    fmean, fstd = zscore_stats(feats, train[0])
    tmean, tstd = zscore_stats(targs, train[0])
    z = ((feats - fmean) / fstd).astype(np.float64)
    yz = ((targs - tmean) / tstd).astype(np.float64)
    sample = z[splits["train"][0]]
    _, _, vt = np.linalg.svd(sample - sample.mean(0), full_matrices=False)
    reduced = z @ vt[:CONTEXT_PCS].T
    frame = evaluate(False, z, reduced, yz, splits)
    ctx = evaluate(True, z, reduced, yz, splits)
    return frame, ctx


def report(corpus, frame, ctx, min_gain, seconds):
    names = corpus["articulators"]
    print(f"{'articulator':<12} {'per-frame r':>12} {'+-50 frames r':>14} {'gain':>8}")
    for i, name in enumerate(names):
        a, b = frame["r"][i], ctx["r"][i]
        print(f"{name:<12} {a:>12.3f} {b:>14.3f} {b - a:>8.3f}")
    mf, mc = float(np.nanmean(frame["r"])), float(np.nanmean(ctx["r"]))
    print(f"{'mean':<12} {mf:>12.3f} {mc:>14.3f} {mc - mf:>8.3f}")
    print(f"(ridge lambda/n: per-frame {frame['lambda']:g}, context {ctx['lambda']:g}; "
          f"dims {frame['dims']} vs {ctx['dims']}; {seconds:.1f} s)")
    ok = mc - mf >= min_gain
    verdict = "PASS" if ok else "FAIL"
    print(f"{verdict}: context gain {mc - mf:.3f} {'>=' if ok else '<'} required {min_gain:.3f}")
    return ok, {
        "articulators": names,
        "per_frame_r": [float(v) for v in frame["r"]],
        "context_r": [float(v) for v in ctx["r"]],
        "per_frame_mean_r": mf,
        "context_mean_r": mc,
        "gain": mc - mf,
        "min_gain": min_gain,
        "passed": ok,
        "lambda_per_frame": frame["lambda"],
        "lambda_context": ctx["lambda"],
        "context_frames": CONTEXT,
        "tap_step": TAP_STEP,
        "context_pcs": CONTEXT_PCS,
        "seconds": seconds,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", help="artic corpus (HDF5)")
    parser.add_argument("--json", help="write the figures to this JSON file")
    parser.add_argument("--min-gain", type=float, default=0.05,
                        help="required context-minus-per-frame gain in mean r (default 0.05)")
    args = parser.parse_args(argv)
    start = time.time()
    corpus = load_corpus(args.corpus)
    frame, ctx = run(corpus)
    ok, figures = report(corpus, frame, ctx, args.min_gain, time.time() - start)
    figures["corpus"] = args.corpus
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=2)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
