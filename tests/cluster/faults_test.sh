#!/usr/bin/env bash
# Faults on the simulated cluster with a real Slurm (cluster.sh + slurm_nodes.sh), through the
# unmodified slurm/train.sbatch:
#   node lost: mid-run, node 2's link goes down and everything on it is killed (ranks, slurmstepd,
#   slurmd). The surviving ranks end within 60 s naming the lost ranks and host, the job is
#   requeued, starts again on the remaining nodes, resumes from its last checkpoint and ends with
#   the same parameters as an uninterrupted run on the same world size.
# Usage: faults_test.sh ARTIC ORACLE_PYTHON. Exit 77 (skipped) without namespaces or Slurm.
set -uo pipefail
ARTIC=$1
PY=$2
HERE=$(cd "$(dirname "$0")/../.." && pwd)
export ARTIC_CLUSTER=acf
source "$HERE/tests/cluster/cluster.sh"
source "$HERE/tests/cluster/slurm_nodes.sh"
why=$(cluster_check)
[[ -z $why ]] || { echo "SKIP: no simulated cluster here: $why"; exit 77; }
missing=$(slurm_nodes_missing)
[[ -z $missing ]] || { echo "SKIP: Slurm is not installed (missing: $missing); launch/install-deps.sh installs it"; exit 77; }
TMP=$(mktemp -d /var/tmp/artic-faults.XXXXXX)
cleanup() {
  [[ -n ${SLURM_CONF:-} ]] && on_head scancel --quiet --user=root 2> /dev/null
  slurm_nodes_stop
  cluster_down
  [[ -n ${KEEP_TMP:-} ]] || rm -rf "$TMP"
}
trap cleanup EXIT
# shellcheck source-path=SCRIPTDIR source=../lib/checks.sh
source "$HERE/tests/lib/checks.sh"

cluster_up 3 || { echo "FAIL the cluster did not come up"; exit 1; }
SLURM_CPU_NODE=1 slurm_nodes_start "$TMP/slurm" || { echo "FAIL slurm daemons did not start"; exit 1; }
N2=$(cluster_name 2)
"$ARTIC" synth --out "$TMP/small.h5" --seed 3 --utterances 48 --mean-length 1.5 --max-length 4 \
  > /dev/null || { echo "FAIL synth"; exit 1; }
export OMPI_MCA_btl_vader_single_copy_mechanism=none
export ARTIC_HOME=$HERE ARTIC_BIN=$ARTIC ARTIC_CONFIG=configs/cpu_test.toml
export ARTIC_SET="data.corpus=$TMP/small.h5 run.output_dir=$TMP/runs batching.max_frames=400 training.max_epochs=16 training.threads=0 dist.timeout_s=5 checkpoint.every_steps=5"
cd "$HERE" || exit 1
submit() { on_head sbatch --parsable -p all --nodes=2 --ntasks-per-node=2 --cpus-per-task=1 --time=10 -o "$TMP/%j.out" slurm/train.sbatch; }

# Reference: the same job, uninterrupted.
A=$(submit)
state=$(slurm_nodes_wait_job "$A" 300)
check "uninterrupted job $A completed ($state)" "[[ $state == COMPLETED ]] || { show $TMP/$A.out; false; }"
RA=$TMP/runs/cpu_test-$A

# The node-loss job.
B=$(submit)
RB=$TMP/runs/cpu_test-$B
for _ in $(seq 1 600); do
  grep -q '"step":22,' "$RB/metrics.jsonl" 2> /dev/null && break
  sleep 0.1
done
check "job $B runs on $N2 before the fault" "grep -q 'ranks on 2 node(s):.*$N2' $RB/train.log"
lost_at=$SECONDS
ip link set "$N2-h" down
kill -9 $(ip netns pids "$N2") 2> /dev/null
for _ in $(seq 1 90); do
  grep -q 'no answer from rank' "$TMP/$B.out" 2> /dev/null && break
  sleep 1
done
took=$((SECONDS - lost_at))
check "the surviving ranks ended within 60 s (${took} s)" "((took <= 60))"
check "their message names the lost ranks and host" \
  "grep -q 'no answer from rank(s) 2 ($N2), 3 ($N2)' $TMP/$B.out || { show $TMP/$B.out; false; }"
state=$(slurm_nodes_wait_job "$B" 300)
check "job $B completed after the loss ($state)" "[[ $state == COMPLETED ]] || { show $TMP/$B.out 60; false; }"
check "it was requeued" "grep -q 'requeueing job $B' $TMP/$B.out || on_head scontrol show job $B | grep -q 'Restarts=[1-9]'"
check "the restart ran on the remaining nodes" \
  "[[ \$(field $RB/summary.json hosts) != *$N2* ]] || { field $RB/summary.json hosts; false; }"
check "it resumed from a checkpoint" "grep -q 'resumed from' $RB/train.log"
check "same steps as the uninterrupted job ($(field "$RA/summary.json" steps))" \
  "[[ \$(field $RB/summary.json steps) -eq \$(field $RA/summary.json steps) ]]"
check "final parameters bit-identical to the uninterrupted job" \
  "[[ \$(field $RB/summary.json param_hash) == \$(field $RA/summary.json param_hash) ]]"

finish faults_test
