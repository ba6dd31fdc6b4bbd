"""Summarises bench/scaling.sh's measurements as the Markdown tables of docs/scaling.md.

Reads OUT/allreduce-*.txt ("bytes seconds" lines from bench/allreduce_sweep) and fits
t = alpha + beta * bytes by least squares over the sizes >= 64 KiB for beta and the median of the
sizes <= 1 KiB for alpha; reads OUT/steps-w{1,2,4}-{on,off}.jsonl (metrics.jsonl of real runs) for
the share of the step in the exposed all-reduce. Usage: /usr/bin/python3 bench/alpha_beta.py OUT
"""
import json
import os
import statistics
import sys

import numpy as np


def sweep(path):
    rows = []
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        b, s = line.split()
        rows.append((int(b), float(s)))
    return rows


def fit(rows):
    alpha = statistics.median(s for b, s in rows if b <= 1024)
    big = [(b, s) for b, s in rows if b >= 65536]
    x = np.array([b for b, _ in big], dtype=float)
    y = np.array([s for _, s in big])
    beta, _ = np.polyfit(x, y, 1)
    return alpha, beta


def steps(path):
    recs = [json.loads(l) for l in open(path)]
    recs = [r for r in recs if r.get("type") == "step"][2:]  # skip warm-up steps
    wall = sum(r["wall_seconds"] for r in recs)
    allreduce = sum(r["seconds"]["allreduce"] for r in recs)
    frames = sum(r["frames"] for r in recs)
    return allreduce / wall, frames / wall, len(recs)


def main(out):
    print("### All-reduce: t = alpha + beta * bytes\n")
    print("| path | ranks | alpha (latency) | beta (per MiB) | bandwidth | 4 MiB measured |")
    print("|---|---|---|---|---|---|")
    names = {
        "shm-plain": ("one node, shared memory, plain MPI_Allreduce", 2),
        "shm": ("one node, shared memory, artic's communicator", 2),
        "tcp": ("two nodes, TCP over the bridge", 2),
        "tcp2x2": ("two nodes x 2 ranks", 4),
    }
    for key, (label, ranks) in names.items():
        path = os.path.join(out, "allreduce-%s.txt" % key)
        if not os.path.exists(path):
            continue
        rows = sweep(path)
        alpha, beta = fit(rows)
        at4 = dict(rows).get(4 * 1048576, float("nan"))
        print("| %s | %d | %.0f us | %.2f ms | %.0f MB/s | %.1f ms |" % (
            label, ranks, alpha * 1e6, beta * 1048576 * 1e3, 1e-6 / beta if beta > 0 else 0,
            at4 * 1e3))
    print("\n### Exposed all-reduce in a training step (configs/cpu_test.toml's model)\n")
    print("| ranks | placement | overlap | all-reduce share of step | job frames/s | steps |")
    print("|---|---|---|---|---|---|")
    places = {1: "1 node", 2: "2 nodes x 1", 4: "2 nodes x 2"}
    for w in (1, 2, 4):
        for ov in ("on", "off"):
            path = os.path.join(out, "steps-w%d-%s.jsonl" % (w, ov))
            if not os.path.exists(path):
                continue
            share, fps, n = steps(path)
            print("| %d | %s | %s | %.1f%% | %.0f | %d |" % (w, places[w], ov, 100 * share, fps, n))


if __name__ == "__main__":
    main(sys.argv[1])
