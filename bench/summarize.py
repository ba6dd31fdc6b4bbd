#!/usr/bin/env python3
"""Table of a bench/run.sh results folder: frames/s of every artic run (from its metrics.jsonl,
steps after the warm-up) and of the PyTorch reference, ratios against the targets, time split,
padding efficiency, and on GPU MFU and peak memory. Writes bench.md and bench.json there."""
import argparse
import glob
import json
import os
import platform
import re
import subprocess


def measurements(folder, name):
    """Page faults, context switches and wall time (bench/run.sh's `measured`), and the share of
    the machine's CPU time its host took (steal) over the run; {} when not measured."""
    out = {}
    path = os.path.join(folder, name + ".rusage")
    if os.path.exists(path):
        fields = open(path).read().split()[-5:]
        out.update(zip(["minor_faults", "major_faults", "involuntary_switches",
                        "voluntary_switches"], map(int, fields[:4])))
        out["process_seconds"] = float(fields[4])
    path = os.path.join(folder, name + ".cpu")
    if os.path.exists(path):
        v = list(map(int, open(path).read().split()))
        d = [b - a for a, b in zip(v[:4], v[4:])]
        out["steal_share"] = d[3] / max(1, sum(d))
    return out


def artic_run(path, warmup):
    steps = [json.loads(l) for l in open(os.path.join(path, "metrics.jsonl"))]
    steps = [s for s in steps if s.get("type") == "step" and s["step"] > warmup]
    # Job frames (all ranks); older runs logged rank 0's only, without rank_frames.
    frames = sum(s["frames"] for s in steps)
    rank_frames = sum(s.get("rank_frames", s["frames"]) for s in steps)
    world = steps[0].get("world_size", 1) if steps else 1
    wall = sum(s["wall_seconds"] for s in steps)
    padded = sum(s["frames"] / s["padding_efficiency"] for s in steps)
    phases = {k: sum(s["seconds"][k] for s in steps)
              for k in ("data", "forward", "backward", "allreduce", "optimizer")}
    flops = sum(s.get("model_flops", 0.0) for s in steps)
    mem = max([s.get("device_memory_peak_bytes", 0) for s in steps] + [0])
    return {"peak_memory_bytes": mem or None, "steps": len(steps), "frames": frames,
            "seconds": wall, "frames_per_second": frames / wall, "world_size": world,
            "rank_frames": rank_frames, "rank_frames_per_second": rank_frames / wall,
            "padding_efficiency": frames / padded,
            "seconds_by_phase": phases, "model_flops_per_second": flops / wall}


def scaling(rows, folder):
    """Strong scaling rows: job frames/s, speedup over 1 rank x 1 thread, efficiency per core."""
    base = rows.get("artic_scale_1x1")
    if not base:
        return [], {}
    table = {}
    for name, ranks, threads in (("artic_scale_1x1", 1, 1), ("artic_scale_1x2", 1, 2),
                                 ("artic_scale_2x1", 2, 1)):
        if name in rows:
            table["%d rank%s x %d thread%s" % (ranks, "s" if ranks > 1 else "", threads, "s" if threads > 1 else "")] = dict(
                rows[name], workers=ranks * threads, **measurements(folder, name))
    pair = [rows.get("artic_scale_pair%d" % k) for k in (0, 1)]
    if all(pair):
        m = [measurements(folder, "artic_scale_pair%d" % k) for k in (0, 1)]
        fps = [r["frames_per_second"] for r in pair]
        table["two 1 x 1 runs at once (no all-reduce)"] = {
            "frames_per_second": sum(fps), "rank_frames_per_second": sum(fps) / 2, "workers": 2,
            "frames": sum(r["frames"] for r in pair), "rank_frames": sum(r["frames"] for r in pair),
            "seconds_by_phase": {k: sum(r["seconds_by_phase"][k] for r in pair)
                                 for k in pair[0]["seconds_by_phase"]},
            "seconds": sum(r["seconds"] for r in pair),
            "minor_faults": sum(x.get("minor_faults", 0) for x in m),
            "involuntary_switches": sum(x.get("involuntary_switches", 0) for x in m),
            "steal_share": max(x.get("steal_share", 0) for x in m)}
    lines = ["", "Strong scaling (job frames/s = real frames of all ranks per second; efficiency "
             "= speedup / cores used; phases and faults of rank 0, or of both runs of the pair):",
             "",
             "| setup | job frames/s | per rank | speedup | efficiency | fwd+bwd ms per 1k frames "
             "of a rank | all-reduce | minor faults per 1k frames (whole process) | invol. switches | steal |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for label, r in table.items():
        speedup = r["frames_per_second"] / base["frames_per_second"]
        r["speedup"], r["efficiency"] = speedup, speedup / r["workers"]
        p = r["seconds_by_phase"]
        compute = (p["forward"] + p["backward"]) / max(1, r["rank_frames"])
        faults = r.get("minor_faults")
        lines.append("| %s | %.0f | %.0f | %.2fx | %.0f%% | %.3f | %.1f%% | %s | %s | %s |" % (
            label, r["frames_per_second"], r["rank_frames_per_second"], speedup,
            100 * r["efficiency"], 1e6 * compute,
            100 * p["allreduce"] / r["seconds"],
            "%.0f" % (faults / r["frames"] * 1000) if faults is not None else "-",
            r.get("involuntary_switches", "-"),
            "%.1f%%" % (100 * r["steal_share"]) if "steal_share" in r else "-"))
    return lines, table


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("--kind", default="cpu")
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--artic", default="build/artic")
    a = ap.parse_args()
    found = {}
    for d in sorted(glob.glob(os.path.join(a.folder, "runs", "*"))):
        found[os.path.basename(d)] = artic_run(d, a.warmup)
    for f in sorted(glob.glob(os.path.join(a.folder, "ref_*.json"))):
        found[os.path.basename(f)[:-5]] = json.load(open(f))
    # Repeats (NAME-rK) of a row: keep the fastest, note the spread.
    rows = {}
    for name, r in found.items():
        base = re.sub(r"-r\d+$", "", name)
        r["repeats"] = [r["frames_per_second"]]
        if base in rows:
            r["repeats"] = rows[base]["repeats"] + r["repeats"]
            if rows[base]["frames_per_second"] >= r["frames_per_second"]:
                rows[base]["repeats"] = r["repeats"]
                continue
        rows[base] = r
    peak = None
    if os.path.exists(os.path.join(a.folder, "matmul_peak.json")):
        peak = json.load(open(os.path.join(a.folder, "matmul_peak.json")))
    # Model FLOPs of the reference: the same batches and model as artic's bucket run.
    for name, r in rows.items():
        if name.startswith("ref_"):
            twin = rows.get(name.replace("ref_", "artic_", 1).replace("_heap", ""))
            if twin and twin["frames"]:
                r["model_flops_per_second"] = (twin["model_flops_per_second"] * twin["seconds"]
                                               / twin["frames"] * r["frames_per_second"])
    ratios = {}
    suffixes = ["_fp32", "_bf16"] if a.kind == "gpu" else [""]
    for sfx in suffixes:
        art, ref = rows.get("artic_bucket" + sfx), rows.get("ref_bucket" + sfx)
        if art and ref:
            ratios["artic / reference" + sfx] = art["frames_per_second"] / ref["frames_per_second"]
        heap = rows.get("ref_bucket_heap" + sfx)
        if art and heap:
            ratios["artic / reference with artic's heap setting" + sfx] = (
                art["frames_per_second"] / heap["frames_per_second"])
    sfx = "_bf16" if a.kind == "gpu" else ""
    for other in ("random", "chunk100"):
        b, o = rows.get("artic_bucket" + sfx), rows.get("artic_%s%s" % (other, sfx))
        if b and o:
            ratios["bucket / %s" % other] = b["frames_per_second"] / o["frames_per_second"]
    targets = {"artic / reference": 1.0, "artic / reference_bf16": 1.5, "bucket / random": 1.5}

    lines = ["# artic bench (%s)" % a.kind, ""]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    env = {"commit": commit, "host": platform.node(), "cpus": os.cpu_count(),
           "config": "configs/default.toml", "warmup_steps": a.warmup}
    lines.append("commit %s, %s, %d CPUs%s" % (commit, platform.node(), os.cpu_count(),
                 (", " + peak["device"]) if peak else ""))
    lines += ["", "| run | steps | real frames/s (repeats) | padding eff. | data | fwd | bwd | all-reduce "
              "| optim | model GFLOP/s%s%s |" % (" | MFU" if peak else "",
                                                   " | peak mem GiB" if a.kind == "gpu" else ""),
              "|---|---|---|---|---|---|---|---|---|---%s%s|" % ("|---" if peak else "",
                                                              "|---" if a.kind == "gpu" else "")]
    for name, r in rows.items():
        p = r["seconds_by_phase"]
        share = lambda k: "%.1f%%" % (100 * p.get(k, 0.0) / r["seconds"]) if k in p else "-"
        gflops = r.get("model_flops_per_second", 0.0)
        reps = "" if len(r["repeats"]) < 2 else " (%s)" % ", ".join(
            "%.0f" % v for v in r["repeats"])
        cells = [name, str(r["steps"]), "%.0f%s" % (r["frames_per_second"], reps),
                 "%.1f%%" % (100 * r["padding_efficiency"]), share("data"), share("forward"),
                 share("backward"), share("allreduce"), share("optimizer"), "%.1f" % (gflops / 1e9)]
        if peak:
            key = "bf16_flops" if name.endswith("bf16") else "fp32_flops"
            r["mfu"] = gflops / peak[key]
            cells.append("%.1f%%" % (100 * r["mfu"]))
        if a.kind == "gpu":
            mem = r.get("peak_memory_bytes")
            cells.append("%.2f" % (mem / 2 ** 30) if mem else "-")
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "| ratio | value | target |", "|---|---|---|"]
    for k, v in ratios.items():
        t = targets.get(k)
        lines.append("| %s | %.2fx | %s |" % (k, v, ("≥ %.1fx %s" % (t, "met" if v >= t else "NOT met"))
                                                     if t else "-"))
    scale_lines, scale = scaling(rows, a.folder)
    lines += scale_lines
    text = "\n".join(lines) + "\n"
    open(os.path.join(a.folder, "bench.md"), "w").write(text)
    json.dump({"env": env, "runs": rows, "ratios": ratios, "matmul_peak": peak, "scaling": scale},
              open(os.path.join(a.folder, "bench.json"), "w"), indent=2)
    print(text)


if __name__ == "__main__":
    main()
