#!/usr/bin/env python3
"""The PyTorch reference for bench/run.sh: what a researcher would write instead of artic.

The same architecture as artic's transformer regressor, written with torch.nn (Linear or Conv1d
front end, sinusoidal positions, pre-LayerNorm nn.TransformerEncoderLayer with GELU and a key
padding mask, final LayerNorm, Linear head), the same loss (squared error over real frames and
channels / (real frames x channels)), AdamW with the config's settings, warmup + cosine LR,
gradient clipping, and the usual eager loop. It replays the batches artic's sampler planned
(`artic corpus batches --export`), normalised with train-split statistics, so both train on
the same frames in the same order.

Usage: train_ref.py --config RESOLVED.toml --batches PLAN.json --steps N [--warmup W]
                    [--threads T] [--device cpu|cuda] [--precision fp32|bf16] --out RESULT.json
Prints one line per measured step and writes frames/s and the time split as JSON.
"""
import argparse
import json
import math
import sys
import time
import tomllib

import h5py
import numpy as np
import torch
import torch.nn as nn


def positions(length, d, device):
    pos = torch.arange(length, dtype=torch.float32, device=device).unsqueeze(1)
    two_i = torch.arange(0, d, 2, dtype=torch.float32, device=device)
    angle = pos / torch.pow(10000.0, two_i / d)
    pe = torch.zeros(length, d, device=device)
    pe[:, 0::2] = torch.sin(angle)
    pe[:, 1::2] = torch.cos(angle[:, : d // 2])
    return pe


class Regressor(nn.Module):
    def __init__(self, m, num_features, num_articulators):
        super().__init__()
        d, k = m["d_model"], m["conv_kernel"]
        self.conv = m["frontend"] == "conv"
        self.inp = (nn.Conv1d(num_features, d, k, padding=k // 2) if self.conv
                    else nn.Linear(num_features, d))
        layer = nn.TransformerEncoderLayer(d, m["num_heads"], m["ff_dim"], dropout=m["dropout"],
                                           activation="gelu", batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, m["num_layers"], enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, num_articulators)

    def forward(self, x, pad):
        x = x.masked_fill(pad.unsqueeze(-1), 0.0)
        h = self.inp(x.transpose(1, 2)).transpose(1, 2) if self.conv else self.inp(x)
        h = h + positions(h.shape[1], h.shape[2], h.device)
        h = self.encoder(h, src_key_padding_mask=pad)
        return self.head(self.norm(h))


def lr_at(step, total, o, s):
    if s["kind"] == "constant":
        return o["learning_rate"]
    warm = s["warmup_steps"]
    if step < warm:
        return o["learning_rate"] * (step + 1) / warm
    t = min(1.0, (step - warm) / max(1, total - warm))
    return s["min_lr"] + 0.5 * (o["learning_rate"] - s["min_lr"]) * (1 + math.cos(math.pi * t))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    ap.add_argument("--batches", required=True)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--precision", default="fp32")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    cfg = tomllib.load(open(a.config, "rb"))
    plan = json.load(open(a.batches))
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(cfg["run"]["seed"])
    dev = torch.device(a.device)

    f = h5py.File(plan["corpus"], "r")
    feats, targs = f["features"][:], f["targets"][:]
    offset, length = f["utterances/offset"][:], f["utterances/length"][:]
    split = [s.decode() if isinstance(s, bytes) else s for s in f["utterances/split"][:]]
    train = np.concatenate([np.arange(offset[i], offset[i] + length[i])
                            for i in range(len(split)) if split[i] == "train"])

    def stats(x):
        mu = x[train].astype(np.float64).mean(0)
        sd = x[train].astype(np.float64).std(0)
        sd[sd < 1e-6] = 1.0
        return mu.astype(np.float32), sd.astype(np.float32)

    fm, fs = stats(feats)
    tm, ts = stats(targs)
    if not cfg["data"].get("normalize_targets", True):
        tm, ts = np.zeros_like(tm), np.ones_like(ts)

    def make_batch(items):
        t_max = max(n for _, _, n in items)
        x = np.zeros((len(items), t_max, feats.shape[1]), np.float32)
        y = np.zeros((len(items), t_max, targs.shape[1]), np.float32)
        pad = np.ones((len(items), t_max), bool)
        for b, (u, start, n) in enumerate(items):
            lo = offset[u] + start
            x[b, :n] = (feats[lo:lo + n] - fm) / fs
            y[b, :n] = (targs[lo:lo + n] - tm) / ts
            pad[b, :n] = False
        return (torch.from_numpy(x).to(dev), torch.from_numpy(y).to(dev),
                torch.from_numpy(pad).to(dev))

    m = cfg["model"]
    if m["kind"] != "transformer":
        sys.exit("train_ref.py: only model.kind = transformer")
    model = Regressor(m, feats.shape[1], targs.shape[1]).to(dev)
    o, sch = cfg["optim"], cfg["schedule"]
    opt = torch.optim.AdamW(model.parameters(), lr=o["learning_rate"],
                            betas=(o["beta1"], o["beta2"]), eps=o["eps"],
                            weight_decay=o["weight_decay"])
    total = a.warmup + a.steps
    cuda = dev.type == "cuda"
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    model.train()
    phases = {"data": 0.0, "forward": 0.0, "backward": 0.0, "optimizer": 0.0}
    frames = 0
    padded = 0
    wall = 0.0
    batches = plan["batches"]
    for step in range(total):
        items = batches[step % len(batches)]
        t0 = time.perf_counter()
        x, y, pad = make_batch(items)
        sync()
        t1 = time.perf_counter()
        with torch.autocast(device_type=dev.type, dtype=torch.bfloat16,
                            enabled=a.precision == "bf16"):
            pred = model(x, pad)
        real = ~pad
        n_real = int(real.sum())
        loss = ((pred.float() - y) ** 2)[real].sum() / (n_real * y.shape[2])
        sync()
        t2 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        sync()
        t3 = time.perf_counter()
        for g in opt.param_groups:
            g["lr"] = lr_at(step, total, o, sch)
        if o["grad_clip"] > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), o["grad_clip"])
        opt.step()
        sync()
        t4 = time.perf_counter()
        if step < a.warmup:
            continue
        frames += n_real
        padded += pad.numel()
        wall += t4 - t0
        for k, v in zip(phases, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
            phases[k] += v
        print("ref step %d loss %.4f %.0f frames/s" % (step + 1, loss.item(),
                                                     n_real / (t4 - t0)), flush=True)
    result = {
        "frames": frames,
        "seconds": wall,
        "frames_per_second": frames / wall,
        "padding_efficiency": frames / padded,
        "seconds_by_phase": phases,
        "steps": a.steps,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "device": str(dev),
        "precision": a.precision,
    }
    if cuda:
        result["peak_memory_bytes"] = torch.cuda.max_memory_allocated()
    json.dump(result, open(a.out, "w"), indent=2)


if __name__ == "__main__":
    main()
