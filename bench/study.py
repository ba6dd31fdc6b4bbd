#!/usr/bin/python3
"""The chunking study's runs (docs/experiments.md): every variant of bench/study/variants.toml on
each corpus it names, first at every learning rate of LR_GRID with seed 1, then at the rate whose
seed 1 reached the lowest validation loss with seeds 2..SEEDS. Runs train two at a time with one
thread each. Every finished run leaves its small records (config.toml, summary.json, eval.json and
record.json: the artic commit, the command and its wall time) under
bench/study/records/CORPUS/VARIANT/lr-RATE/seed-N, which are committed: a run with records is never
trained again, so the study continues across sessions (a session's work tree is not kept).

Usage (after the build): /usr/bin/python3 bench/study.py [--jobs 2] [--corpora control,builtin,long]
  [--stop-after SECONDS]   (starts no run after that many seconds; running ones finish)
"""
import argparse
import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARTIC = os.environ.get("ARTIC", os.path.join(ROOT, "build/artic"))
RECORDS = os.environ.get("STUDY_RECORDS", os.path.join(ROOT, "bench/study/records"))
RUNS = os.path.join(ROOT, "runs/study")
LR_GRID = ["1.5e-3", "3e-3", "6e-3"]
# A grid whose best rate is at its edge grows by a factor 2 on that side, up to these.
LR_BELOW = ["7.5e-4", "3.75e-4"]
LR_ABOVE = ["1.2e-2", "2.4e-2"]
SEEDS = 5
CORPORA = {
    "builtin": ("data/synth.h5", ["--seed", "1"]),
    "control": ("data/control.h5", ["--seed", "1", "--long-range-mm", "2"]),
    "long": ("data/long.h5", ["--seed", "1", "--utterances", "80", "--mean-length", "22",
                              "--length-sigma", "0.25", "--min-length", "10", "--max-length", "30",
                              "--valid-fraction", "0.1", "--test-fraction", "0.25"]),
}
RECORD_FILES = ("config.toml", "summary.json", "eval.json")
EDGE_GRID, EDGE_SKIP = 100, 50  # edges.json: 100-frame chunk edges, utterance edges left out


def commit():
    return subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True).stdout.strip()


class Run:
    def __init__(self, corpus, variant, lr, seed):
        self.corpus, self.variant, self.lr, self.seed = corpus, variant, lr, seed
        self.key = f"{corpus}/{variant['name']}/lr-{lr}/seed-{seed}"
        self.records = os.path.join(RECORDS, self.key)
        self.dir = os.path.join(RUNS, self.key)

    def done(self):
        return all(os.path.exists(os.path.join(self.records, f)) for f in RECORD_FILES)

    def busy(self):
        """Another process (an earlier call's trainer) is writing this run."""
        try:
            with open(os.path.join(self.dir, ".lock")) as f:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return False
        except FileNotFoundError:
            return False
        except BlockingIOError:
            return True

    def command(self):
        sets = [f"data.corpus={CORPORA[self.corpus][0]}", *self.variant["set"],
                f"optim.learning_rate={self.lr}", f"run.seed={self.seed}",
                f"run.output_dir={os.path.dirname(self.dir)}", f"run.name=seed-{self.seed}"]
        cmd = [ARTIC, "train", "-c", "bench/study/base.toml", "--progress", "lines"]
        for s in sets:
            cmd += ["--set", s]
        if os.path.exists(os.path.join(self.dir, "checkpoints", "latest")):
            cmd.append("--resume")
        return cmd

    def keep(self, seconds, cmd):
        os.makedirs(self.records, exist_ok=True)
        for f in RECORD_FILES:
            shutil.copy(os.path.join(self.dir, f), self.records)
        with open(os.path.join(self.records, "record.json"), "w") as f:
            json.dump({"commit": commit(), "command": cmd, "wall_seconds": round(seconds, 1)}, f,
                      indent=2)

    def keep_edges(self):
        """records/edges.json: the test split predicted as the run is scored (whole, or in its
        eval windows), squared error summed by distance to the nearest edge of a 100-frame grid
        and by position, for the edge figures; needs the run's checkpoints (this machine)."""
        out = os.path.join(self.records, "edges.json")
        if os.path.exists(out) or not os.path.exists(os.path.join(self.dir, "checkpoints")):
            return
        pred = os.path.join(self.dir, "test_predictions.h5")
        if not os.path.exists(pred):
            subprocess.run([ARTIC, "eval", "--run", self.dir, "--predictions", pred, "--out",
                            os.path.join(self.dir, "test_predictions.json"), "--force"],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        sys.path.insert(0, os.path.join(ROOT, "bench"))
        import chunk_edges
        truth = chunk_edges.targets_by_id(CORPORA[self.corpus][0])
        edge_sq, edge_n, pos_sq, pos_n = chunk_edges.binned_sums(truth, pred, EDGE_GRID, EDGE_SKIP)
        with open(out, "w") as f:
            json.dump({"grid": EDGE_GRID, "skip_utterance_edges": EDGE_SKIP,
                       "edge_sq": edge_sq.tolist(), "edge_n": edge_n.tolist(),
                       "position_sq": {int(k): float(v) for k, v in pos_sq.items()},
                       "position_n": {int(k): int(v) for k, v in pos_n.items()}}, f)

    def best_val_loss(self):
        with open(os.path.join(self.records, "summary.json")) as f:
            return json.load(f)["best_val_loss"]


def lr_grid(corpus, variant):
    """The rates tried with seed 1 (LR_GRID, grown on the side where the best one sits) and the
    chosen one, None until every rate of the grid has finished."""
    grid, above, below = list(LR_GRID), list(LR_ABOVE), list(LR_BELOW)
    while True:
        runs = [Run(corpus, variant, lr, 1) for lr in grid]
        if not all(r.done() for r in runs):
            return grid, None
        best = min(runs, key=lambda r: r.best_val_loss()).lr
        if best == grid[-1] and above:
            grid.append(above.pop(0))
        elif best == grid[0] and below:
            grid.insert(0, below.pop(0))
        else:
            return grid, best


def chosen_lr(corpus, variant):
    """The grid's rate with the lowest seed-1 validation loss, or None until the grid is done."""
    return lr_grid(corpus, variant)[1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--corpora", default="control,builtin,long")
    ap.add_argument("--stop-after", type=float, default=float("inf"))
    args = ap.parse_args()
    os.chdir(ROOT)
    with open("bench/study/variants.toml", "rb") as f:
        variants = tomllib.load(f)["variant"]
    corpora = args.corpora.split(",")
    # A copy of the binary, so that a rebuild while the study runs does not touch it.
    global ARTIC
    stable = os.path.join(RUNS, "artic")
    os.makedirs(RUNS, exist_ok=True)
    shutil.copy(ARTIC, stable + ".new")
    os.replace(stable + ".new", stable)
    ARTIC = stable
    for c in corpora:
        path, flags = CORPORA[c]
        if not os.path.exists(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            subprocess.run([ARTIC, "synth", "--out", path, *flags], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for c in corpora:  # edges of runs kept before edges.json existed, while their checkpoints do
        for v in variants:
            for lr in LR_GRID + LR_ABOVE + LR_BELOW:
                for seed in range(1, SEEDS + 1):
                    r = Run(c, v, lr, seed)
                    if r.done():
                        r.keep_edges()
    start = time.time()
    running = {}  # key -> (Popen, Run, start, cmd)
    failed = set()
    env = dict(os.environ, OMP_NUM_THREADS="1")

    def todo():
        out = []
        for c in corpora:
            for v in variants:
                if c not in v["corpora"]:
                    continue
                grid, lr = lr_grid(c, v)
                runs = [Run(c, v, x, 1) for x in grid] if lr is None else \
                    [Run(c, v, lr, s) for s in range(2, SEEDS + 1)]
                out += [r for r in runs if not r.done() and r.key not in running and
                        r.key not in failed and not r.busy()]
        return out

    while True:
        for key, (proc, run, t0, cmd) in list(running.items()):
            if proc.poll() is None:
                continue
            del running[key]
            if proc.returncode == 0:
                run.keep(time.time() - t0, cmd)
                run.keep_edges()
                print(f"study: {key} done in {time.time() - t0:.0f} s", flush=True)
            else:
                failed.add(key)
                print(f"study: {key} failed (exit {proc.returncode}), see {run.dir}.out",
                      flush=True)
        ready = todo()
        late = time.time() - start > args.stop_after
        while ready and len(running) < args.jobs and not late:
            run = ready.pop(0)
            if all(os.path.exists(os.path.join(run.dir, f)) for f in RECORD_FILES):
                run.keep(0.0, run.command())  # trained by an earlier call that did not keep it
                run.keep_edges()
                print(f"study: {run.key} kept (trained by an earlier call)", flush=True)
                continue
            os.makedirs(os.path.dirname(run.dir), exist_ok=True)
            cmd = run.command()
            with open(run.dir + ".out", "a") as log:
                try:
                    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
                except OSError as e:
                    failed.add(run.key)
                    print(f"study: {run.key} could not start: {e}", flush=True)
                    continue
            running[run.key] = (proc, run, time.time(), cmd)
            print(f"study: {run.key} started", flush=True)
        if not running and (not ready or late):
            break
        time.sleep(2)
    left = len(todo())
    print(f"study: {time.time() - start:.0f} s; {len(failed)} failed; {left} run(s) still to do "
          f"(or waiting for a grid)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
