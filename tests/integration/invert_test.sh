#!/usr/bin/env bash
# `artic invert` end to end: a corpus imported with `artic prep` from the espeak-ng + EST
# fixture (tests/lib/mngu0_fixture.sh; tracks 50 ms longer than the audio, so every utterance
# keeps all its audio frames), a short run on it, then the valid and test recordings inverted
# and checked against `artic eval --predictions` within 1e-5 mm in every format (EST read back by
# speech-tools' ch_track, CSV, HDF5), whole and windowed; 2 ranks equal 1 rank file by file; bad
# inputs (unreadable audio, 8 kHz audio, a run on a corpus not made from audio, an empty folder,
# existing outputs) exit 2 with a clear message while the good files of a batch are written.
# Usage: invert_test.sh ARTIC MPIRUN ORACLE_PYTHON
set -uo pipefail
ARTIC=$1
MPIRUN=$2
PY=$3
HERE=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d)
[[ -n "${KEEP:-}" ]] && echo "keeping $TMP" || trap 'rm -rf "$TMP"' EXIT
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMP_NUM_THREADS=1
MPI=("$MPIRUN" -np 2 --oversubscribe)
[[ $(id -u) -eq 0 ]] && MPI+=(--allow-run-as-root)
# shellcheck source-path=SCRIPTDIR source=../lib/checks.sh
source "$HERE/tests/lib/checks.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/mngu0_fixture.sh
source "$HERE/tests/lib/mngu0_fixture.sh"
for tool in espeak-ng ch_track; do
  command -v $tool > /dev/null || { echo "FAIL $tool is needed (launch/install-deps.sh installs it)"; exit 1; }
done

C=$TMP/mngu0
make_mngu0_fixture "$C" 0.05 || exit 1
printf '[prep]\ninput_dir = "%s"\noutput = "%s/mngu0.h5"\npreset = "mngu0"\nthreads = 2\n' \
  "$C" "$TMP" > "$TMP/prep.toml"
"$ARTIC" prep --config "$TMP/prep.toml" > "$TMP/prep.out" 2>&1
check "artic prep imports the fixture" "grep -q 'wrote $TMP/mngu0.h5: 12 utterances' $TMP/prep.out"
check "the corpus records its feature analysis" "$ARTIC corpus info $TMP/mngu0.h5 | grep -q '^n_mels = 80'"

cat > "$TMP/train.toml" << TOML
[run]
name = "prepped"
output_dir = "$TMP/runs"
[data]
corpus = "$TMP/mngu0.h5"
[batching]
max_frames = 1500
[model]
d_model = 32
num_layers = 2
num_heads = 2
ff_dim = 64
[training]
max_epochs = 2
threads = 1
TOML
RUN=$TMP/runs/prepped
"$ARTIC" train --config "$TMP/train.toml" > "$TMP/train.out" 2>&1
check "a run on the imported corpus" "[[ -s $RUN/eval.json ]]"
check "the run keeps its corpus recipe" "grep -q '^\[features\]' $RUN/corpus_recipe.toml"
for split in valid test; do
  "$ARTIC" eval --run "$RUN" --split $split --out "$TMP/$split.json" \
    --predictions "$TMP/eval_$split.h5" > /dev/null 2>&1
  "$ARTIC" eval --run "$RUN" --split $split --out "$TMP/$split.w.json" --window 60 --overlap 20 \
    --predictions "$TMP/eval_${split}_w.h5" > /dev/null 2>&1
done
mapfile -t held < <("$PY" -c "
import h5py, sys
for p in sys.argv[1:]:
    for i in h5py.File(p)['utterances/id'][:]: print(i.decode())" "$TMP/eval_valid.h5" "$TMP/eval_test.h5")
wavs=()
for id in "${held[@]}"; do wavs+=("$C/wav/$id.wav"); done
check "eval predicted 3 held-out utterances" "[[ ${#wavs[@]} == 3 ]]"

"$ARTIC" invert --run "$RUN" "${wavs[@]}" --format est,csv,h5 --out "$TMP/inv1" > "$TMP/inv1.out" 2>&1
rc=$?
cat "$TMP/inv1.out"
check "invert exits 0" "[[ $rc == 0 ]]"
check "invert reports the real-time factor" "grep -Eq 'inverted 3 of 3 recording\(s\) into .*x real time' $TMP/inv1.out"
for id in "${held[@]}"; do
  ch_track -otype est_ascii -o "$TMP/inv1/$id.txt" "$TMP/inv1/$id.ema" 2> "$TMP/ch_track.err" ||
    bad "ch_track reads $id.ema back ($(cat "$TMP/ch_track.err"))"
done
cat > "$TMP/same.py" << 'EOF'
# same.py OUT_DIR EVAL_H5... : invert's outputs in OUT_DIR (EST binary as written, CSV, HDF5)
# equal the eval predictions of the same utterances within 1e-5 mm, and ch_track's ASCII copy of
# each EST file (OUT_DIR/ID.txt, 6 significant digits) equals the binary values; prints "ok".
import csv, sys
import h5py, numpy as np
out, evals = sys.argv[1], sys.argv[2:]
want, chans = {}, None
for p in evals:
    f = h5py.File(p, "r")
    chans = [c.decode() for c in f["meta/articulator_names"][:]]
    for i, u in enumerate(f["utterances/id"][:]):
        o, n = int(f["utterances/offset"][i]), int(f["utterances/length"][i])
        want[u.decode()] = f["targets"][o:o + n].astype(np.float64)
h = h5py.File(out + "/predictions.h5", "r")
assert [c.decode() for c in h["meta/articulator_names"][:]] == chans
got_h5 = {}
for i, u in enumerate(h["utterances/id"][:]):
    o, n = int(h["utterances/offset"][i]), int(h["utterances/length"][i])
    got_h5[u.decode()] = h["targets"][o:o + n].astype(np.float64)
assert sorted(got_h5) == sorted(want), (sorted(got_h5), sorted(want))
worst = 0.0
for uid, y in want.items():
    rows = list(csv.reader(open(f"{out}/{uid}.csv")))
    assert rows[0] == ["time_s"] + chans, rows[0]
    c = np.array(rows[1:], dtype=np.float64)
    assert np.allclose(c[:, 0], np.arange(len(c)) / 100.0, atol=1e-9)
    raw = open(f"{out}/{uid}.ema", "rb").read()
    head, body = raw.split(b"EST_Header_End\n", 1)
    assert b"DataType binary" in head and b"ByteOrder 01" in head, head
    e = np.frombuffer(body, "<f4").astype(np.float64).reshape(-1, 2 + len(chans))
    assert np.allclose(e[:, 0], np.arange(len(e)) / 100.0, atol=1e-6), e[:3, 0]
    assert (e[:, 1] == 1).all()
    lines = open(f"{out}/{uid}.txt").read().split("EST_Header_End\n")[1].split("\n")
    a = np.array([l.split() for l in lines if l.strip()], dtype=np.float64)
    assert a.shape == e.shape and np.allclose(a, e, rtol=1e-5, atol=1e-5), (uid, "ch_track")
    for name, g in (("h5", got_h5[uid]), ("csv", c[:, 1:]), ("est", e[:, 2:])):
        assert g.shape == y.shape, (uid, name, g.shape, y.shape)
        d = float(np.abs(g - y).max())
        worst = max(worst, d)
        assert d < 1e-5, (uid, name, d)
print("max |invert - eval| = %.2e mm over %d utterances x 3 formats" % (worst, len(want)))
print("ok")
EOF
"$PY" "$TMP/same.py" "$TMP/inv1" "$TMP/eval_valid.h5" "$TMP/eval_test.h5" > "$TMP/same1.out" 2>&1
cat "$TMP/same1.out"
check "whole recordings: EST, CSV and HDF5 equal eval's predictions" "tail -1 $TMP/same1.out | grep -qx ok"

"$ARTIC" invert --run "$RUN" "${wavs[@]}" --format est,csv,h5 --window 60 --overlap 20 \
  --out "$TMP/invw" > /dev/null 2>&1
for id in "${held[@]}"; do ch_track -otype est_ascii -o "$TMP/invw/$id.txt" "$TMP/invw/$id.ema"; done
"$PY" "$TMP/same.py" "$TMP/invw" "$TMP/eval_valid_w.h5" "$TMP/eval_test_w.h5" > "$TMP/samew.out" 2>&1
cat "$TMP/samew.out"
check "windowed: equal to eval --window 60 --overlap 20" "tail -1 $TMP/samew.out | grep -qx ok"

# A run selected on windows (training.eval_window, here set on the command line) is inverted in
# its windows unless told otherwise.
"$ARTIC" invert --run "$RUN" "${wavs[@]}" --format est,csv,h5 --set training.eval_window=60 \
  --set training.eval_overlap=20 --out "$TMP/invrw" > /dev/null 2>&1
for id in "${held[@]}"; do ch_track -otype est_ascii -o "$TMP/invrw/$id.txt" "$TMP/invrw/$id.ema"; done
"$PY" "$TMP/same.py" "$TMP/invrw" "$TMP/eval_valid_w.h5" "$TMP/eval_test_w.h5" > "$TMP/samerw.out" 2>&1
check "the run's training.eval_window is the default window" "tail -1 $TMP/samerw.out | grep -qx ok"

# A folder of recordings (searched recursively) on 2 ranks against 1 rank.
"${MPI[@]}" "$ARTIC" invert --run "$RUN" "$C/wav" --format est,h5 --out "$TMP/inv2" > "$TMP/inv2.out" 2>&1
rc=$?
cat "$TMP/inv2.out"
"$ARTIC" invert --run "$RUN" "$C/wav" --format est,h5 --out "$TMP/inv1all" > "$TMP/inv1all.out" 2>&1
check "2-rank invert of a folder exits 0" "[[ $rc == 0 ]] && grep -q 'inverted 15 of 15 recording(s)' $TMP/inv2.out"
"$PY" - "$TMP/inv1all" "$TMP/inv2" > "$TMP/ranks.out" 2>&1 << 'EOF'
import os, sys
import h5py, numpy as np
a, b = sys.argv[1:]
names = sorted(n for n in os.listdir(a) if n.endswith(".ema"))
assert names == sorted(n for n in os.listdir(b) if n.endswith(".ema")) and len(names) == 15, names
fa, fb = h5py.File(a + "/predictions.h5"), h5py.File(b + "/predictions.h5")
assert list(fa["utterances/id"][:]) == list(fb["utterances/id"][:])
d = float(np.abs(fa["targets"][:] - fb["targets"][:]).max())
assert d < 1e-5, d
for n in names:
    ha, ta = open(a + "/" + n, "rb").read().split(b"EST_Header_End\n", 1)
    hb, tb = open(b + "/" + n, "rb").read().split(b"EST_Header_End\n", 1)
    assert ha == hb, n
    x, y = np.frombuffer(ta, "<f4"), np.frombuffer(tb, "<f4")
    assert x.shape == y.shape and np.abs(x.astype(float) - y).max() < 1e-5, n
print("1 rank vs 2 ranks: %d files, max difference %.2e mm" % (len(names), d))
print("ok")
EOF
cat "$TMP/ranks.out"
check "2 ranks equal 1 rank file by file" "tail -1 $TMP/ranks.out | grep -qx ok"

# Bad inputs.
"$ARTIC" invert --run "$RUN" "${wavs[0]}" --out "$TMP/inv1" > "$TMP/exists.out" 2>&1
rc=$?
check "existing outputs are refused without --force" "[[ $rc == 2 ]] && grep -q 'already exists; pass --force' $TMP/exists.out"
"$ARTIC" invert --run "$RUN" "${wavs[0]}" --out "$TMP/inv1" --force > /dev/null 2>&1
check "--force replaces them" "[[ $? == 0 ]]"
mkdir -p "$TMP/batch/sub" "$TMP/empty"
cp "${wavs[@]}" "$TMP/batch/sub/"
echo "not audio" > "$TMP/batch/broken.wav"
"$PY" -c "
import math, struct, wave, sys
w = wave.open(sys.argv[1], 'wb'); w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000)
w.writeframes(b''.join(struct.pack('<h', int(8000 * math.sin(i / 5.0))) for i in range(16000)))
" "$TMP/batch/phone_8k.wav"
"$ARTIC" invert --run "$RUN" "$TMP/batch" --format csv --out "$TMP/invbad" > "$TMP/bad.out" 2>&1
rc=$?
cat "$TMP/bad.out"
check "a batch with bad files exits 2" "[[ $rc == 2 ]]"
check "unreadable audio is named with its reason" "grep -q 'broken.wav: ' $TMP/bad.out"
check "8 kHz audio is refused, saying why" "grep -q 'phone_8k.wav: recorded at 8000 Hz, below the 16000 Hz' $TMP/bad.out"
check "the good files of the batch are written" "[[ \$(ls $TMP/invbad/*.csv | wc -l) == 3 ]] && grep -q 'inverted 3 of 5' $TMP/bad.out"
# Over the frame budget: in windows of the budget sharing a fifth of it, said in its line, equal
# to asking for those windows; --no-window refuses it instead.
"$ARTIC" invert --run "$RUN" "${wavs[0]}" --set batching.max_frames=100 --out "$TMP/invlong" \
  > "$TMP/long.out" 2>&1
rc=$?
check "a recording over the frame budget is inverted in windows, saying so" \
  "[[ $rc == 0 ]] && grep -q 'over the frame budget (batching.max_frames = 100): predicted in windows of 100 frames sharing 20' $TMP/long.out"
"$ARTIC" invert --run "$RUN" "${wavs[0]}" --set batching.max_frames=100 --window 100 --overlap 20 \
  --out "$TMP/invlongw" > /dev/null 2>&1
long_id=$(basename "${wavs[0]}" .wav)
check "... exactly as --window 100 --overlap 20 inverts it" \
  "cmp $TMP/invlong/$long_id.ema $TMP/invlongw/$long_id.ema"
"$ARTIC" invert --run "$RUN" "${wavs[0]}" "${wavs[1]}" --set batching.max_frames=100 --no-window \
  --out "$TMP/invlongn" > "$TMP/longn.out" 2>&1
rc=$?
check "--no-window refuses it (exit 2, naming the budget) and nothing is written" \
  "[[ $rc == 2 ]] && grep -q 'more than the run.s frame budget (batching.max_frames = 100) for one whole recording, and --no-window asks for whole recordings' $TMP/longn.out && grep -q 'nothing was written' $TMP/longn.out"
# A truncated recording (its header claims more than the file holds) is reported, not inverted.
head -c 684 "${wavs[0]}" > "$TMP/truncated.wav"
"$ARTIC" invert --run "$RUN" "$TMP/truncated.wav" --out "$TMP/invtrunc" > "$TMP/trunc.out" 2>&1
rc=$?
check "a truncated WAV: exit 2, reported as truncated" \
  "[[ $rc == 2 ]] && grep -q 'truncated.wav: truncated: its header claims more than the file holds' $TMP/trunc.out && [[ ! -e $TMP/invtrunc/truncated.ema ]]"
check "... and the summary says nothing was written, with no real-time factor" \
  "grep -q 'inverted 0 of 1 recording(s) into $TMP/invtrunc\$' $TMP/trunc.out && grep -q 'nothing was written' $TMP/trunc.out && ! grep -q 'real time' $TMP/trunc.out"
"$ARTIC" invert --run "$RUN" "$TMP/empty" --out "$TMP/inve" > "$TMP/empty.out" 2>&1
rc=$?
check "an empty folder: exit 2 naming it" "[[ $rc == 2 ]] && grep -q 'empty holds no audio files (looked for .wav/.flac' $TMP/empty.out"
"$ARTIC" invert --run "$RUN" "$TMP/nothere.wav" --out "$TMP/inve" > "$TMP/missing.out" 2>&1
rc=$?
check "a missing file: exit 2 naming it" "[[ $rc == 2 ]] && grep -q 'nothere.wav: no such audio file or folder' $TMP/missing.out"

# The built-in corpus is made from audio: a run trained on it inverts its recordings.
"$ARTIC" synth --out-dir "$TMP/spoken" --out "$TMP/synth.h5" --seed 3 --utterances 30 \
  --mean-length 2 > /dev/null 2>&1
sed -e "s|$TMP/mngu0.h5|$TMP/synth.h5|" -e 's|"prepped"|"synthetic"|' -e 's|max_epochs = 2|max_epochs = 1|' \
  "$TMP/train.toml" > "$TMP/synth.toml"
"$ARTIC" train --config "$TMP/synth.toml" > /dev/null 2>&1
first=$(head -n 1 "$TMP/spoken/test.list")
"$ARTIC" invert --run "$TMP/runs/synthetic" "$TMP/spoken/wav/$first.wav" --out "$TMP/invs" \
  > "$TMP/synthrun.out" 2>&1
rc=$?
[[ $rc == 0 ]] || cat "$TMP/synthrun.out"
check "a run on the built-in corpus inverts one of its recordings" \
  "[[ $rc == 0 && -s $TMP/invs/$first.ema ]]"

finish "invert integration"
