#!/usr/bin/python3
"""artic's figures (PNG, matplotlib), each with --series FILE.json holding exactly the data drawn.

  plot.py trajectories --predictions P.h5 [--corpus C.h5] [--utterance ID] --out X.png
      One utterance: its features as a spectrogram on top, the articulator channels below in mm
      against seconds: predicted (P.h5, from `artic eval --predictions` or `artic invert --format
      h5`) and, when C.h5 holds the utterance, measured.
  plot.py recording --wav X.wav --ema X.ema [--scale 10] --out X.png
      A recording and its EMA tracks: the waveform's spectrogram (0 Hz to Nyquist, dB) on top,
      each track channel below against seconds, times --scale (10: EST in cm, as MNGU0 and
      `artic synth` write them, to mm).
  plot.py training --run RUN --out X.png
      RUN/metrics.jsonl: training loss and validation loss against step, and the learning rate.
  plot.py compare RUN... --out X.png
      Per-articulator test RMSE (mm) and Pearson r of each run's eval.json, side by side.
Run with Debian's /usr/bin/python3 (python3-matplotlib, python3-h5py, python3-numpy).
"""
import argparse
import io
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402


def fail(message):
    sys.exit(f"plot.py: error: {message}")


def text(x):
    return x.decode() if isinstance(x, bytes) else str(x)


def read_utterance(path, utterance):
    """(ids, frame rate, feature names, channel names, features, targets) of one utterance."""
    import h5py
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        fail(f"{path}: cannot read as HDF5 ({e})")
    with f:
        for key in ("utterances/id", "utterances/offset", "utterances/length", "features",
                    "targets", "meta/articulator_names"):
            if key not in f:
                fail(f"{path}: no /{key}: not an artic corpus or predictions file")
        ids = [text(i) for i in f["utterances/id"][:]]
        if utterance is None:
            utterance = ids[0]
        if utterance not in ids:
            return ids, None
        k = ids.index(utterance)
        off, n = int(f["utterances/offset"][k]), int(f["utterances/length"][k])
        return ids, {
            "id": utterance,
            "rate": float(f.attrs.get("frame_rate_hz", 100.0)),
            "channels": [text(c) for c in f["meta/articulator_names"][:]],
            "features": np.asarray(f["features"][off:off + n], dtype=np.float64),
            "targets": np.asarray(f["targets"][off:off + n], dtype=np.float64),
        }


def trajectories(a):
    ids, pred = read_utterance(a.predictions, a.utterance)
    if pred is None:
        fail(f"{a.predictions} has no utterance '{a.utterance}' (it has {', '.join(ids[:5])}"
             f"{' ...' if len(ids) > 5 else ''})")
    measured = None
    if a.corpus:
        _, measured = read_utterance(a.corpus, pred["id"])
        # A recording inverted on its own may have a frame or two more than the corpus, which
        # trims audio and tracks to the shorter; more than a second apart is another recording.
        if measured is not None and abs(measured["targets"].shape[0] -
                                        pred["targets"].shape[0]) > pred["rate"]:
            fail(f"{a.corpus}: utterance '{pred['id']}' has {measured['targets'].shape[0]} "
                 f"frames, {a.predictions} {pred['targets'].shape[0]}")
        if measured is not None and measured["channels"] != pred["channels"]:
            fail(f"{a.corpus} and {a.predictions} name other articulator channels")
    channels = pred["channels"]
    t = np.arange(pred["targets"].shape[0]) / pred["rate"]
    rows = (len(channels) + 1) // 2
    fig = plt.figure(figsize=(11, 1.2 + 1.15 * rows))
    grid = fig.add_gridspec(rows + 1, 2, height_ratios=[1.6] + [1] * rows)
    spec = fig.add_subplot(grid[0, :])
    spec.imshow(pred["features"].T, origin="lower", aspect="auto", cmap="magma",
                extent=[0, t[-1] if len(t) else 0, 0, pred["features"].shape[1]])
    spec.set_ylabel("feature", fontsize=8)
    spec.set_title(f"{pred['id']}: predicted (red)" +
                   (" and measured (black)" if measured is not None else "") +
                   " articulator positions (mm)", fontsize=10)
    series = {"utterance": pred["id"], "time_s": t.tolist(), "channels": {}}
    if measured is not None:
        t_measured = np.arange(measured["targets"].shape[0]) / measured["rate"]
        series["measured_time_s"] = t_measured.tolist()
    for c, name in enumerate(channels):
        ax = fig.add_subplot(grid[1 + c // 2, c % 2], sharex=spec)
        if measured is not None:
            ax.plot(t_measured, measured["targets"][:, c], color="black", lw=1.0,
                    label="measured")
        ax.plot(t, pred["targets"][:, c], color="tab:red", lw=1.0, label="predicted")
        ax.set_ylabel(name, fontsize=8)
        ax.tick_params(labelsize=7)
        series["channels"][name] = {
            "predicted": pred["targets"][:, c].tolist(),
            "measured": None if measured is None else measured["targets"][:, c].tolist()}
    for ax in fig.axes[-2:]:
        ax.set_xlabel("seconds", fontsize=8)
    fig.tight_layout()
    return fig, series


def read_wav(path):
    """(samples as float in [-1, 1], sample rate) of a 16-bit PCM WAV."""
    import wave
    try:
        with wave.open(path, "rb") as w:
            if w.getsampwidth() != 2:
                fail(f"{path}: {8 * w.getsampwidth()}-bit samples; this figure reads 16-bit PCM")
            rate, channels = w.getframerate(), w.getnchannels()
            x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64)
    except (OSError, EOFError, wave.Error) as e:
        fail(f"{path}: cannot read as a WAV file ({e})")
    x = x.reshape(-1, channels).mean(axis=1) / 32768.0
    if x.size == 0:
        fail(f"{path} holds no samples")
    return x, rate


def read_est(path):
    """(times, channel names, values [frames, channels]) of an EST track, binary or ASCII."""
    try:
        data = open(path, "rb").read()
    except OSError as e:
        fail(f"{path}: cannot read ({e.strerror})")
    end = data.find(b"EST_Header_End\n")
    if not data.startswith(b"EST_File Track") or end < 0:
        fail(f"{path}: not an EST track file (no 'EST_File Track' ... 'EST_Header_End')")
    header = {}
    for line in data[:end].decode("ascii", "replace").splitlines()[1:]:
        key, _, value = line.strip().partition(" ")
        header[key] = value.strip()
    try:
        frames, count = int(header["NumFrames"]), int(header["NumChannels"])
    except (KeyError, ValueError):
        fail(f"{path}: the header needs integer NumFrames and NumChannels")
    names = [header.get(f"Channel_{c}", f"channel {c}") for c in range(count)]
    breaks = header.get("BreaksPresent", "false") == "true"
    width = count + (2 if breaks else 1)
    body = data[end + len(b"EST_Header_End\n"):]
    if header.get("DataType") == "binary":
        order = {"01": "<", "10": ">"}.get(header.get("ByteOrder"), "=")
        if len(body) != 4 * width * frames:
            fail(f"{path}: {len(body)} bytes of frames; the header promises {4 * width * frames}")
        rows = np.frombuffer(body, dtype=order + "f4").reshape(frames, width).astype(np.float64)
    else:
        try:
            rows = np.array([[float(v) for v in line.split()] for line in
                             body.decode("ascii").splitlines() if line.strip()])
        except ValueError as e:
            fail(f"{path}: a malformed ASCII frame ({e})")
        if rows.shape != (frames, width):
            fail(f"{path}: {rows.shape[0]} frames of {rows.shape[1] if rows.ndim == 2 else 0} "
                 f"values; the header promises {frames} of {width}")
    return rows[:, 0], names, rows[:, width - count:]


def recording(a):
    x, rate = read_wav(a.wav)
    times, names, values = read_est(a.ema)
    values = values * a.scale
    win = int(0.025 * rate)
    hop = int(0.010 * rate)
    n_fft = 1 << (win - 1).bit_length()
    frames = 1 + max(0, (x.size - win) // hop)
    padded = np.pad(x, (0, max(0, win - x.size)))
    index = np.arange(win)[None, :] + hop * np.arange(frames)[:, None]
    power = np.abs(np.fft.rfft(padded[index] * np.hanning(win), n_fft)) ** 2
    db = 10 * np.log10(power + 1e-12)
    db = np.maximum(db, db.max() - 80)
    duration = x.size / rate
    rows = (len(names) + 1) // 2
    fig = plt.figure(figsize=(11, 2.2 + 1.0 * rows))
    grid = fig.add_gridspec(rows + 1, 2, height_ratios=[2.6] + [1] * rows)
    spec = fig.add_subplot(grid[0, :])
    spec.imshow(db.T, origin="lower", aspect="auto", cmap="magma",
                extent=[0, duration, 0, rate / 2000.0])
    spec.set_ylabel("kHz", fontsize=8)
    spec.set_title(f"{os.path.basename(a.wav)}: spectrogram (dB) and EMA tracks "
                   f"({os.path.basename(a.ema)}, x{a.scale:g})", fontsize=10)
    series = {"wav": a.wav, "ema": a.ema, "sample_rate": rate, "time_s": times.tolist(),
              "channels": {}}
    for c, name in enumerate(names):
        ax = fig.add_subplot(grid[1 + c // 2, c % 2], sharex=spec)
        ax.plot(times, values[:, c], color="black", lw=0.9)
        ax.set_ylabel(name, fontsize=8)
        ax.tick_params(labelsize=7)
        series["channels"][name] = values[:, c].tolist()
    spec.set_xlim(0, duration)
    for ax in fig.axes[-2:]:
        ax.set_xlabel("seconds", fontsize=8)
    fig.tight_layout()
    return fig, series


def training(a):
    path = os.path.join(a.run, "metrics.jsonl")
    steps, loss, lr, vsteps, vloss = [], [], [], [], []
    try:
        lines = open(path).read().splitlines()
    except OSError as e:
        fail(f"{path}: cannot read ({e.strerror}); is {a.run} an artic run directory?")
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
        except json.JSONDecodeError as e:
            fail(f"{path}:{n}: not JSON ({e.msg})")
        if r.get("type") == "step":
            steps.append(r["step"])
            loss.append(r["loss"])
            lr.append(r["lr"])
        elif r.get("type") == "validation":
            vsteps.append(r["step"])
            vloss.append(r["val_loss"])
    if not steps:
        fail(f"{path} holds no training steps yet")
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 5), sharex=True,
                                      gridspec_kw={"height_ratios": [2.2, 1]})
    top.plot(steps, loss, label="training loss", lw=1)
    top.plot(vsteps, vloss, "o-", label="validation loss", lw=1, ms=3)
    top.set_yscale("log")
    top.set_ylabel("MSE (normalized units)", fontsize=8)
    top.legend(fontsize=8)
    top.set_title(f"{os.path.normpath(a.run)}: training", fontsize=10)
    bottom.plot(steps, lr, color="tab:green", lw=1)
    bottom.set_ylabel("learning rate", fontsize=8)
    bottom.set_xlabel("optimizer step", fontsize=8)
    for ax in (top, bottom):
        ax.tick_params(labelsize=7)
    fig.tight_layout()
    return fig, {"step": steps, "loss": loss, "lr": lr, "validation_step": vsteps,
                 "validation_loss": vloss}


def compare(a):
    runs = []
    for run in a.runs:
        path = os.path.join(run, "eval.json")
        try:
            e = json.load(open(path))
        except (OSError, json.JSONDecodeError) as err:
            fail(f"{path}: cannot read ({err}); evaluate the run with 'artic eval --run {run}'")
        if "articulators" not in e:
            fail(f"{path}: no per-articulator results")
        runs.append((os.path.normpath(run), e["articulators"]))
    channels = list(runs[0][1])
    for run, arts in runs[1:]:
        if list(arts) != channels:
            fail(f"{run} has other articulator channels than {runs[0][0]}")
    x = np.arange(len(channels))
    width = 0.8 / len(runs)
    fig, axes = plt.subplots(2, 1, figsize=(max(8, 0.6 * len(channels) * len(runs)), 5.5),
                             sharex=True)
    series = {"channels": channels, "runs": {}}
    for k, (run, arts) in enumerate(runs):
        rmse = [arts[c]["rmse_mm"] for c in channels]
        r = [arts[c]["pearson_r"] for c in channels]
        axes[0].bar(x + k * width, rmse, width, label=run)
        axes[1].bar(x + k * width, r, width, label=run)
        series["runs"][run] = {"rmse_mm": rmse, "pearson_r": r}
    axes[0].set_ylabel("test RMSE (mm)", fontsize=8)
    axes[1].set_ylabel("test Pearson r", fontsize=8)
    axes[1].set_xticks(x + 0.4 - width / 2)
    axes[1].set_xticklabels(channels, fontsize=8)
    axes[0].legend(fontsize=7)
    for ax in axes:
        ax.tick_params(labelsize=7)
    fig.tight_layout()
    return fig, series


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="kind", required=True)
    p = sub.add_parser("trajectories")
    p.add_argument("--predictions", required=True)
    p.add_argument("--corpus")
    p.add_argument("--utterance")
    p = sub.add_parser("recording")
    p.add_argument("--wav", required=True)
    p.add_argument("--ema", required=True)
    p.add_argument("--scale", type=float, default=10.0)
    p = sub.add_parser("training")
    p.add_argument("--run", required=True)
    p = sub.add_parser("compare")
    p.add_argument("runs", nargs="+")
    for p in sub.choices.values():
        p.add_argument("--out", required=True, help="the PNG to write")
        p.add_argument("--series", help="also write the plotted data as JSON")
        p.add_argument("--dpi", type=int, default=80)
    a = ap.parse_args()
    fig, series = {"trajectories": trajectories, "recording": recording, "training": training,
                   "compare": compare}[a.kind](a)
    # A 256-colour palette keeps figures small enough to commit (a spectrogram in 24-bit colour
    # is most of a PNG's bytes); PIL comes with Debian's matplotlib.
    buf = io.BytesIO()
    fig.savefig(buf, dpi=a.dpi, format="png")
    buf.seek(0)
    Image.open(buf).convert("RGB").quantize(256).save(a.out, optimize=True)
    if a.series:
        with open(a.series, "w") as f:
            json.dump(series, f)
    print(a.out)


if __name__ == "__main__":
    main()
