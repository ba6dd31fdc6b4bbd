#!/usr/bin/env bash
# End-to-end training under mpirun -np 2 on a small synthetic corpus: train/validate/checkpoint/
# evaluate, metrics against a numpy oracle, SIGTERM + --resume bit-identity, early stopping on a
# plateau, a truncated checkpoint refused while the previous one still works, non-finite loss,
# the job's throughput against the corpus.
# Usage: train_test.sh ARTIC MPIRUN ORACLE_PYTHON
set -uo pipefail
ARTIC=$1
MPIRUN=$2
PY=$3
HERE=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMP_NUM_THREADS=1
RUN2=("$MPIRUN" -np 2 --oversubscribe --allow-run-as-root)
CFG=$HERE/configs/cpu_test.toml
COMMON=(--set "data.corpus=$TMP/small.h5" --set "run.output_dir=$TMP/runs")
# shellcheck source-path=SCRIPTDIR source=../lib/checks.sh
source "$HERE/tests/lib/checks.sh"

"$ARTIC" synth --out "$TMP/small.h5" --seed 3 --utterances 48 --mean-length 1.5 --max-length 4 \
  > /dev/null || { echo "FAIL synth"; exit 1; }

# 1. A full 2-rank run: train, validate every epoch, checkpoint, final test evaluation.
"${RUN2[@]}" "$ARTIC" train -c "$CFG" "${COMMON[@]}" --set run.name=a > "$TMP/a.log" 2>&1
rc=$?
A=$TMP/runs/a
check "train exit code 0 (got $rc)" "[[ $rc -eq 0 ]]"
[[ $rc -eq 0 ]] || tail -30 "$TMP/a.log"
for f in config.toml train.log metrics.jsonl summary.json eval.json checkpoints/latest checkpoints/best.pt; do
  check "run dir has $f" "[[ -s $A/$f ]]"
done
check "metrics.jsonl has step and validation lines" \
  "grep -q '\"type\": *\"step\"' $A/metrics.jsonl && [[ \$(grep -c '\"type\": *\"validation\"' $A/metrics.jsonl) -eq 3 ]]"
check "summary: 3 epochs" "[[ \$(field $A/summary.json epochs) -eq 3 ]]"
check "progress lines show loss, lr, job and rank 0 frames/s, padding and phase times" \
  "grep -q 'loss .* lr .* frames/s (rank 0: [0-9]*) | pad eff .* data .* fwd .* bwd .* allreduce .* optim' $A/train.log"
"$PY" "$HERE/tests/python/check_throughput.py" "$A" "$TMP/small.h5" 2 1
check "job frames/s = both ranks' real frames (every train frame once per epoch) / wall time" \
  "[[ $? -eq 0 ]]"

# 2. artic eval writes predictions; a numpy oracle recomputes the metrics from them.
"$ARTIC" eval --run "$A" --predictions "$TMP/pred.h5" --out "$TMP/eval_test.json" > "$TMP/eval.log" 2>&1
check "eval exit code 0" "[[ $? -eq 0 ]]"
check "eval prints a table with every articulator" "grep -q 'LL_y' $TMP/eval.log && grep -q mean $TMP/eval.log"
"$PY" "$HERE/tests/python/check_eval.py" "$TMP/small.h5" "$TMP/pred.h5" "$TMP/eval_test.json" test
check "eval metrics match the numpy oracle" "[[ $? -eq 0 ]]"

# 3. SIGTERM to one rank mid-epoch -> checkpoint, exit 75; --resume ends bit-identical to an
#    uninterrupted run (c). Small batches give many steps per epoch, so the stop lands mid-epoch.
LONG=(--set batching.max_frames=400 --set training.max_epochs=3)
"${RUN2[@]}" "$ARTIC" train -c "$CFG" "${COMMON[@]}" "${LONG[@]}" --set run.name=c > "$TMP/c.log" 2>&1
check "reference run exit code 0" "[[ $? -eq 0 ]]"
# The same run with the all-reduce overlapped with backward (MPI_Iallreduce per bucket, small
# buckets): the sums are the same, so the parameters end bit-identical.
"${RUN2[@]}" "$ARTIC" train -c "$CFG" "${COMMON[@]}" "${LONG[@]}" --set run.name=o \
  --set dist.overlap=on --set dist.bucket_mb=0.01 > "$TMP/o.log" 2>&1
check "overlapped all-reduce run exit code 0" "[[ $? -eq 0 ]] || { tail $TMP/o.log; false; }"
check "overlapped all-reduce ends bit-identical to reducing after backward" \
  "[[ \$(field $TMP/runs/o/summary.json param_hash) == \$(field $TMP/runs/c/summary.json param_hash) ]]"
"${RUN2[@]}" "$ARTIC" train -c "$CFG" "${COMMON[@]}" "${LONG[@]}" --set run.name=b > "$TMP/b.log" 2>&1 &
job=$!
for _ in $(seq 1 600); do
  grep -q '"step": *2,' "$TMP/runs/b/metrics.jsonl" 2>/dev/null && break
  sleep 0.02
done
kill -TERM "$(pgrep -P "$job" | tail -1)"
wait "$job"
rc=$?
check "SIGTERM gives exit code 75 (got $rc)" "[[ $rc -eq 75 ]]"
check "a checkpoint was written at the stop" "grep -q 'stop requested by signal' $TMP/b.log"
stopped_at=$(grep -o 'checkpoint written at step [0-9]*' "$TMP/b.log" | grep -o '[0-9]*$')
per_epoch=$(grep -o '[0-9]* micro-batches per rank per epoch' "$TMP/c.log" | grep -o '^[0-9]*')
check "the stop fell mid-epoch (step $stopped_at, $per_epoch steps per epoch)" \
  "[[ -n '$stopped_at' && -n '$per_epoch' && \$(( stopped_at % per_epoch )) -ne 0 ]]"
"${RUN2[@]}" "$ARTIC" train -c "$CFG" "${COMMON[@]}" "${LONG[@]}" --set run.name=b --resume >> "$TMP/b.log" 2>&1
check "resume exit code 0" "[[ $? -eq 0 ]]"
check "resumed run ends with bit-identical parameters" \
  "[[ \$(field $TMP/runs/c/summary.json param_hash) == \$(field $TMP/runs/b/summary.json param_hash) ]]"
check "resumed run has the same step count" \
  "[[ \$(field $TMP/runs/c/summary.json steps) -eq \$(field $TMP/runs/b/summary.json steps) ]]"
check "resumed run has the same test metrics" \
  "[[ \$(field $TMP/runs/c/eval.json mean) == \$(field $TMP/runs/b/eval.json mean) ]]"

# artic compare on the two finished runs.
"$ARTIC" compare "$A" "$TMP/runs/c" > "$TMP/compare.md" 2>&1
check "compare exit code 0" "[[ $? -eq 0 ]]"
check "compare prints setup and result rows with a change column" \
  "grep -q '| Metric | a | c | Change |' $TMP/compare.md && grep -q '^| Test Pearson r |' $TMP/compare.md && grep -q '^| Epochs trained | 3 | 3 | +0.0% |' $TMP/compare.md"
"$ARTIC" compare "$A" "$TMP/runs/nothing" > /dev/null 2>&1
check "compare of a missing run exits 2" "[[ $? -eq 2 ]]"

# 4. A run directory with checkpoints is not overwritten without --resume.
"$ARTIC" train -c "$CFG" "${COMMON[@]}" --set run.name=a > "$TMP/again.log" 2>&1
rc=$?
check "reusing a run needs --resume (exit 2)" "[[ $rc -eq 2 ]] && grep -q 'pass --resume' $TMP/again.log"

# 5. Early stopping on a plateau: nothing counts as improvement after the first validation.
"${RUN2[@]}" "$ARTIC" train -c "$CFG" "${COMMON[@]}" --set run.name=plateau \
  --set training.max_epochs=10 --set training.patience=2 --set training.min_delta=100 \
  > "$TMP/plateau.log" 2>&1
check "early stopping exit 0" "[[ $? -eq 0 ]]"
check "early stopping after 3 epochs" \
  "[[ \$(field $TMP/runs/plateau/summary.json stopped) == early_stopping && \$(field $TMP/runs/plateau/summary.json epochs) -eq 3 ]]"

# 6. A truncated checkpoint is refused with a clear error; the previous one still works.
latest=$(cat "$A/checkpoints/latest")
previous=$(ls "$A/checkpoints" | grep '^step-' | grep -v "$latest" | tail -1)
truncate -s 2000 "$A/checkpoints/$latest"
"$ARTIC" train -c "$CFG" "${COMMON[@]}" --set run.name=a --resume > "$TMP/trunc.log" 2>&1
rc=$?
check "truncated checkpoint refused with exit 2, naming the intact previous one" \
  "[[ $rc -eq 2 ]] && grep -q 'checkpoint is truncated' $TMP/trunc.log && grep -q 'newest intact checkpoint is .*$previous: use it with --resume-from' $TMP/trunc.log"
"$ARTIC" train -c "$CFG" "${COMMON[@]}" --set run.name=a \
  --resume-from "$A/checkpoints/$previous" > "$TMP/prev.log" 2>&1
check "the previous checkpoint ($previous) still resumes" "[[ $? -eq 0 ]] || { tail -3 $TMP/prev.log; false; }"

# 7. Non-finite losses stop the run after training.max_bad_steps in a row.
"$ARTIC" train -c "$CFG" "${COMMON[@]}" --set run.name=nan --set optim.learning_rate=1e30 \
  --set schedule.kind=constant --set optim.grad_clip=0 --set training.max_bad_steps=2 \
  > "$TMP/nan.log" 2>&1
rc=$?
check "non-finite loss stops with exit 2" "[[ $rc -eq 2 ]] && grep -q 'non-finite loss' $TMP/nan.log"

# 8. Ranks that disagree (one started with another setting, as a rank that sees no GPU would
#    pick the CPU): every rank ends with one clear error before any collective, no hang.
#    (Rank 1's extra setting comes from a wrapper, not mpirun's "A : B" form, which Open MPI
#    5.0.7's mpirun (Debian 13) ends with a segmentation fault before starting anything.)
timeout 120 "$MPIRUN" --oversubscribe --allow-run-as-root -np 2 bash -c \
  'if [[ $OMPI_COMM_WORLD_RANK == 1 ]]; then set -- "$@" --set training.device=cpu; fi; exec "$@"' \
  rank "$ARTIC" train -c "$CFG" "${COMMON[@]}" --set run.name=disagree > "$TMP/disagree.log" 2>&1
rc=$?
check "disagreeing ranks: exit 2 within the timeout (got $rc)" "[[ $rc -eq 2 ]]"
check "disagreeing ranks: the error names rank 1 and training.device" \
  "grep -q 'ranks disagree on the config: rank 1 on .* differs from rank 0 at training.device' $TMP/disagree.log"

# 9. A run directory that one rank does not share (its own tmpfs over run.output_dir, in a private
#    mount namespace, as a node-local path would be): a clear error on every rank, no hang.
if unshare -m true 2> /dev/null; then
  mkdir -p "$TMP/runs"
  timeout 120 "$MPIRUN" --oversubscribe --allow-run-as-root -np 1 "$ARTIC" train -c "$CFG" \
    "${COMMON[@]}" --set run.name=local : -np 1 unshare -m sh -c \
    "mount -t tmpfs none '$TMP/runs' && exec '$ARTIC' train -c '$CFG' --set 'data.corpus=$TMP/small.h5' --set 'run.output_dir=$TMP/runs' --set run.name=local" \
    > "$TMP/local.log" 2>&1
  rc=$?
  check "a run directory rank 1 cannot see: exit 2 within the timeout (got $rc)" "[[ $rc -eq 2 ]]"
  check "the error names rank 1 and the shared file system" \
    "grep -q 'is not shared: rank(s) 1 (.*) do not see what rank 0 writes there' $TMP/local.log || { tail -5 $TMP/local.log; false; }"
else
  echo "skip a node-local run directory: no mount namespaces here (unshare -m)"
fi

finish train_test
