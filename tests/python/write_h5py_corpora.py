#!/usr/bin/python3
"""Writes corpora the way a user's own h5py script would, good and malformed.

Usage: write_h5py_corpora.py OUTDIR
Writes OUTDIR/*.h5 and OUTDIR/manifest.tsv with one line per file:
  name<TAB>OK<TAB>tolerance            the file must load; features[t, j] = t/1000 + j and
                                        targets[t, a] = 10 a - t/500 for every real frame t
  name<TAB>ERR<TAB>message substring    the file must be refused with that message
"""
import os
import sys

import h5py
import numpy as np

F, A = 4, 3


def frames(total):
    t = np.arange(total, dtype=np.float64)[:, None]
    feats = t / 1000.0 + np.arange(F)[None, :]
    targs = 10.0 * np.arange(A)[None, :] - t / 500.0
    return feats, targs


def base(total=15, offsets=(0, 5, 12), lengths=(5, 7, 3)):
    feats, targs = frames(total)
    return {
        "features": feats,
        "targets": targs,
        "id": ["u1", "u2", "u3"],
        "offset": np.array(offsets, dtype=np.int64),
        "length": np.array(lengths, dtype=np.int64),
        "speaker": ["s1", "s1", "s2"],
        "split": ["train", "valid", "test"],
        "feature_names": [f"f{j}" for j in range(F)],
        "articulator_names": [f"a{j}" for j in range(A)],
        "attrs": {"format": "artic-corpus", "version": 1, "frame_rate_hz": 100.0,
                  "feature_kind": "test", "source": "h5py", "created_by": "write_h5py_corpora.py"},
    }


def strings(values, fixed):
    if fixed:
        return np.array([v.encode() for v in values], dtype=f"S{max(1, max(len(v) for v in values))}")
    return np.array(values, dtype=h5py.string_dtype())


def write(path, d, dtype=np.float64, chunks=None, compression=None, fixed=False, omit=()):
    with h5py.File(path, "w") as f:
        for key, value in d["attrs"].items():
            if key in omit:
                continue
            f.attrs[key] = np.bytes_(value) if (fixed and isinstance(value, str)) else value
        for name in ("features", "targets"):
            if name in omit:
                continue
            data = np.asarray(d[name]).astype(dtype)
            rows = (4,) + data.shape[1:] if chunks == "rows4" else chunks
            f.create_dataset(name, data=data, chunks=rows, compression=compression)
        if "utterances" not in omit:
            g = f.create_group("utterances")
            for key in ("id", "speaker", "split"):
                if key not in omit:
                    g.create_dataset(key, data=strings(d[key], fixed))
            for key in ("offset", "length"):
                if key not in omit:
                    g.create_dataset(key, data=d[key])
        m = f.create_group("meta")
        m.create_dataset("feature_names", data=strings(d["feature_names"], fixed))
        m.create_dataset("articulator_names", data=strings(d["articulator_names"], fixed))


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    manifest = []

    def ok(name, tolerance, **kw):
        write(os.path.join(out, name + ".h5"), kw.pop("d", base()), **kw)
        manifest.append((name, "OK", str(tolerance)))

    def bad(name, message, d=None, **kw):
        write(os.path.join(out, name + ".h5"), d if d is not None else base(), **kw)
        manifest.append((name, "ERR", message))

    ok("good_f64_contiguous", 1e-6)
    ok("good_f32_gzip_fixed_strings", 1e-6, dtype=np.float32, chunks="rows4", compression="gzip",
       fixed=True)
    ok("good_f16_gaps", 2e-2, dtype=np.float16, chunks=True,
       d=base(total=17, offsets=(0, 6, 14), lengths=(5, 7, 3)))

    bad("missing_targets", "missing dataset /targets", omit=("targets",))
    bad("missing_utterances", "missing dataset /utterances/id", omit=("utterances",))
    bad("missing_lengths", "missing dataset /utterances/length", omit=("length",))
    bad("missing_format", "missing root attribute 'format'", omit=("format",))
    d = base(); d["attrs"]["format"] = "something-else"
    bad("wrong_format", "root attribute 'format' is 'something-else'", d)
    d = base(); d["attrs"]["version"] = 2
    bad("wrong_version", "corpus format version 2", d)
    d = base(); d["targets"] = d["targets"][:14]
    bad("rows_mismatch", "/features has 15 frames but /targets has 14", d)
    d = base(); d["feature_names"] = d["feature_names"][:-1]
    bad("names_mismatch", "/features has 4 channels but /meta/feature_names has 3 names", d)
    d = base(); d["length"] = d["length"][:2]
    bad("index_mismatch", "/utterances/id has 3 entries but /utterances/length has 2", d)
    bad("offset_out_of_range", "utterance 'u3' covers frames [13, 16) outside the 15 frames",
        base(offsets=(0, 5, 13)))
    bad("negative_offset", "utterance 'u1' covers frames [-1, 4)", base(offsets=(-1, 5, 12)))
    bad("overlap", "utterances 'u1' and 'u2' overlap", base(offsets=(0, 4, 12)))
    bad("zero_length", "utterance 'u3' has length 0", base(lengths=(5, 7, 0)))
    d = base(); d["features"][6, 2] = np.nan
    bad("nan_feature", "/features of utterance 'u2' is NaN at frame 1, channel f2", d)
    d = base(); d["targets"][13, 0] = np.inf
    bad("inf_target", "/targets of utterance 'u3' is infinite at frame 1, channel a0", d)
    d = base(); d["features"] = np.zeros((15, F), dtype=np.int32)
    bad("integer_features", "/features must hold floats", d, dtype=np.int32)
    d = base(); d["split"] = ["train", "training", "test"]
    bad("bad_split", "utterance 'u2' has split 'training'", d)
    d = base(); d["id"] = ["u1", "u1", "u3"]
    bad("duplicate_id", "utterance 'u1' appears more than once", d)
    d = base(); d["features"] = d["features"][:, 0]
    bad("features_1d", "/features must be 2-D", d)

    # Found by tests/fuzz: a huge index whose offset + length overflows int64, and a dataset
    # declared with 2^40 entries but never written (it used to be allocated in full).
    bad("offset_overflow", "utterance 'u3' covers frames [4611686018427387904, beyond 2^63)",
        base(offsets=(0, 5, 2**62), lengths=(5, 7, 2**62)))
    bad("unwritten_ids", "/utterances/id has values that were never written")
    with h5py.File(os.path.join(out, "unwritten_ids.h5"), "a") as f:
        del f["utterances/id"]
        f["utterances"].create_dataset("id", shape=(2**40,), dtype=h5py.string_dtype(),
                                       chunks=(1024,))

    with open(os.path.join(out, "not_hdf5.h5"), "w") as f:
        f.write("this is not HDF5\n")
    manifest.append(("not_hdf5", "ERR", "not an HDF5 file"))

    with open(os.path.join(out, "manifest.tsv"), "w") as f:
        for row in manifest:
            f.write("\t".join(row) + "\n")


if __name__ == "__main__":
    main()
