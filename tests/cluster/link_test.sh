#!/usr/bin/env bash
# Slow, broken and missing links on the simulated cluster (cluster.sh), 2 nodes x 2 ranks through
# launch/artic-run. This kernel has no sch_netem (nor tc classifiers or actions), so links are
# degraded with a token-bucket filter (tbf) on the node's interface: its rate adds serialisation
# and queueing delay, its queue limit drops packets.
#   degraded: 2 Mbit/s on node 2: training finishes, and the all-reduce time per step shows it;
#   past dist.timeout_s: 20 kbit/s: the job ends with exit 76 and the deadline message, no hang;
#   never joins: node 2 drops everything: artic-run ends with an error naming the node.
# Usage: link_test.sh ARTIC MPIRUN ORACLE_PYTHON. Exit 77 (skipped) without namespaces or tbf.
set -uo pipefail
ARTIC=$1
MPIRUN=$2
PY=$3
HERE=$(cd "$(dirname "$0")/../.." && pwd)
export ARTIC_CLUSTER=acn
source "$HERE/tests/cluster/cluster.sh"
why=$(cluster_check)
[[ -z $why ]] || { echo "SKIP: no simulated cluster here: $why"; exit 77; }
TMP=$(mktemp -d)
cleanup() {
  cluster_down
  [[ -n ${KEEP_TMP:-} ]] || rm -rf "$TMP"
}
trap cleanup EXIT
# shellcheck source-path=SCRIPTDIR source=../lib/checks.sh
source "$HERE/tests/lib/checks.sh"

cluster_up 2 || { echo "FAIL the cluster did not come up"; exit 1; }
N1=$(cluster_name 1)
N2=$(cluster_name 2)
if ! cluster_exec 2 tc qdisc add dev eth0 root tbf rate 2mbit burst 32kb latency 500ms 2> "$TMP/tc"; then
  echo "SKIP: cannot shape a link here ($(cat "$TMP/tc"))"
  exit 77
fi
cluster_exec 2 tc qdisc del dev eth0 root
"$ARTIC" synth --out "$TMP/small.h5" --seed 3 --utterances 48 --mean-length 1.5 --max-length 4 \
  > /dev/null || { echo "FAIL synth"; exit 1; }
export OMPI_MCA_plm_rsh_agent=$HERE/tests/cluster/node-rsh
export OMPI_MCA_btl_tcp_if_include=10.213.0.0/24 OMPI_MCA_oob_tcp_if_include=10.213.0.0/24
export OMPI_MCA_btl_vader_single_copy_mechanism=none
cd "$HERE" || exit 1
train() { # NAME [SETTINGS...]: a 2x2 run from node 1; prints nothing, returns the exit code
  local name=$1
  shift
  cluster_exec 1 "$HERE/launch/artic-run" --cpu --hosts "$N1,$N2" -n 2 --threads 1 \
    --mpirun "$MPIRUN" --artic "$ARTIC" -- --config configs/cpu_test.toml \
    --set "data.corpus=$TMP/small.h5" --set "run.output_dir=$TMP/runs" --set run.name="$name" \
    --set batching.max_frames=400 --set training.max_epochs=2 "$@" > "$TMP/$name.log" 2>&1
}
# The fastest step's seconds in the gradient all-reduce (metrics.jsonl, rank 0's view): the
# transfer itself, without the waits for a slower rank that a busy machine adds to other steps.
allreduce() {
  "$PY" -c '
import json, sys
steps = [r for r in map(json.loads, open(sys.argv[1])) if r.get("type") == "step"]
print("%.4f" % min(s["seconds"]["allreduce"] for s in steps))' "$TMP/runs/$1/metrics.jsonl"
}

# 1. A clean link, then 2 Mbit/s on node 2.
train clean
check "clean link: run finishes" "[[ $? -eq 0 ]] || { show $TMP/clean.log; false; }"
cluster_exec 2 tc qdisc add dev eth0 root tbf rate 2mbit burst 32kb latency 500ms
train slow
check "2 Mbit/s link: training continues to the end" "[[ $? -eq 0 ]] || { show $TMP/slow.log; false; }"
cluster_exec 2 tc qdisc del dev eth0 root
a=$(allreduce clean)
b=$(allreduce slow)
check "the step time shows it: fastest all-reduce ${a} s -> ${b} s" \
  "$PY -c 'import sys; sys.exit(0 if $b > 3 * $a and $b > 0.05 else 1)'"

# 2. 20 kbit/s: every collective takes far longer than dist.timeout_s = 5 s.
cluster_exec 2 tc qdisc add dev eth0 root tbf rate 20kbit burst 4kb latency 60s
start=$SECONDS
train crawl --set dist.timeout_s=5
rc=$?
took=$((SECONDS - start))
cluster_exec 2 tc qdisc del dev eth0 root
check "past dist.timeout_s: exit 76, no hang (${took} s)" "[[ $rc -eq 76 ]] && ((took < 120)) || { echo rc=$rc; show $TMP/crawl.log; false; }"
# Which of rank 2's and 3's liveness tokens still cross a 20 kbit/s link within the grace period
# varies from run to run: a rank on $N1 must name one or both ranks on $N2, and no rank on $N1 may
# name a rank on its own node (ranks on $N2 may name ranks on $N1: the link is slow both ways).
check "the error names dist.timeout_s and ranks on $N2" \
  "grep -qE '^\\[rank [01]@$N1\\] .*did not finish within dist.timeout_s = 5 s; no answer from rank\\(s\\) [23] \\($N2\\)(, 3 \\($N2\\))?:' $TMP/crawl.log && ! grep -qE '^\\[rank [0-9]+@$N1\\] .*no answer from rank\\(s\\)[^;]*\\($N1\\)' $TMP/crawl.log || { show $TMP/crawl.log; false; }"

# 3. A node that never joins: everything it sends is dropped.
cluster_exec 2 tc qdisc add dev eth0 root tbf rate 8bit burst 64 limit 1
start=$SECONDS
train absent
rc=$?
took=$((SECONDS - start))
cluster_exec 2 tc qdisc del dev eth0 root
check "never joins: artic-run fails within 60 s (${took} s, exit $rc)" "[[ $rc -ne 0 ]] && ((took <= 60))"
check "the error names the node" "grep -q '$N2' $TMP/absent.log || { show $TMP/absent.log; false; }"

finish link_test
