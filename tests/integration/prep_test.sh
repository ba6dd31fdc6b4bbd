#!/usr/bin/env bash
# `artic prep` end to end on a small MNGU0-style corpus made here: speech WAVs from espeak-ng
# (22.05 kHz, resampled to 16 kHz), EST binary tracks at 200 Hz with MNGU0's channel names in
# cm made by speech-tools' ch_track from known trajectories. Checks: the import with the mngu0
# preset (split rule, scale to mm, short gap filled, long gap / missing channel / missing track
# skipped with reasons, length mismatch warned and trimmed), the targets in the HDF5 file equal
# the known trajectories at the feature frame times, MFCC, bad input, then `artic corpus info`
# and a short 2-rank `artic train` + `artic eval` on the imported corpus.
# Usage: prep_test.sh ARTIC MPIRUN ORACLE_PYTHON
set -uo pipefail
ARTIC=$1
MPIRUN=$2
PY=$3
HERE=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d)
[[ -n "${KEEP:-}" ]] && echo "keeping $TMP" || trap 'rm -rf "$TMP"' EXIT
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMP_NUM_THREADS=1
# shellcheck source-path=SCRIPTDIR source=../lib/checks.sh
source "$HERE/tests/lib/checks.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/mngu0_fixture.sh
source "$HERE/tests/lib/mngu0_fixture.sh"
for tool in espeak-ng ch_track; do
  command -v $tool > /dev/null || { echo "FAIL $tool is needed (launch/install-deps.sh installs it)"; exit 1; }
done

C=$TMP/mngu0
make_mngu0_fixture "$C" 0 || exit 1
check "ch_track wrote EST binary tracks" "grep -q 'DataType binary' $C/ema_basic_data/mngu0_s1_0001.ema"

cat > "$TMP/prep.toml" << TOML
[prep]
input_dir = "$C"
output = "$TMP/mngu0.h5"
preset = "mngu0"
threads = 2
TOML
"$ARTIC" prep --config "$TMP/prep.toml" > "$TMP/prep.out" 2> "$TMP/prep.err"
rc=$?
cat "$TMP/prep.out"
check "artic prep exits 0" "[[ $rc == 0 ]]"
check "12 of 14 pairs imported" "grep -q 'wrote $TMP/mngu0.h5: 12 utterances (.* h) of 14 pairs found; 80 features, 12 articulators; tracks at 200 Hz' $TMP/prep.out"
check "mngu0 split rule: 0010 and 0030 valid, 0020 test" "grep -Eq '^  valid +2 utterances' $TMP/prep.out && grep -Eq '^  test +1 utterances' $TMP/prep.out"
check "the WAV without a track is reported" "grep -q 'mngu0_s1_0040: .*mngu0_s1_0040.wav has no .ema file' $TMP/prep.out"
check "the long break skips its utterance" "grep -q 'mngu0_s1_0006.ema: a gap of 100 frames in channel T1_x at 0.250 s (tracks.max_gap_ms = 100 fills shorter gaps)' $TMP/prep.out"
check "a missing channel skips with a suggestion" "grep -q \"mngu0_s1_0008.ema: no channel 'jaw_pz' (for JAW_y); did you mean\" $TMP/prep.out"
check "the short gaps are filled and counted" "grep -q 'filled short gaps (breaks or NaN) in 2 utterances, 75 samples' $TMP/prep.out"
check "the length mismatch is warned" "grep -q 'mngu0_s1_0005: audio .* and track .* differ by 0.50. s (tracks.length_tolerance_ms); trimmed to the shorter' $TMP/prep.out"
check "units look like millimetres (no unit warning)" "! grep -q 'not what EMA in millimetres looks like' $TMP/prep.out"
check "progress went to stderr" "grep -q 'prep: 14/14 files' $TMP/prep.err"
check "the resampled recordings are counted with both rates" \
  "grep -Eq '^  resampled 12 recording\\(s\\) from 22050 Hz to 16000 Hz \\(features.sample_rate\\)' $TMP/prep.out"
check "the report ends with what to run next" \
  "tail -1 $TMP/prep.out | grep -q 'next: artic corpus info $TMP/mngu0.h5; then train on it with artic train -c CONFIG.toml --set data.corpus=$TMP/mngu0.h5'"
"$ARTIC" prep --config "$TMP/prep.toml" --set prep.speaker_from=dir --set prep.output="$TMP/dir.h5" \
  > "$TMP/dir.out" 2>&1
check "speaker_from = dir over the one track folder: warned, naming the folder" \
  "grep -q \"prep.speaker_from = \\\"dir\\\" named speaker 'ema_basic_data' after the folder that holds every track (12): a speaker-based split over it means nothing\" $TMP/dir.out"

# The targets are the known curves x 10 (cm -> mm) at t = k / 100; frames = min(audio, track).
"$PY" - "$TMP/mngu0.h5" "$C/wav" > "$TMP/h5check.out" 2>&1 << 'EOF'
import math, sys, wave
import h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
assert f.attrs["format"] in (b"artic-corpus", "artic-corpus"), f.attrs["format"]
assert float(f.attrs["frame_rate_hz"]) == 100.0
names = [n.decode() if isinstance(n, bytes) else n for n in f["meta/articulator_names"][:]]
assert names == ["T1_x", "T1_y", "T2_x", "T2_y", "T3_x", "T3_y", "JAW_x", "JAW_y", "UL_x", "UL_y",
                 "LL_x", "LL_y"], names
# Column of each target in the generated track (T1_px is column 0, unused).
source = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
ids = [i.decode() if isinstance(i, bytes) else i for i in f["utterances/id"][:]]
splits = dict(zip(ids, [s.decode() if isinstance(s, bytes) else s for s in f["utterances/split"][:]]))
assert splits["mngu0_s1_0010"] == "valid" and splits["mngu0_s1_0030"] == "valid", splits
assert splits["mngu0_s1_0020"] == "test" and splits["mngu0_s1_0001"] == "train", splits
worst = 0.0
for i, uid in enumerate(ids):
    off, n = int(f["utterances/offset"][i]), int(f["utterances/length"][i])
    with wave.open(sys.argv[2] + "/" + uid + ".wav") as w:
        audio_frames = int(w.getnframes() / w.getframerate() * 16000) // 160 + 1
    seconds = w.getnframes() / w.getframerate() - (0.5 if uid.endswith("0005") else 0)
    track_frames = int((int(seconds * 200) - 1) / 200 * 100) + 1
    assert abs(n - min(audio_frames, track_frames)) <= 1, (uid, n, audio_frames, track_frames)
    y = f["targets"][off:off + n]
    t = np.arange(n) / 100.0
    for a, c in enumerate(source):
        want = 10 * (0.1 * c - 2.0 + 0.6 * np.sin(2 * np.pi * (0.7 + 0.25 * c) * t + c))
        err = np.abs(y[:, a] - want)
        if uid.endswith("0003"):
            err[45:58] = 0   # the filled 30 ms break at 0.5 s (a linear fill of a curve)
        if uid.endswith("0004") and a == 0:
            err[26:36] = 0   # the 15 ms of NaN at 0.3 s
        worst = max(worst, float(err.max()))
print("max |target - known curve| = %.4f mm over %d utterances" % (worst, len(ids)))
# Edge ringing of the zero-phase filter stays below 0.05 mm; a 10 ms misalignment of these
# curves would be up to 1.5 mm, cm left unscaled 90% of the value.
assert worst < 0.06, worst
x = f["features"][:]
assert np.isfinite(x).all() and x.shape[1] == 80
print("ok")
EOF
cat "$TMP/h5check.out"
check "targets equal the known curves in mm at the frame times" "tail -1 $TMP/h5check.out | grep -qx ok"

"$ARTIC" prep --config "$TMP/prep.toml" > "$TMP/again.out" 2>&1
rc=$?
check "an existing output is not overwritten without --force" "[[ $rc == 2 ]] && grep -q 'mngu0.h5 already exists; pass --force' $TMP/again.out"

"$ARTIC" prep --config "$TMP/prep.toml" --set features.kind=mfcc --set prep.output=$TMP/mfcc.h5 \
  --threads 1 > "$TMP/mfcc.out" 2>&1
check "MFCC import: 39 features, same utterances" "grep -q 'mfcc.h5: 12 utterances .* 39 features, 12 articulators' $TMP/mfcc.out"

# Units: without the preset's scale the summary says the values are not millimetres.
"$ARTIC" prep --config "$TMP/prep.toml" --set tracks.scale=1 --set prep.output=$TMP/cm.h5 \
  > "$TMP/cm.out" 2>&1
check "values in cm are flagged with the scale to check" "grep -q 'not what EMA in millimetres looks like (typically 1-10 mm): check tracks.scale = 1' $TMP/cm.out"

# Bad input: a typo in the config, a folder with no tracks, a corrupt track file.
printf '[prep]\ninput_dir = "%s"\noutput = "%s/x.h5"\npreset = "mngu0"\n[tracks]\nlowpas_hz = 10\n' \
  "$C" "$TMP" > "$TMP/typo.toml"
"$ARTIC" prep --config "$TMP/typo.toml" > "$TMP/typo.out" 2>&1
rc=$?
check "config typo: exit 2 naming file, line and key" "[[ $rc == 2 ]] && grep -qF \"typo.toml:6: unknown key 'lowpas_hz' in [tracks]; did you mean 'lowpass_hz'?\" $TMP/typo.out"
mkdir -p "$TMP/empty"
cp "$C/wav/mngu0_s1_0001.wav" "$TMP/empty/"
"$ARTIC" prep --config "$TMP/prep.toml" --set prep.input_dir=$TMP/empty --set prep.output=$TMP/e.h5 \
  > "$TMP/empty.out" 2>&1
rc=$?
check "no track files: exit 2 saying so" "[[ $rc == 2 ]] && grep -q 'holds no track files (.ema; set tracks.extension for others)' $TMP/empty.out"
head -c -10 "$C/ema_basic_data/mngu0_s1_0002.ema" > "$TMP/trunc.ema"
cp "$TMP/trunc.ema" "$C/ema_basic_data/mngu0_s1_0002.ema"
"$ARTIC" prep --config "$TMP/prep.toml" --set prep.output=$TMP/t.h5 > "$TMP/trunc.out" 2>&1
check "a truncated track is skipped with the reason" "grep -q 'mngu0_s1_0002.ema: EST binary body is .* (truncated file?)' $TMP/trunc.out && grep -q 't.h5: 11 utterances' $TMP/trunc.out"
check "no partial file is left behind" "[[ ! -e $TMP/t.h5.tmp && ! -e $TMP/e.h5 ]]"

for preset in mngu0 mocha; do
  "$ARTIC" prep --config "$HERE/configs/prep_$preset.toml" --print-config > "$TMP/$preset.toml" 2>&1
  check "configs/prep_$preset.toml is valid" "grep -Eq \"^preset = .$preset.$\" $TMP/$preset.toml"
done

"$ARTIC" corpus info "$TMP/mngu0.h5" > "$TMP/info.out" 2>&1
rc=$?
cat "$TMP/info.out"
check "artic corpus info reads the imported corpus" "[[ $rc == 0 ]] && grep -q \"kind 'logmel'\" $TMP/info.out && grep -Eq '^all +12 ' $TMP/info.out"
check "speaker from the id prefix" "grep -q 'speakers     1: mngu0' $TMP/info.out"

cat > "$TMP/train.toml" << TOML
[run]
name = "prepped"
output_dir = "$TMP/runs"
log_every = 5
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
max_epochs = 3
threads = 1
TOML
"$MPIRUN" -np 2 --oversubscribe --allow-run-as-root "$ARTIC" train --config "$TMP/train.toml" \
  > "$TMP/train.out" 2>&1
rc=$?
tail -5 "$TMP/train.out"
check "a 2-rank artic train on the imported corpus finishes" "[[ $rc == 0 && -s $TMP/runs/prepped/eval.json ]]"
"$ARTIC" eval --run "$TMP/runs/prepped" > "$TMP/eval.out" 2>&1
rc=$?
check "artic eval reports the imported articulators" "[[ $rc == 0 ]] && grep -q 'JAW_y' $TMP/eval.out && ! grep -qi nan $TMP/eval.out"

finish "prep integration"
