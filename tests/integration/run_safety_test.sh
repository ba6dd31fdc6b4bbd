#!/usr/bin/env bash
# A run is never damaged by a command that fails (docs/training.md, "What a command writes"):
# every refused train / eval is compared byte for byte with the run directory before it (every
# file's checksum and every folder), exits 2 with one sentence and leaves no trace; a refused new
# run leaves no directory. Then SIGKILL at exact writes (strace's fault injection): train killed
# while renaming a checkpoint into place, and while writing summary.json; eval killed while
# writing eval.json and its predictions. Each time the run still evaluates (or resumes) with its
# earlier records intact.
# Usage: run_safety_test.sh ARTIC ORACLE_PYTHON
set -uo pipefail
ARTIC=$1
PY=$2
HERE=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# shellcheck source-path=SCRIPTDIR source=../lib/checks.sh
source "$HERE/tests/lib/checks.sh"
export OMP_NUM_THREADS=1
CFG=$HERE/configs/cpu_test.toml
cd "$TMP" || exit 1

"$ARTIC" synth --out c.h5 --seed 3 --utterances 40 > /dev/null 2>&1 || { echo "FAIL synth"; exit 1; }
"$ARTIC" synth --out other.h5 --seed 4 --utterances 40 > /dev/null 2>&1
T=("$ARTIC" train -c "$CFG" --set data.corpus=c.h5 --set run.output_dir=runs
  --set training.max_epochs=2 --progress lines)
R=runs/cpu_test
"${T[@]}" > train.out 2>&1 || { cat train.out; echo "FAIL training"; exit 1; }
check "train prints where the run goes" "grep -qx 'run directory: $TMP/$R' train.out"

# snap DIR: every file's checksum and every folder, relative to DIR.
snap() {
  (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum && find . -type d | sort)
}
snap "$R" > before.txt
sha256sum c.h5 > corpus.sum

# refused NAME COMMAND...: exit 2, one line on stderr, the run and the corpus as they were.
refused() {
  local name=$1
  shift
  "$@" > refused.out 2> refused.err
  local rc=$?
  snap "$R" > after.txt
  if [[ $rc -ne 2 ]]; then
    bad "$name: exit $rc, wanted 2"; cat refused.out refused.err | tail -5
  elif [[ $(wc -l < refused.err) -ne 1 ]] || ! grep -q '^artic: error: ' refused.err; then
    bad "$name: stderr is not one 'artic: error:' line"; cat refused.err
  elif ! cmp -s before.txt after.txt; then
    bad "$name: the run directory changed"; diff before.txt after.txt | head -10
  elif ! sha256sum -c --quiet corpus.sum; then
    bad "$name: the corpus changed"
  else
    ok "$name: exit 2, one sentence, run unchanged ($(cut -c1-90 refused.err))"
  fi
}

refused "resume with another architecture" "${T[@]}" --set model.d_model=16 --resume
check "... names the key, both values and the way out" \
  "grep -q 'cannot change model.d_model (32 in the run, 16 given' refused.err"
refused "resume with more epochs" "${T[@]}" --set training.max_epochs=5 --resume
check "... points to --init-from" "grep -q 'to train longer, start a new run from its weights: --init-from $R' refused.err"
refused "resume of a finished run" "${T[@]}" --resume
check "... says it finished" "grep -q 'finished training (step 16, epoch 2' refused.err"
refused "resume on another corpus" "${T[@]}" --set data.corpus=other.h5 --resume
refused "resume from a missing checkpoint" "${T[@]}" --resume-from nowhere.pt
refused "a new start over a trained run" "${T[@]}"
refused "a bad value" "${T[@]}" --set training.max_epochs=-1 --resume
refused "eval that would replace the test record with another window" \
  "$ARTIC" eval --run "$R" --window 100 --overlap 20
refused "eval of another checkpoint into the test record" \
  "$ARTIC" eval --run "$R" --checkpoint "$R/checkpoints/step-00000008.pt"
refused "eval predictions over the run's corpus" "$ARTIC" eval --run "$R" --predictions c.h5 --out e.json
refused "eval predictions into a missing folder" "$ARTIC" eval --run "$R" --predictions nowhere/p.h5
refused "eval --out over an existing file" "$ARTIC" eval --run "$R" --out "$R/summary.json"

# Accepted commands add their own file and change nothing else.
"$ARTIC" eval --run "$R" --split valid > valid.out 2>&1
snap "$R" | grep -v 'eval-valid.json' > after.txt
check "eval --split valid writes eval-valid.json and leaves eval.json (the test record)" \
  "grep -q 'wrote $R/eval-valid.json' valid.out && cmp -s before.txt after.txt"
"$ARTIC" eval --run "$R" > test.out 2>&1
snap "$R" | grep -v 'eval-valid.json' > after.txt
check "eval of the test split as training did rewrites the same record" \
  "cmp -s before.txt after.txt && grep -q 'wrote $R/eval.json' test.out"
(cd / && "$ARTIC" eval --run "$TMP/$R" --set data.corpus="$TMP/c.h5") > elsewhere.out 2>&1
check "... and so does it from another directory, naming the same corpus by another path" \
  "[[ \$? == 0 ]] && grep -q 'wrote $TMP/$R/eval.json' elsewhere.out"

# A refused new run leaves no run directory.
"${T[@]}" --set run.name=fresh --set data.corpus=missing.h5 > fresh.out 2>&1
rc=$?
check "a new run on a missing corpus: exit 2 naming data.corpus, no directory" \
  "[[ $rc == 2 && ! -e runs/fresh ]] && grep -q 'data.corpus = \"missing.h5\" does not exist' fresh.out"
"${T[@]}" --set run.name=fresh --init-from nowhere > fresh.out 2>&1
rc=$?
check "a new run from a missing --init-from: exit 2, no directory" "[[ $rc == 2 && ! -e runs/fresh ]]"
"${T[@]}" --set run.name=fresh --resume > fresh.out 2>&1
rc=$?
check "--resume of a run that never started: exit 2, no directory" "[[ $rc == 2 && ! -e runs/fresh ]]"

# One writer per run directory: a second train on a run in progress is refused, unchanged.
"${T[@]}" --set run.name=busy --set training.max_epochs=200 > busy.out 2>&1 &
busy=$!
for _ in $(seq 100); do [[ -e runs/busy/checkpoints/latest ]] && break; sleep 0.2; done
"${T[@]}" --set run.name=busy --set training.max_epochs=200 --resume > busy2.out 2>&1
rc=$?
kill -TERM "$busy" 2> /dev/null
wait "$busy"
check "a second train on a run being written: exit 2, naming the lock" \
  "[[ $rc == 2 ]] && grep -q 'another artic train is writing runs/busy' busy2.out"

# SIGKILL at exact writes. killed_at PATH COMMAND...: SIGKILL when COMMAND renames PATH into place
# (the file is written in full as PATH.tmp; only the rename is left).
killed_at() {
  local path=$1
  shift
  strace -f -qq -o /dev/null -P "$path.tmp" -e trace=rename,renameat,renameat2 \
    -e inject=rename,renameat,renameat2:signal=KILL "$@" > killed.out 2>&1
}
K=("$ARTIC" train -c "$CFG" --set data.corpus=c.h5 --set run.output_dir=k
  --set training.max_epochs=3 --progress lines)
KR=k/cpu_test
killed_at "$KR/checkpoints/step-00000016.pt" "${K[@]}"
rc=$?
check "train killed while putting its step-16 checkpoint in place (SIGKILL)" \
  "[[ $rc == 137 && -e $KR/checkpoints/step-00000016.pt.tmp && ! -e $KR/checkpoints/step-00000016.pt ]]"
check "... latest still names the intact step-8 checkpoint" \
  "[[ \$(cat $KR/checkpoints/latest) == step-00000008.pt ]]"
cp "$KR/config.toml" killed_config.toml
"$ARTIC" eval --run "$KR" --out killed_eval.json > /dev/null 2>&1
check "... the run still evaluates" "[[ $? == 0 && -s killed_eval.json ]]"
"${K[@]}" --resume > resumed.out 2>&1
rc=$?
check "... and resumes from step 8 to the end" \
  "[[ $rc == 0 ]] && grep -q 'resumed from $KR/checkpoints/step-00000008.pt at step 8' resumed.out && [[ -s $KR/summary.json && -s $KR/eval.json ]]"
check "... its config.toml is as it was, and the half-written checkpoint is gone" \
  "cmp -s killed_config.toml $KR/config.toml && [[ ! -e $KR/checkpoints/step-00000016.pt.tmp ]]"
check "... metrics.jsonl records every step once (the killed run's steps after 8 were dropped)" \
  "$PY -c 'import json,sys; s=[o[\"step\"] for o in map(json.loads, open(sys.argv[1])) if o[\"type\"]==\"step\"]; sys.exit(s!=list(range(1,25)))' $KR/metrics.jsonl"

# Killed while writing summary.json: the resumed command writes the missing records, trains nothing.
rm -rf k
killed_at "$KR/summary.json" "${K[@]}"
rc=$?
snap "$KR/checkpoints" > ck_before.txt
check "train killed while writing summary.json (SIGKILL)" "[[ $rc == 137 && ! -e $KR/summary.json ]]"
"${K[@]}" --resume > records.out 2>&1
rc=$?
snap "$KR/checkpoints" > ck_after.txt
check "... --resume writes summary.json and eval.json, training nothing" \
  "[[ $rc == 0 && -s $KR/summary.json && -s $KR/eval.json ]] && grep -q 'this invocation trained nothing' records.out && ! grep -q '^step ' records.out"
check "... and leaves the checkpoints as they were" "cmp -s ck_before.txt ck_after.txt"
"${K[@]}" --resume > again.out 2>&1
check "... after which --resume is refused: the run is finished" \
  "[[ $? == 2 ]] && grep -q 'finished training' again.out"

# eval killed while writing eval.json, then while writing its predictions.
snap "$KR" > before.txt
killed_at "$KR/eval.json" "$ARTIC" eval --run "$KR" --checkpoint "$KR/checkpoints/step-00000016.pt" --force
rc=$?
snap "$KR" | grep -v 'eval.json.tmp' > after.txt
check "eval killed while writing eval.json (SIGKILL): the test record is the earlier one" \
  "[[ $rc == 137 ]] && cmp -s before.txt after.txt"
killed_at "$TMP/pred.h5" "$ARTIC" eval --run "$KR" --predictions "$TMP/pred.h5" --out e2.json
rc=$?
check "eval killed while writing its predictions: no pred.h5, the run unchanged" \
  "[[ $rc == 137 && ! -e pred.h5 ]] && snap $KR | grep -v 'eval.json.tmp' | cmp -s before.txt -"
"$ARTIC" eval --run "$KR" --out e3.json > /dev/null 2>&1
check "... and the run evaluates as before" \
  "[[ $? == 0 ]] && $PY -c 'import json,sys; a,b=(json.load(open(p)) for p in sys.argv[1:]); sys.exit(a[\"mean\"]!=b[\"mean\"])' $KR/eval.json e3.json"

finish "run safety"
