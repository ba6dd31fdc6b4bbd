#!/usr/bin/env bash
# slurm/train.sbatch and slurm/sweep.sbatch on a real single-node Slurm started here
# (slurm_cluster.sh): a 2-task training job (srun --mpi=pmix) fills its run directory; the same
# job preempted with SIGUSR1 checkpoints, requeues itself, resumes and ends bit-identical to the
# uninterrupted one; a 2-variant sweep array runs and artic compare reads its runs.
# Usage: slurm_test.sh ARTIC ORACLE_PYTHON. Exit 77 (skipped) without slurm-wlm and munge.
set -uo pipefail
ARTIC=$1
PY=$2
HERE=$(cd "$(dirname "$0")/../.." && pwd)
source "$HERE/tests/integration/slurm_cluster.sh"
missing=$(slurm_missing)
if [[ -n $missing ]]; then
  echo "SKIP: Slurm is not installed (missing: $missing); apt-get install slurm-wlm munge"
  echo "      (launch/install-deps.sh installs them)"
  exit 77
fi
TMP=$(mktemp -d)
cleanup() {
  [[ -n ${SLURM_CONF:-} ]] && scancel --quiet --user=root 2> /dev/null
  slurm_stop
  [[ -n ${KEEP_TMP:-} ]] || rm -rf "$TMP"
}
trap cleanup EXIT
# shellcheck source-path=SCRIPTDIR source=../lib/checks.sh
source "$HERE/tests/lib/checks.sh"

slurm_start "$TMP/slurm" || { echo "FAIL slurm daemons did not start"; exit 1; }
ok "single-node Slurm up ($(sinfo -h -o '%c CPUs, %G'))"
"$ARTIC" synth --out "$TMP/small.h5" --seed 3 --utterances 48 --mean-length 1.5 --max-length 4 \
  > /dev/null || { echo "FAIL synth"; exit 1; }

export OMPI_MCA_btl_vader_single_copy_mechanism=none
export ARTIC_HOME=$HERE ARTIC_BIN=$ARTIC ARTIC_CONFIG=configs/cpu_test.toml
export ARTIC_SET="data.corpus=$TMP/small.h5 run.output_dir=$TMP/runs batching.max_frames=400 training.max_epochs=3 training.threads=0"
cd "$HERE" || exit 1
SB=(sbatch --parsable --ntasks-per-node=2 --cpus-per-task=1 --time=10)

# 1. An uninterrupted 2-task job: train, validate, checkpoint, evaluate.
A=$("${SB[@]}" -o "$TMP/a-%j.out" slurm/train.sbatch)
state=$(slurm_wait_job "$A" 300)
RA=$TMP/runs/cpu_test-$A
check "train.sbatch job $A completed (state $state)" "[[ $state == COMPLETED ]] || { show $TMP/a-$A.out; false; }"
check "exit code 0:0" "scontrol show job $A | grep -q 'ExitCode=0:0'"
check "run directory keyed by the job id: $RA" "[[ -d $RA ]]"
for f in checkpoints/latest checkpoints/best.pt eval.json metrics.jsonl summary.json; do
  check "run dir has $f" "[[ -s $RA/$f ]]"
done
check "2 ranks trained (srun --mpi=pmix)" "grep -q '2 rank(s) on cpu' $RA/train.log"
check "threads per rank from --cpus-per-task (OMP_NUM_THREADS)" \
  "grep -q '1 thread(s) per rank (OMP_NUM_THREADS)' $RA/train.log"
check "metrics.jsonl has validation lines" "[[ \$(grep -c '\"type\": *\"validation\"' $RA/metrics.jsonl) -eq 3 ]]"

# 2. The same job preempted: SIGUSR1 to the batch shell (what --signal=B:USR1@180 sends).
B=$("${SB[@]}" -o "$TMP/b-%j.out" slurm/train.sbatch)
RB=$TMP/runs/cpu_test-$B
for _ in $(seq 1 600); do
  grep -q '"step": *4,' "$RB/metrics.jsonl" 2> /dev/null && break
  sleep 0.1
done
scancel --signal=USR1 --batch "$B"
state=$(slurm_wait_job "$B" 300)
check "preempted job $B completed after requeue (state $state)" \
  "[[ $state == COMPLETED ]] || { show $TMP/b-$B.out 60; false; }"
check "it checkpointed on SIGUSR1" "grep -q 'stop requested by signal 10' $RB/train.log"
check "it requeued itself" "grep -q 'requeueing job $B' $TMP/b-$B.out"
check "Slurm restarted it once" "scontrol show job $B | grep -q 'Restarts=1'"
check "the restart resumed from the checkpoint" "grep -q 'resumed from' $RB/train.log"
check "final step count equals the uninterrupted run ($(field "$RA/summary.json" steps))" \
  "[[ \$(field $RB/summary.json steps) -eq \$(field $RA/summary.json steps) ]]"
check "final parameters bit-identical to the uninterrupted run" \
  "[[ \$(field $RB/summary.json param_hash) == \$(field $RA/summary.json param_hash) ]]"

# 2b. A preemption that sends only SIGTERM (to the job's steps), with ARTIC_REQUEUE_ON_TERM=1:
#     the ranks checkpoint and exit 75, the script requeues, the run resumes and ends the same.
T=$(ARTIC_REQUEUE_ON_TERM=1 "${SB[@]}" -o "$TMP/t-%j.out" slurm/train.sbatch)
RT=$TMP/runs/cpu_test-$T
for _ in $(seq 1 600); do
  grep -q '"step": *4,' "$RT/metrics.jsonl" 2> /dev/null && break
  sleep 0.1
done
scancel --signal=TERM "$T"
state=$(slurm_wait_job "$T" 300)
check "SIGTERM-preempted job $T completed after requeue (state $state)" \
  "[[ $state == COMPLETED ]] || { show $TMP/t-$T.out 60; false; }"
check "it requeued on SIGTERM (ARTIC_REQUEUE_ON_TERM=1)" "grep -q 'requeueing job $T' $TMP/t-$T.out"
check "and ended bit-identical to the uninterrupted run" \
  "[[ \$(field $RT/summary.json param_hash) == \$(field $RA/summary.json param_hash) ]]"

# 3. A sweep as a job array, one task per variant, launched with mpirun inside the allocation.
cat > "$TMP/sweep.toml" << TOML
config = "$HERE/configs/cpu_test.toml"
set = ["training.max_epochs=1"]
[[variant]]
name = "full"
set = ["data.split_mode=full"]
[[variant]]
name = "seq100"
set = ["data.split_mode=fixed", "data.sequence_length=100", "data.min_length=20"]
TOML
sed -i "1i seeds = [1, 2]" "$TMP/sweep.toml"
S=$(ARTIC_SWEEP=$TMP/sweep.toml ARTIC_LAUNCHER=mpirun ARTIC_CONFIG= \
  ARTIC_SET="data.corpus=$TMP/small.h5" ARTIC_OUTPUT_DIR=$TMP/runs \
  sbatch --parsable --array=0-3 --ntasks-per-node=1 --cpus-per-task=1 --time=10 \
  -o "$TMP/s-%A_%a.out" slurm/sweep.sbatch)
for t in 0 1 2 3; do
  state=$(slurm_wait_job "${S}_$t" 300)
  check "sweep task $t completed (state $state)" "[[ $state == COMPLETED ]] || { show $TMP/s-${S}_$t.out; false; }"
done
SW=$TMP/runs/sweep-$S
check "sweep runs land in runs/<sweep>-<array id>/<variant>/seed-N" \
  "[[ -s $SW/full/seed-1/eval.json && -s $SW/full/seed-2/eval.json && -s $SW/seq100/seed-1/eval.json && -s $SW/seq100/seed-2/eval.json ]]"
check "the seq100 variant trained on 100-frame chunks" "grep -q 'train segments (fixed' $SW/seq100/seed-2/train.log"
check "each array task ran its own seed" "grep -q '^seed = 2$' $SW/full/seed-2/config.toml && grep -q '^seed = 1$' $SW/full/seed-1/config.toml"
"$ARTIC" compare "$SW"/*/seed-* > "$TMP/compare.md" 2>&1
check "artic compare groups the seeds of each variant" "[[ $? -eq 0 ]] && grep -q '| full | 2 |' $TMP/compare.md && grep -q '| seq100 | 2 |' $TMP/compare.md || { cat $TMP/compare.md; false; }"

finish slurm_test
