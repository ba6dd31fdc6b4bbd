#!/usr/bin/env bash
# End-to-end checks of the artic CLI: exit codes (0 ok, 2 usage/config/data), one-sentence
# errors on stderr, synth determinism and options (flags, --config, the recipe in the corpus),
# corpus info, config check/show round trip.
# Usage: cli_test.sh ARTIC_BINARY ORACLE_PYTHON
set -uo pipefail
ARTIC=$1
PY=$2
HERE=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# shellcheck source-path=SCRIPTDIR source=../lib/checks.sh
source "$HERE/tests/lib/checks.sh"

# expect NAME WANT_RC WANT_SUBSTRING -- command...  (substring searched in stdout+stderr)
expect() {
  local name=$1 want_rc=$2 want_text=$3
  shift 4
  local out rc
  out=$("$@" 2>&1)
  rc=$?
  if [[ $rc -ne $want_rc ]]; then
    bad "$name: exit $rc, wanted $want_rc; output:"; echo "$out" | head -20
    return
  fi
  if [[ -n $want_text && $out != *"$want_text"* ]]; then
    bad "$name: output lacks '$want_text'; output:"; echo "$out" | head -20
    return
  fi
  ok "$name"
}

expect help 0 "Subcommands:" -- "$ARTIC" --help
expect synth-help 0 "--seed" -- "$ARTIC" synth --help
expect corpus-help 0 "info" -- "$ARTIC" corpus --help
expect version 0 "artic 0." -- "$ARTIC" --version
expect no-subcommand 2 "artic: error:" -- "$ARTIC"
expect unknown-subcommand 2 "artic: error:" -- "$ARTIC" frobnicate
expect unknown-flag 2 "artic: error:" -- "$ARTIC" synth --out "$TMP/x.h5" --sed 3

# synth: speaks the corpus to disk and/or imports it, is deterministic per seed, refuses to
# clobber, checks its options.
# same_corpus A B: the frames, utterances and names of two corpora are equal (their recipes name
# the folders they were imported from).
same_corpus() {
  "$PY" - "$1" "$2" <<'PYEOF'
import sys
import h5py
import numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
for key in ("features", "targets", "utterances/id", "utterances/split", "utterances/speaker",
            "utterances/length", "meta/feature_names", "meta/articulator_names"):
    if not np.array_equal(a[key][()], b[key][()]):
        sys.exit(f"{key} differs")
PYEOF
}
expect synth-a 0 "wrote $TMP/a.h5" -- "$ARTIC" synth --out "$TMP/a.h5" --seed 11 --utterances 40
cp "$TMP/a.h5" "$TMP/a1.h5"
expect synth-b 0 "" -- "$ARTIC" synth --out "$TMP/a.h5" --seed 11 --utterances 40 --force
expect synth-c 0 "" -- "$ARTIC" synth --out "$TMP/c.h5" --seed 12 --utterances 40
expect synth-same-seed-same-bytes 0 "" -- cmp "$TMP/a.h5" "$TMP/a1.h5"
expect synth-other-seed-differs 1 "" -- same_corpus "$TMP/a.h5" "$TMP/c.h5"
expect synth-no-clobber 2 "already exists; pass --force" -- "$ARTIC" synth --out "$TMP/a.h5"
expect synth-no-staging-left 1 "" -- test -e "$TMP/a.h5.synth"
expect synth-bad-option 2 "artic: error: --ema-noise-mm: synth.ema_noise_mm must be in [0.0, 10.0], got 11.0" \
  -- "$ARTIC" synth --out "$TMP/d.h5" --ema-noise-mm 11
expect synth-bad-type 2 "--utterances: synth.utterances must be an integer, got 'many'" \
  -- "$ARTIC" synth --out "$TMP/d.h5" --utterances many
expect synth-negative-seed 2 "--seed: synth.seed must be >= 0, got -3" \
  -- "$ARTIC" synth --out "$TMP/d.h5" --seed -3
expect synth-between-keys 2 "synth: max_length = 0.5 must be >= min_length = 1.0" \
  -- "$ARTIC" synth --out "$TMP/d.h5" --max-length 0.5
expect synth-needs-out 2 "artic synth needs --out-dir DIR" -- "$ARTIC" synth --seed 3

# synth --out-dir: the recordings, tracks and lists; prep of them with configs/prep_synth.toml is
# the corpus --out makes.
expect synth-dir 0 "wrote $TMP/spoken: 40 utterances" \
  -- "$ARTIC" synth --out-dir "$TMP/spoken" --seed 11 --utterances 40
expect synth-dir-layout 0 "" -- test -s "$TMP/spoken/wav/spk01_0001.wav" -a -s \
  "$TMP/spoken/ema/spk01_0001.ema" -a -s "$TMP/spoken/test.list" -a -s "$TMP/spoken/synth.toml"
expect synth-dir-no-clobber 2 "$TMP/spoken already exists; pass --force" \
  -- "$ARTIC" synth --out-dir "$TMP/spoken" --seed 11 --utterances 40
expect synth-dir-prep 0 "40 utterances" -- "$ARTIC" prep --config "$HERE/configs/prep_synth.toml" \
  --set prep.input_dir="$TMP/spoken" --set prep.output="$TMP/prepped.h5" \
  --set split.train_list="$TMP/spoken/train.list" --set split.valid_list="$TMP/spoken/valid.list" \
  --set split.test_list="$TMP/spoken/test.list"
expect synth-dir-prep-is-out 0 "" -- same_corpus "$TMP/a.h5" "$TMP/prepped.h5"
expect synth-dir-and-out 0 "wrote $TMP/both.h5" \
  -- "$ARTIC" synth --out-dir "$TMP/spoken2" --out "$TMP/both.h5" --seed 11 --utterances 40
expect synth-dir-and-out-same 0 "" -- same_corpus "$TMP/a.h5" "$TMP/both.h5"
expect synth-dir-same-bytes 0 "" -- diff -r "$TMP/spoken" "$TMP/spoken2"
# synth never deletes a folder it did not make, and checks --out before it replaces --out-dir.
mkdir -p "$TMP/mine.h5.synth" "$TMP/spoken3.partial" && touch "$TMP/mine.h5.synth/keep" "$TMP/spoken3.partial/keep"
expect synth-keeps-user-synth-folder 2 "$TMP/mine.h5.synth exists and is not a folder artic synth left behind" \
  -- "$ARTIC" synth --out "$TMP/mine.h5" --utterances 40
expect synth-keeps-user-partial-folder 2 "$TMP/spoken3.partial exists and is not a folder artic synth left behind" \
  -- "$ARTIC" synth --out-dir "$TMP/spoken3" --utterances 40
expect synth-user-folders-intact 0 "" -- test -e "$TMP/mine.h5.synth/keep" -a -e "$TMP/spoken3.partial/keep"
cp -r "$TMP/spoken2" "$TMP/spoken2.copy"
expect synth-out-is-a-folder 2 "$TMP/spoken is a folder; --out names the corpus file" \
  -- "$ARTIC" synth --out-dir "$TMP/spoken2" --out "$TMP/spoken" --seed 12 --utterances 40 --force
expect synth-refused-leaves-out-dir 0 "" -- diff -r "$TMP/spoken2" "$TMP/spoken2.copy"
expect synth-dir-force-replaces 0 "wrote $TMP/spoken2" \
  -- "$ARTIC" synth --out-dir "$TMP/spoken2" --seed 12 --utterances 40 --force
expect synth-dir-replaced-whole 0 "" -- test ! -e "$TMP/spoken2.replaced" -a ! -e "$TMP/spoken2/.artic-synth-work" -a -s "$TMP/spoken2/synth.toml"
# Output that cannot be written is an error, not a silent empty file.
expect stdout-full 2 "cannot write to standard output" -- sh -c "\"$ARTIC\" config show > /dev/full"

# synth --config: a [synth] table with the flags' keys; flags given override the file.
printf '[synth]\nseed = 4\nutterances = 30\nmean_length = 2.0\n' > "$TMP/recipe.toml"
"$ARTIC" synth --config "$TMP/recipe.toml" --utterances 12 --print-config > "$TMP/resolved.toml"
expect synth-config-file-value 0 "seed = 4" -- cat "$TMP/resolved.toml"
expect synth-config-flag-wins 0 "utterances = 12" -- cat "$TMP/resolved.toml"
expect synth-print-config-help 0 "# number of utterances" -- cat "$TMP/resolved.toml"
"$ARTIC" synth --config "$TMP/resolved.toml" --print-config > "$TMP/resolved2.toml"
expect synth-print-config-round-trip 0 "" -- cmp "$TMP/resolved.toml" "$TMP/resolved2.toml"
expect synth-from-config 0 "12 utterances" \
  -- "$ARTIC" synth --config "$TMP/recipe.toml" --utterances 12 --out "$TMP/f.h5"
expect synth-from-flags 0 "" \
  -- "$ARTIC" synth --seed 4 --utterances 12 --mean-length 2 --out "$TMP/g.h5"
expect synth-config-same-as-flags 0 "" -- same_corpus "$TMP/f.h5" "$TMP/g.h5"
printf '[synth]\nseed = 4\nutterance = 30\n' > "$TMP/typo_recipe.toml"
expect synth-config-typo 2 "$TMP/typo_recipe.toml:3: unknown key 'utterance' in [synth]; did you mean 'utterances'?" \
  -- "$ARTIC" synth --config "$TMP/typo_recipe.toml" --out "$TMP/d.h5"
printf '[synth]\nema_noise_mm = 20\n' > "$TMP/range_recipe.toml"
expect synth-config-range 2 "$TMP/range_recipe.toml:2: synth.ema_noise_mm must be in [0.0, 10.0], got 20.0" \
  -- "$ARTIC" synth --config "$TMP/range_recipe.toml" --out "$TMP/d.h5"
printf '[synth]\nfeatures = 60\n' > "$TMP/old_recipe.toml"
expect synth-config-retired-key 2 "$TMP/old_recipe.toml:2: unknown key 'features' in [synth]" \
  -- "$ARTIC" synth --config "$TMP/old_recipe.toml" --out "$TMP/d.h5"
expect synth-errors-write-no-file 1 "" -- test -e "$TMP/d.h5" -o -e "$TMP/d.h5.tmp" -o -e "$TMP/d.h5.synth"

# The corpus records the command that made it and prep's recipe (the feature analysis invert
# repeats); the recorded command remakes the same corpus.
expect corpus-info-source 0 "artic synth --seed 4 --utterances 12" -- "$ARTIC" corpus info "$TMP/f.h5"
expect corpus-info-recipe 0 "n_mels = 80" -- "$ARTIC" corpus info "$TMP/f.h5"
"$ARTIC" corpus info --json "$TMP/f.h5" \
  | "$PY" -c 'import json, sys; sys.stdout.write(json.load(sys.stdin)["source"])' > "$TMP/recorded.txt"
read -ra recorded < "$TMP/recorded.txt"
expect synth-recorded-remakes 0 "" -- "$ARTIC" "${recorded[@]:1}" --out "$TMP/h.h5"
expect synth-recorded-same-corpus 0 "" -- same_corpus "$TMP/f.h5" "$TMP/h.h5"
expect synth-into-new-dir 0 "" -- "$ARTIC" synth --out "$TMP/new/dir/e.h5" --utterances 10

# corpus info: table and JSON agree with an independent h5py read.
expect corpus-info 0 "articulators 12: T1_x T1_y T2_x T2_y T3_x T3_y JAW_x JAW_y UL_x UL_y LL_x LL_y" \
  -- "$ARTIC" corpus info "$TMP/a.h5"
"$ARTIC" corpus info --json "$TMP/a.h5" > "$TMP/info.json"
expect corpus-info-json-matches-h5py 0 "" -- "$PY" - "$TMP/a.h5" "$TMP/info.json" <<'PYEOF'
import json, sys
import h5py
import numpy as np
f = h5py.File(sys.argv[1], "r")
info = json.load(open(sys.argv[2]))
split = f["utterances/split"].asstr()[:]
length = f["utterances/length"][:]
assert info["num_features"] == f["features"].shape[1], info
assert info["num_articulators"] == f["targets"].shape[1] == 12, info
for s in ("train", "valid", "test"):
    got = info["splits"][s]
    assert got["utterances"] == int((split == s).sum()), (s, got)
    assert got["frames"] == int(length[split == s].sum()), (s, got)
assert info["splits"]["all"]["frames"] == f["features"].shape[0]
PYEOF
expect corpus-info-missing 2 "cannot open corpus file" -- "$ARTIC" corpus info "$TMP/none.h5"
echo "not hdf5" > "$TMP/bad.h5"
expect corpus-info-not-hdf5 2 "not an HDF5 file" -- "$ARTIC" corpus info "$TMP/bad.h5"

# config: check, show, round trip, errors with file:line and suggestions.
expect config-check-default 0 "ok" -- "$ARTIC" config check "$HERE/configs/default.toml" \
  --set data.corpus="$TMP/a.h5"
# The corpus must exist, named with the line that set it; cross-field errors name file:line and
# the valid values; --set can correct a value the file gets wrong (the merged result is checked).
printf '[data]\ncorpus = "missing.h5"\n' > "$TMP/nocorpus.toml"
expect config-missing-corpus 2 "$TMP/nocorpus.toml:2: data.corpus = \"missing.h5\" does not exist" \
  -- "$ARTIC" config check "$TMP/nocorpus.toml"
expect config-missing-corpus-advice 2 "make a corpus with 'artic synth --out missing.h5'" \
  -- "$ARTIC" config check "$TMP/nocorpus.toml"
printf '[model]\nd_model = 32\nnum_heads = 3\n' > "$TMP/heads.toml"
expect config-heads-location 2 "$TMP/heads.toml:3: invalid config: model.d_model (32) must be divisible by model.num_heads (3): with d_model = 32, num_heads may be 1, 2, 4, 8, 16, 32; model.d_model set at $TMP/heads.toml:2" \
  -- "$ARTIC" config check "$TMP/heads.toml" --set data.corpus="$TMP/a.h5"
expect config-heads-set 2 "--set model.num_heads=5: invalid config" \
  -- "$ARTIC" config check "$TMP/heads.toml" --set model.num_heads=5
printf '[model]\ndropout = 1.5\n' > "$TMP/dropout.toml"
expect config-bad-value 2 "$TMP/dropout.toml:2: model.dropout must be in [0.0, 1.0), got 1.5" \
  -- "$ARTIC" config check "$TMP/dropout.toml" --set data.corpus="$TMP/a.h5"
expect config-set-corrects-file 0 "ok" \
  -- "$ARTIC" config check "$TMP/dropout.toml" --set model.dropout=0.2 --set data.corpus="$TMP/a.h5"
cat > "$TMP/typo.toml" <<'TOML'
[data]
split_mode = "fixed"
sequence_lenght = 100
TOML
expect config-typo 2 "$TMP/typo.toml:3: unknown key 'sequence_lenght' in [data]; did you mean 'sequence_length'?" \
  -- "$ARTIC" config check "$TMP/typo.toml"
expect config-bad-set 2 "must be an integer, got 'x'" \
  -- "$ARTIC" config check "$HERE/configs/default.toml" --set data.sequence_length=x
"$ARTIC" config show "$HERE/configs/default.toml" --set optim.learning_rate=2e-4 > "$TMP/shown.toml"
"$ARTIC" config show --comments "$TMP/shown.toml" > "$TMP/shown2.toml"
"$ARTIC" config show "$TMP/shown2.toml" > "$TMP/shown3.toml"
expect config-show-round-trip 0 "" -- cmp "$TMP/shown.toml" "$TMP/shown3.toml"
expect config-show-override 0 "learning_rate = 0.0002" -- cat "$TMP/shown.toml"
for f in "$HERE"/configs/*.toml; do
  if [[ $(basename "$f") == sweep_* ]]; then
    expect "sweep-show-$(basename "$f")" 0 "full" -- "$ARTIC" sweep show "$f"
  elif [[ $(basename "$f") == prep_* ]]; then
    expect "prep-config-$(basename "$f")" 0 "preset" -- "$ARTIC" prep --config "$f" --print-config
  else
    expect "config-check-$(basename "$f")" 0 "ok" -- "$ARTIC" config check "$f" \
      --set data.corpus="$TMP/a.h5"
  fi
done

# Sweep files: errors name the file, line and key; variants are checked against the config.
cat > "$TMP/sweep_bad.toml" << TOML
config = "$HERE/configs/cpu_test.toml"
[[variant]]
name = "a"
set = ["data.sequence_lenght=100"]
TOML
expect sweep-bad-key 2 "variant 'a': --set data.sequence_lenght=100: unknown key 'sequence_lenght' in [data]; did you mean 'sequence_length'?" -- "$ARTIC" sweep show "$TMP/sweep_bad.toml"
printf '[[variant]]\nname = "a b"\n' > "$TMP/sweep_name.toml"
expect sweep-bad-name 2 "sweep_name.toml:2: variant name must be letters, digits" -- "$ARTIC" sweep show "$TMP/sweep_name.toml"
printf '[[variant]]\nname = "a"\n[[variant]]\nname = "a"\n' > "$TMP/sweep_dup.toml"
expect sweep-duplicate 2 "variant name 'a' is used twice" -- "$ARTIC" sweep show "$TMP/sweep_dup.toml"
printf '[[variant]]\nname = "a"\nset = ["nodot=1"]\n' > "$TMP/sweep_set.toml"
expect sweep-bad-set 2 "sweep_set.toml:3: each 'set' entry must be a" -- "$ARTIC" sweep show "$TMP/sweep_set.toml"
printf 'x = 1\n' > "$TMP/sweep_empty.toml"
expect sweep-unknown-key 2 "unknown key 'x' (expected config, set, seeds, [[variant]])" -- "$ARTIC" sweep show "$TMP/sweep_empty.toml"
printf 'seeds = [1, 1]\n[[variant]]\nname = "a"\n' > "$TMP/sweep_seeds_dup.toml"
expect sweep-seeds-twice 2 "sweep_seeds_dup.toml:1: 'seeds' must be a list of distinct integers >= 0, e.g. seeds = [1, 2, 3, 4, 5] (1 twice)" -- "$ARTIC" sweep show "$TMP/sweep_seeds_dup.toml"
printf 'seeds = [1, -2]\n[[variant]]\nname = "a"\n' > "$TMP/sweep_seeds_neg.toml"
expect sweep-seeds-negative 2 "'seeds' must be a list of distinct integers >= 0" -- "$ARTIC" sweep show "$TMP/sweep_seeds_neg.toml"
printf 'seeds = [7, 8]\n[[variant]]\nname = "a"\n[[variant]]\nname = "b"\n' > "$TMP/sweep_seeds.toml"
expect sweep-seeds-tasks 0 "b/seed-7" -- "$ARTIC" sweep show "$TMP/sweep_seeds.toml" --variant 2 --print name
expect sweep-seeds-sets 0 "run.seed=8" -- "$ARTIC" sweep show "$TMP/sweep_seeds.toml" --variant a/seed-8 --print sets
expect sweep-variant-sets 0 "data.sequence_length=500" -- "$ARTIC" sweep show "$HERE"/configs/sweep_sequence_length.toml --variant seq500 --print sets
expect sweep-variant-missing 2 "no variant 'seq42' (indices 0..3: seq100, seq500, seq1000, full)" -- "$ARTIC" sweep show "$HERE"/configs/sweep_sequence_length.toml --variant seq42 --print name
# A sweep file's config is read from the sweep file's folder, whatever the current directory;
# the sweep file may be given positionally; a training config in its place is named as such.
(cd / && "$ARTIC" sweep show "$HERE/configs/sweep_sequence_length.toml" --print config) > "$TMP/swcfg.txt" 2>&1
expect sweep-config-from-file-folder 0 "$HERE/configs/default.toml" -- cat "$TMP/swcfg.txt"
mkdir -p "$TMP/swdir"
printf 'config = "../nowhere.toml"\n[[variant]]\nname = "a"\n' > "$TMP/swdir/s.toml"
expect sweep-config-missing 2 "config names $TMP/nowhere.toml, which does not exist (a relative config path is read from the sweep file's folder)" \
  -- "$ARTIC" sweep show "$TMP/swdir/s.toml"
expect sweep-training-config 2 "configs/cpu_test.toml is a training config, not a sweep file" \
  -- "$ARTIC" sweep show "$HERE/configs/cpu_test.toml"
expect sweep-positional-file 0 "full" -- "$ARTIC" sweep "$HERE/configs/sweep_sequence_length.toml" --dry-run \
  --set data.corpus="$TMP/a.h5"
expect sweep-needs-file 2 "artic sweep needs a sweep file" -- "$ARTIC" sweep
expect sweep-print-needs-variant 2 "--print name needs --variant" -- "$ARTIC" sweep show "$HERE/configs/sweep_sequence_length.toml" --config "$HERE/configs/default.toml" --print name

finish cli_test
