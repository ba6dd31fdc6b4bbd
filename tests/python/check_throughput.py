"""Checks the throughput a multi-rank run reports against the corpus it trained on.

Every segment of the train split is trained on exactly once per epoch across all ranks, so the
job's real frames over an epoch's step lines must equal the train split's frames (read here with
h5py), whichever rank trained them; each step line's frames/s must be its frames over its wall
time, the rank's figure its own frames over the same time, and the summary's throughput the sum
of the step lines. Exits 1 with the first mismatch.
Usage: check_throughput.py RUN_DIR CORPUS.h5 WORLD_SIZE MIN_LENGTH
"""

import collections
import json
import sys

import h5py
import numpy as np


def main():
    run, corpus, world, min_length = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    with h5py.File(corpus, "r") as f:
        split = np.array([s.decode() if isinstance(s, bytes) else s for s in f["utterances/split"][()]])
        length = f["utterances/length"][()]
    train = length[(split == "train") & (length >= min_length)]
    epoch_frames = int(train.sum())

    steps = [json.loads(l) for l in open(f"{run}/metrics.jsonl")]
    steps = [s for s in steps if s["type"] == "step"]
    by_epoch = collections.defaultdict(int)
    rank_total = 0
    for s in steps:
        by_epoch[s["epoch"]] += s["frames"]
        rank_total += s["rank_frames"]
        if s["world_size"] != world:
            sys.exit(f"step {s['step']}: world_size {s['world_size']}, expected {world}")
        want = s["frames"] / s["wall_seconds"]
        if abs(s["frames_per_second"] - want) > 1e-6 * want:
            sys.exit(f"step {s['step']}: frames_per_second {s['frames_per_second']} != "
                     f"frames / wall_seconds = {want}")
        want_rank = s["rank_frames"] / s["wall_seconds"]
        if abs(s["rank_frames_per_second"] - want_rank) > 1e-6 * max(want_rank, 1):
            sys.exit(f"step {s['step']}: rank_frames_per_second mismatch")
        if world > 1 and not 0 <= s["rank_frames"] < s["frames"]:
            sys.exit(f"step {s['step']}: rank frames {s['rank_frames']} not below job {s['frames']}")
    for epoch, frames in sorted(by_epoch.items()):
        if frames != epoch_frames:
            sys.exit(f"epoch {epoch}: the step lines count {frames} real frames, the train split "
                     f"has {epoch_frames}")
    t = json.load(open(f"{run}/summary.json"))["throughput"]
    total = sum(by_epoch.values())
    if t["frames"] != total or t["rank_frames"] != rank_total or t["world_size"] != world:
        sys.exit(f"summary throughput {t} does not add up to the step lines ({total} frames, "
                 f"rank {rank_total})")
    if abs(t["frames_per_second"] - total / t["seconds"]) > 1e-6 * t["frames_per_second"]:
        sys.exit("summary frames_per_second != frames / seconds")
    share = rank_total / total
    print(f"{len(by_epoch)} epochs x {epoch_frames} train frames = {total} job frames in the step "
          f"lines (rank 0 trained {100 * share:.1f}%); summary {t['frames_per_second']:.0f} "
          f"frames/s over {t['seconds']:.1f} s, rank 0 {t['rank_frames_per_second']:.0f}")


if __name__ == "__main__":
    main()
