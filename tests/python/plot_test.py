#!/usr/bin/python3
"""tools/plot.py against the data it draws: each kind of figure is made from inputs written here
(a corpus and a predictions file in the artic layout, a metrics.jsonl, two eval.json, a WAV and
EST tracks); the PNG
must exist with the size its figure asks for, and the series the script says it drew
(--series) must equal the inputs exactly. Bad inputs must end with a message, not a traceback.
Usage: plot_test.py TOOLS/plot.py
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

import h5py
import numpy as np

PLOT = sys.argv[1]
failed = 0


def check(name, ok, detail=""):
    global failed
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else f" ({detail})"))
    failed += 0 if ok else 1


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", head[16:24])


def write_corpus(path, ids, lengths, features, targets, channels):
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "artic-corpus"
        f.attrs["version"] = 1
        f.attrs["frame_rate_hz"] = 100.0
        f["features"] = features.astype(np.float32)
        f["targets"] = targets.astype(np.float32)
        f["utterances/id"] = ids
        f["utterances/length"] = lengths
        f["utterances/offset"] = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        f["meta/articulator_names"] = channels
        f["meta/feature_names"] = [f"mel_{i:02d}" for i in range(features.shape[1])]


def run(*args):
    return subprocess.run([sys.executable, PLOT, *args], capture_output=True, text=True)


def main():
    tmp = tempfile.mkdtemp()
    rng = np.random.default_rng(7)
    channels = ["T1_x", "T1_y", "JAW_x", "JAW_y", "LL_x"]
    ids, lengths = ["utt_a", "utt_b"], np.array([130, 90])
    n = int(lengths.sum())
    feats = rng.normal(size=(n, 16))
    measured = np.cumsum(rng.normal(size=(n, len(channels))), axis=0)
    predicted = measured + rng.normal(scale=0.3, size=measured.shape)
    corpus, preds = os.path.join(tmp, "corpus.h5"), os.path.join(tmp, "pred.h5")
    write_corpus(corpus, ids, lengths, feats, measured, channels)
    write_corpus(preds, ids, lengths, feats, predicted, channels)

    # (a) trajectories of utt_b: predicted and measured, as float32 values.
    png, js = os.path.join(tmp, "traj.png"), os.path.join(tmp, "traj.json")
    r = run("trajectories", "--predictions", preds, "--corpus", corpus, "--utterance", "utt_b",
            "--out", png, "--series", js, "--dpi", "50")
    check("trajectories: exit 0", r.returncode == 0, r.stderr)
    rows = (len(channels) + 1) // 2
    check("trajectories: PNG of the figure's size", os.path.exists(png) and
          png_size(png) == (11 * 50, int(round((1.2 + 1.15 * rows) * 50))),
          png_size(png) if os.path.exists(png) else "missing")
    s = json.load(open(js))
    off = int(lengths[0])
    want_p = predicted[off:off + 90].astype(np.float32).astype(np.float64)
    want_m = measured[off:off + 90].astype(np.float32).astype(np.float64)
    check("trajectories: the utterance and its times",
          s["utterance"] == "utt_b" and np.allclose(s["time_s"], np.arange(90) / 100.0))
    check("trajectories: every channel's predicted and measured series",
          list(s["channels"]) == channels and all(
              np.array_equal(s["channels"][c]["predicted"], want_p[:, k]) and
              np.array_equal(s["channels"][c]["measured"], want_m[:, k])
              for k, c in enumerate(channels)))
    r = run("trajectories", "--predictions", preds, "--out", png, "--series", js)
    s = json.load(open(js))
    check("trajectories without a corpus: predicted only, first utterance",
          r.returncode == 0 and s["utterance"] == "utt_a" and
          s["channels"]["T1_x"]["measured"] is None)

    # A recording inverted on its own has a frame more than the corpus (which trims audio and
    # tracks to the shorter): each series is drawn over its own frames.
    longer = os.path.join(tmp, "longer.h5")
    write_corpus(longer, ["utt_a"], np.array([131]), rng.normal(size=(131, 16)),
                 rng.normal(size=(131, len(channels))), channels)
    r = run("trajectories", "--predictions", longer, "--corpus", corpus, "--out", png,
            "--series", js)
    s = json.load(open(js)) if r.returncode == 0 else {}
    check("trajectories, a frame more than the corpus: each series over its own frames",
          r.returncode == 0 and len(s["time_s"]) == 131 and len(s["measured_time_s"]) == 130
          and len(s["channels"]["T1_x"]["measured"]) == 130, r.stderr)

    # (b) training curves from metrics.jsonl.
    run_dir = os.path.join(tmp, "run")
    os.makedirs(run_dir)
    steps = list(range(10, 210, 10))
    loss = [1.0 / (1 + 0.05 * k) for k in steps]
    lr = [3e-3 * min(1, k / 40) for k in steps]
    with open(os.path.join(run_dir, "metrics.jsonl"), "w") as f:
        for k, l, a in zip(steps, loss, lr):
            f.write(json.dumps({"type": "step", "step": k, "loss": l, "lr": a}) + "\n")
            if k % 50 == 0:
                f.write(json.dumps({"type": "validation", "step": k, "val_loss": 2 * l}) + "\n")
    png, js = os.path.join(tmp, "train.png"), os.path.join(tmp, "train.json")
    r = run("training", "--run", run_dir, "--out", png, "--series", js, "--dpi", "40")
    s = json.load(open(js)) if r.returncode == 0 else {}
    check("training: PNG of the figure's size", r.returncode == 0 and png_size(png) == (320, 200),
          r.stderr or png_size(png))
    check("training: loss, learning rate and validation series",
          s.get("step") == steps and s.get("loss") == loss and s.get("lr") == lr and
          s.get("validation_step") == [50, 100, 150, 200] and
          s.get("validation_loss") == [2 * loss[steps.index(k)] for k in (50, 100, 150, 200)])

    # (c) comparison of two runs' eval.json.
    runs = []
    for name, scale in (("run_a", 1.0), ("run_b", 1.3)):
        d = os.path.join(tmp, name)
        os.makedirs(d)
        arts = {c: {"rmse_mm": scale * (k + 1), "pearson_r": 0.9 - 0.05 * k / scale}
                for k, c in enumerate(channels)}
        json.dump({"articulators": arts}, open(os.path.join(d, "eval.json"), "w"))
        runs.append((d, arts))
    png, js = os.path.join(tmp, "cmp.png"), os.path.join(tmp, "cmp.json")
    r = run("compare", runs[0][0], runs[1][0], "--out", png, "--series", js, "--dpi", "40")
    s = json.load(open(js)) if r.returncode == 0 else {}
    check("compare: PNG of the figure's size", r.returncode == 0 and png_size(png) == (320, 220),
          r.stderr or png_size(png))
    check("compare: every run's RMSE and r per articulator",
          s.get("channels") == channels and all(
              s["runs"][os.path.normpath(d)]["rmse_mm"] == [a[c]["rmse_mm"] for c in channels]
              and s["runs"][os.path.normpath(d)]["pearson_r"] == [a[c]["pearson_r"]
                                                                  for c in channels]
              for d, a in runs))

    # (d) a recording's spectrogram over its EST tracks (binary and ASCII), scaled cm -> mm.
    import wave
    wav = os.path.join(tmp, "rec.wav")
    x = (0.3 * np.sin(2 * np.pi * 440 * np.arange(8000) / 16000) * 32767).astype("<i2")
    with wave.open(wav, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(x.tobytes())
    names = ["T1_py", "T1_pz", "jaw_pz"]
    frames = 100
    times = np.arange(frames) / 200.0
    cm = rng.normal(size=(frames, len(names))).astype(np.float32)
    header = ("EST_File Track\nDataType {}\nByteOrder 01\nNumFrames {}\nNumChannels {}\n"
              "BreaksPresent true\n" + "".join(f"Channel_{k} {c}\n" for k, c in enumerate(names))
              + "EST_Header_End\n")
    rows = np.column_stack([times, np.ones(frames), cm]).astype("<f4")
    binary, ascii_ = os.path.join(tmp, "rec.ema"), os.path.join(tmp, "rec_ascii.ema")
    with open(binary, "wb") as f:
        f.write(header.format("binary", frames, len(names)).encode() + rows.tobytes())
    with open(ascii_, "w") as f:
        f.write(header.format("ascii", frames, len(names)))
        f.writelines(" ".join(repr(float(v)) for v in row) + "\n" for row in rows)
    want = cm.astype(np.float64) * 10
    for label, ema in (("binary", binary), ("ASCII", ascii_)):
        png, js = os.path.join(tmp, "rec.png"), os.path.join(tmp, "rec.json")
        r = run("recording", "--wav", wav, "--ema", ema, "--out", png, "--series", js,
                "--dpi", "40")
        s = json.load(open(js)) if r.returncode == 0 else {}
        rows_drawn = (len(names) + 1) // 2
        check(f"recording ({label} EST): PNG of the figure's size", r.returncode == 0 and
              png_size(png) == (11 * 40, int(round((2.2 + 1.0 * rows_drawn) * 40))),
              r.stderr or png_size(png))
        check(f"recording ({label} EST): tracks x10 and their times",
              s.get("sample_rate") == 16000 and
              np.allclose(s.get("time_s", []), times.astype(np.float32), rtol=0, atol=1e-9) and
              list(s.get("channels", {})) == names and
              all(np.allclose(s["channels"][c], want[:, k], rtol=0, atol=1e-6)
                  for k, c in enumerate(names)))
    with open(os.path.join(tmp, "short.ema"), "wb") as f:
        f.write(header.format("binary", frames, len(names)).encode() + rows.tobytes()[:-8])

    # Bad inputs: a message naming the file, exit non-zero, no traceback.
    with open(os.path.join(tmp, "junk.h5"), "w") as f:
        f.write("not HDF5")
    for name, args, want in (
            ("a file that is not HDF5", ["trajectories", "--predictions",
                                         os.path.join(tmp, "junk.h5")], "cannot read as HDF5"),
            ("an unknown utterance", ["trajectories", "--predictions", preds, "--utterance",
                                      "nope"], "has no utterance 'nope'"),
            ("a run without metrics", ["training", "--run", tmp], "metrics.jsonl: cannot read"),
            ("a run without eval.json", ["compare", tmp], "eval.json: cannot read"),
            ("a WAV that is not one", ["recording", "--wav", os.path.join(tmp, "junk.h5"),
                                       "--ema", binary], "cannot read as a WAV file"),
            ("a truncated EST track", ["recording", "--wav", wav, "--ema",
                                       os.path.join(tmp, "short.ema")], "the header promises"),
            ("a file that is not a track", ["recording", "--wav", wav, "--ema", wav],
             "not an EST track file")):
        r = run(*args, "--out", os.path.join(tmp, "x.png"))
        check(f"bad input, {name}: a message", r.returncode != 0 and want in r.stderr and
              "Traceback" not in r.stderr, r.stderr[-300:])
    print(f"plot_test: {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
