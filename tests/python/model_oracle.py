#!/usr/bin/python3
"""Independent oracle for artic's sequence regressors (tests/unit/model_oracle_test.cpp).

Reads an artic weights file and an inputs file (both torch pickles written by the C++ test:
{"x", "pad_mask", "y", "loss_weights", "grads"}), then checks artic's outputs and parameter
gradients against two references written here, both in float64:

  * torch.nn: nn.Linear / nn.Conv1d, nn.TransformerEncoderLayer(norm_first=True, gelu),
    nn.LayerNorm, nn.LSTM on packed sequences; run on the padded batch with masks.
  * manual: plain tensor algebra (explicit attention, LayerNorm, LSTM gates), one utterance at
    a time without padding; outputs only.

Prints one line per comparison; exits 1 (lines start with MISMATCH) when a relative error
(max |a - b| / max |b|) exceeds --rtol, or when there is nothing real to compare.
"""
import argparse
import json
import math
import re
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

F64 = torch.float64
HIDDEN = -1e30  # a large finite negative: fully masked rows of padded queries stay finite


def positions(length, d):
    """Sinusoidal encoding, Vaswani et al.: sin on even channels, cos on odd ones."""
    pos = torch.arange(length, dtype=F64).unsqueeze(1)
    two_i = torch.arange(0, d, 2, dtype=F64)
    angle = pos / torch.pow(torch.tensor(10000.0, dtype=F64), two_i / d)
    pe = torch.zeros(length, d, dtype=F64)
    pe[:, 0::2] = torch.sin(angle)
    pe[:, 1::2] = torch.cos(angle[:, : d // 2])
    return pe


def rotary(x, length):
    """Rotary embedding (RoFormer, half-split layout) of x [..., T, dh]: pairs (i, i + dh/2)
    rotated by t * 10000^(-2i/dh)."""
    dh = x.shape[-1]
    theta = torch.pow(torch.tensor(10000.0, dtype=F64), -torch.arange(0, dh // 2, dtype=F64) * 2 / dh)
    angle = torch.arange(length, dtype=F64).unsqueeze(1) * theta
    cos, sin = torch.cos(angle), torch.sin(angle)
    a, b = x[..., : dh // 2], x[..., dh // 2:]
    return torch.cat([a * cos - b * sin, b * cos + a * sin], dim=-1)


# ----------------------------------------------------------------------------- torch.nn models


class NnTransformer(nn.Module):
    def __init__(self, cfg, num_features, num_articulators):
        super().__init__()
        d, k = cfg["d_model"], cfg["conv_kernel"]
        self.conv = cfg["frontend"] == "conv"
        self.heads = cfg["num_heads"]
        self.window = cfg["attention_window"]
        self.positional = cfg.get("positional", "sinusoidal")
        if self.conv:
            self.inp = nn.Conv1d(num_features, d, k, padding=k // 2)
        else:
            self.inp = nn.Linear(num_features, d)
        self.layers = nn.ModuleList(
            nn.TransformerEncoderLayer(d, cfg["num_heads"], cfg["ff_dim"], dropout=0.0,
                                       activation="gelu", batch_first=True, norm_first=True)
            for _ in range(cfg["num_layers"]))
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, num_articulators)

    def forward(self, x, pad):
        x = x.masked_fill(pad.unsqueeze(-1), 0.0)
        h = self.inp(x.transpose(1, 2)).transpose(1, 2) if self.conv else self.inp(x)
        batch, length, d = h.shape
        if self.positional == "sinusoidal":
            h = h + positions(length, d)
        hidden = pad.unsqueeze(1).expand(batch, length, length).clone()
        if self.window > 0:
            i = torch.arange(length)
            hidden |= (i.unsqueeze(1) - i.unsqueeze(0)).abs() > self.window
        mask = torch.zeros(batch, length, length, dtype=F64).masked_fill(hidden, HIDDEN)
        mask = mask.repeat_interleave(self.heads, dim=0)  # [B*H, T, T], row b*H + h
        for layer in self.layers:
            h = layer(h, src_mask=mask) if self.positional != "rope" else self.rope_layer(layer, h, mask)
        return self.head(self.norm(h))

    def rope_layer(self, layer, h, mask):
        """The layer's own torch.nn submodules (norms, in/out projections, feed-forward), with
        rotary queries and keys in the attention (torch.nn has no rotary attention)."""
        batch, length, d = h.shape
        dh = d // self.heads
        a = layer.norm1(h)
        q, k, v = F.linear(a, layer.self_attn.in_proj_weight, layer.self_attn.in_proj_bias).split(d, -1)
        split = lambda t: t.view(batch, length, self.heads, dh).transpose(1, 2)  # noqa: E731
        q, k, v = rotary(split(q), length), rotary(split(k), length), split(v)
        scores = q @ k.transpose(-2, -1) / math.sqrt(dh) + mask.view(batch, self.heads, length, length)
        context = (F.softmax(scores, -1) @ v).transpose(1, 2).reshape(batch, length, d)
        h = h + layer.self_attn.out_proj(context)
        return h + layer.linear2(F.gelu(layer.linear1(layer.norm2(h))))

    @staticmethod
    def torch_name(name):
        name = re.sub(r"^input_proj\.", "inp.", name)
        name = re.sub(r"^final_norm\.", "norm.", name)
        name = re.sub(r"\.attn\.qkv\.(weight|bias)$", r".self_attn.in_proj_\1", name)
        name = name.replace(".attn.out.", ".self_attn.out_proj.")
        name = name.replace(".ff1.", ".linear1.").replace(".ff2.", ".linear2.")
        return name


class NnBlstm(nn.Module):
    def __init__(self, cfg, num_features, num_articulators):
        super().__init__()
        hidden = cfg["lstm_hidden"]
        self.inp = nn.Linear(num_features, hidden)
        self.lstm = nn.LSTM(hidden, hidden, num_layers=cfg["lstm_layers"], bidirectional=True,
                            batch_first=True)
        self.head = nn.Linear(2 * hidden, num_articulators)

    def forward(self, x, pad):
        lengths = (~pad).sum(1).cpu()
        h = self.inp(x.masked_fill(pad.unsqueeze(-1), 0.0))
        packed = nn.utils.rnn.pack_padded_sequence(h, lengths, batch_first=True,
                                                   enforce_sorted=False)
        out, _ = self.lstm(packed)
        out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True,
                                                  total_length=x.shape[1])
        return self.head(out)

    @staticmethod
    def torch_name(name):
        return re.sub(r"^input_proj\.", "inp.", name)


# ----------------------------------------------------------------------------- manual models


def layer_norm(x, weight, bias):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + 1e-5) * weight + bias


def gelu(x):
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))


def manual_transformer(s, cfg, x):
    """x: [T, F] one utterance, no padding. s: artic name -> float64 tensor."""
    length = x.shape[0]
    d, heads, window = cfg["d_model"], cfg["num_heads"], cfg["attention_window"]
    if cfg["frontend"] == "conv":
        w = s["input_proj.weight"]  # [d, F, k]
        k = w.shape[2]
        xp = torch.cat([torch.zeros(k // 2, x.shape[1], dtype=F64), x,
                        torch.zeros(k // 2, x.shape[1], dtype=F64)])
        h = torch.stack([(xp[t:t + k].T.unsqueeze(0) * w).sum((1, 2)) for t in range(length)])
        h = h + s["input_proj.bias"]
    else:
        h = x @ s["input_proj.weight"].T + s["input_proj.bias"]
    positional = cfg.get("positional", "sinusoidal")
    if positional == "sinusoidal":
        h = h + positions(length, d)
    dh = d // heads
    allowed = torch.ones(length, length, dtype=torch.bool)
    if window > 0:
        i = torch.arange(length)
        allowed = (i.unsqueeze(1) - i.unsqueeze(0)).abs() <= window
    for layer in range(cfg["num_layers"]):
        p = lambda n: s[f"layers.{layer}.{n}"]  # noqa: E731
        a = layer_norm(h, p("norm1.weight"), p("norm1.bias"))
        q, k_, v = (a @ p("attn.qkv.weight").T + p("attn.qkv.bias")).split(d, dim=1)
        outs = []
        for head in range(heads):
            sl = slice(head * dh, (head + 1) * dh)
            qh, kh = q[:, sl], k_[:, sl]
            if positional == "rope":
                qh, kh = rotary(qh, length), rotary(kh, length)
            scores = qh @ kh.T / math.sqrt(dh)
            scores = scores.masked_fill(~allowed, float("-inf"))
            outs.append(torch.softmax(scores, dim=1) @ v[:, sl])
        h = h + torch.cat(outs, dim=1) @ p("attn.out.weight").T + p("attn.out.bias")
        f = layer_norm(h, p("norm2.weight"), p("norm2.bias"))
        f = gelu(f @ p("ff1.weight").T + p("ff1.bias"))
        h = h + f @ p("ff2.weight").T + p("ff2.bias")
    h = layer_norm(h, s["final_norm.weight"], s["final_norm.bias"])
    return h @ s["head.weight"].T + s["head.bias"]


def lstm_direction(x, w_ih, w_hh, b_ih, b_hh, reverse):
    hidden = w_hh.shape[1]
    h = torch.zeros(hidden, dtype=F64)
    c = torch.zeros(hidden, dtype=F64)
    out = [None] * x.shape[0]
    steps = range(x.shape[0] - 1, -1, -1) if reverse else range(x.shape[0])
    for t in steps:
        gates = w_ih @ x[t] + b_ih + w_hh @ h + b_hh
        i, f, g, o = gates.split(hidden)  # PyTorch's gate order
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        out[t] = h
    return torch.stack(out)


def manual_blstm(s, cfg, x):
    h = x @ s["input_proj.weight"].T + s["input_proj.bias"]
    for layer in range(cfg["lstm_layers"]):
        both = []
        for suffix, reverse in (("", False), ("_reverse", True)):
            p = lambda n: s[f"lstm.{n}_l{layer}{suffix}"]  # noqa: E731
            both.append(lstm_direction(h, p("weight_ih"), p("weight_hh"), p("bias_ih"),
                                       p("bias_hh"), reverse))
        h = torch.cat(both, dim=1)
    return h @ s["head.weight"].T + s["head.bias"]


# ----------------------------------------------------------------------------- comparison


def as_dict(pairs):
    """artic's files are nested tuples of (key, value) pairs; turn them into dicts."""
    def is_pairs(v):
        return isinstance(v, tuple) and all(
            isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str) for p in v)
    return {k: as_dict(v) if is_pairs(v) else v for k, v in pairs}


def rel_err(a, b):
    scale = b.abs().max().item()
    return (a - b).abs().max().item() / max(scale, 1e-30)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", required=True)
    ap.add_argument("--inputs", required=True)
    ap.add_argument("--rtol", type=float, required=True)
    ap.add_argument("--report", help="write the errors here as JSON")
    args = ap.parse_args()

    weights = as_dict(torch.load(args.weights, weights_only=True))
    inputs = as_dict(torch.load(args.inputs, weights_only=True))
    assert weights["format"] == "artic-model-weights", weights["format"]
    cfg, shape = weights["config"], weights["shape"]
    state = {k: v.to(F64) for k, v in weights["state"].items()}
    x, pad = inputs["x"].to(F64), inputs["pad_mask"]
    y_artic, loss_weights = inputs["y"].to(F64), inputs["loss_weights"].to(F64)
    lengths = (~pad).sum(1).tolist()

    cls = NnBlstm if cfg["kind"] == "blstm" else NnTransformer
    model = cls(cfg, shape["num_features"], shape["num_articulators"]).to(F64)
    model.load_state_dict({cls.torch_name(k): v for k, v in state.items()}, strict=True)
    model.eval()  # dropout off; gradients stay on (no fused inference path)

    y_nn = model(x, pad)
    (y_nn * loss_weights).sum().backward()
    grads_nn = {name: model.get_parameter(cls.torch_name(name)).grad for name in state}

    manual = manual_blstm if cfg["kind"] == "blstm" else manual_transformer
    errors = {"output_vs_nn": 0.0, "output_vs_manual": 0.0, "nn_vs_manual": 0.0,
              "grads_vs_nn": 0.0}
    compared = 0
    with torch.no_grad():
        for b, length in enumerate(lengths):
            y_manual = manual(state, cfg, x[b, :length])
            real_artic, real_nn = y_artic[b, :length], y_nn[b, :length]
            errors["output_vs_nn"] = max(errors["output_vs_nn"], rel_err(real_artic, real_nn))
            errors["output_vs_manual"] = max(errors["output_vs_manual"],
                                             rel_err(real_artic, y_manual))
            errors["nn_vs_manual"] = max(errors["nn_vs_manual"], rel_err(real_nn, y_manual))
            compared += real_artic.numel()
        worst = ""
        for name, g in grads_nn.items():
            err = rel_err(inputs["grads"][name].to(F64), g)
            if err >= errors["grads_vs_nn"]:
                errors["grads_vs_nn"], worst = err, name

    failed = False
    scale = y_artic.abs().max().item()
    if compared == 0 or scale < 1e-6 or len(inputs["grads"]) != len(state):
        print(f"MISMATCH nothing real to compare (values {compared}, max |y| {scale}, "
              f"{len(inputs['grads'])} gradients for {len(state)} parameters)")
        failed = True
    for key, err in errors.items():
        bad = not err <= args.rtol
        failed |= bad
        extra = f" (worst: {worst})" if key == "grads_vs_nn" else ""
        print(f"{'MISMATCH ' if bad else ''}{cfg['kind']} {key}: max relative error "
              f"{err:.3e} (rtol {args.rtol:.0e}){extra}")
    print(f"compared {compared} output values of {len(lengths)} utterances {lengths}, "
          f"{len(grads_nn)} parameter gradients")
    if args.report:
        with open(args.report, "w") as f:
            json.dump({"kind": cfg["kind"], "errors": errors, "compared": compared}, f)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
