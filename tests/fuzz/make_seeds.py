#!/usr/bin/python3
"""Writes the binary seeds of tests/fuzz/seeds (committed; run again after changing this file).

Usage: make_seeds.py  (from anywhere; writes next to this script)
"""
import os
import random
import struct

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds")


def est_binary(order, breaks):
    names = ["T1_py", "T1_pz", "jaw_py"]
    frames = [(0.0, 1.0, (1.5, -2.25, 0.0)), (0.005, 0.0, (0.0, 0.0, 0.0)),
              (0.01, 1.0, (1.75, float("nan"), 3.0e7))]
    head = ["EST_File Track", "DataType binary", "ByteOrder " + order,
            "NumFrames %d" % len(frames), "NumChannels %d" % len(names), "EqualSpace 1"]
    if breaks:
        head.append("BreaksPresent true")
    head += ["Channel_%d %s" % (i, n) for i, n in enumerate(names)]
    head.append("EST_Header_End")
    fmt = "<" if order == "01" else ">"
    body = b""
    for t, valid, values in frames:
        row = [t] + ([valid] if breaks else []) + list(values)
        body += struct.pack(fmt + "%df" % len(row), *row)
    return ("\n".join(head) + "\n").encode() + body


def write(target, name, data):
    os.makedirs(os.path.join(HERE, target), exist_ok=True)
    with open(os.path.join(HERE, target, name), "wb") as f:
        f.write(data)


write("est_track_fuzz", "binary_le_breaks.ema", est_binary("01", True))
write("est_track_fuzz", "binary_be.ema", est_binary("10", False))
# corpus_fuzz reads its input as choices (FuzzedDataProvider), not as a file: empty = every
# object as expected and no frames; the others are arbitrary choices.
write("corpus_fuzz", "empty", b"")
rng = random.Random(20)
for n in (16, 64, 256, 1024):
    write("corpus_fuzz", "random_%d" % n, bytes(rng.randrange(256) for _ in range(n)))
