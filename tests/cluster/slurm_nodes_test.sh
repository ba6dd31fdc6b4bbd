#!/usr/bin/env bash
# slurm/train.sbatch unmodified on a real Slurm spanning nodes of the simulated cluster
# (cluster.sh + slurm_nodes.sh): 2 GPU nodes with two fake GPUs each and 1 CPU-only node.
#   - sbatch --nodes=2 (srun --mpi=pmix): ranks on both nodes, run completes;
#   - --gpus-per-node=2: every task sees both of its node's GPUs (no per-task binding);
#   - ARTIC_LAUNCHER=mpirun: Open MPI's per-node daemons get all the node's CPUs and GPUs;
#   - the CPU-only partition accepts and runs the script (no GPU request in its header);
#   - a real Prometheus on the head node scrapes every rank of a 2-node job through the file_sd
#     targets that rank 0 writes (each rank by its own node's name).
# Usage: slurm_nodes_test.sh ARTIC ORACLE_PYTHON. Exit 77 (skipped) without namespaces or Slurm.
set -uo pipefail
ARTIC=$1
PY=$2
HERE=$(cd "$(dirname "$0")/../.." && pwd)
export ARTIC_CLUSTER=acs
source "$HERE/tests/cluster/cluster.sh"
source "$HERE/tests/cluster/slurm_nodes.sh"
why=$(cluster_check)
[[ -z $why ]] || { echo "SKIP: no simulated cluster here: $why"; exit 77; }
missing=$(slurm_nodes_missing)
[[ -z $missing ]] || { echo "SKIP: Slurm is not installed (missing: $missing); launch/install-deps.sh installs it"; exit 77; }
# Shared file system for every node: not /tmp, which Slurm treats as node-local.
TMP=$(mktemp -d /var/tmp/artic-slurm-nodes.XXXXXX)
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
N1=$(cluster_name 1)
N2=$(cluster_name 2)
N3=$(cluster_name 3)
ok "Slurm on 3 nodes: $(on_head sinfo -h -o '%P:%D' | tr '\n' ' ')"
"$ARTIC" synth --out "$TMP/small.h5" --seed 3 --utterances 48 --mean-length 1.5 --max-length 4 \
  > /dev/null || { echo "FAIL synth"; exit 1; }

# Every rank records its host and the GPUs it was given, then runs artic.
cat > "$TMP/artic-env" << WRAP
#!/bin/sh
[ "\$1" = train ] && echo "\$(hostname) \${OMPI_COMM_WORLD_RANK:-\$SLURM_PROCID} gpus=\${CUDA_VISIBLE_DEVICES:-none} omp=\${OMP_NUM_THREADS:-} step_cpus=\${SLURM_CPUS_PER_TASK:-}" >> "$TMP/ranks-\$SLURM_JOB_ID"
exec "$ARTIC" "\$@"
WRAP
chmod +x "$TMP/artic-env"
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_btl_tcp_if_include=10.213.0.0/24 \
  OMPI_MCA_oob_tcp_if_include=10.213.0.0/24
export ARTIC_HOME=$HERE ARTIC_BIN=$TMP/artic-env ARTIC_CONFIG=configs/cpu_test.toml
export ARTIC_SET="data.corpus=$TMP/small.h5 run.output_dir=$TMP/runs batching.max_frames=400 training.max_epochs=2 training.threads=0"
cd "$HERE" || exit 1
SB=(sbatch --parsable --ntasks-per-node=2 --cpus-per-task=1 --time=10)
submit() { on_head "${SB[@]}" -o "$TMP/%j.out" "$@" slurm/train.sbatch; }
run_ok() { # JOB: waits, checks it completed, prints its run dir
  local state
  state=$(slurm_nodes_wait_job "$1" 300)
  check "job $1 completed (state $state)" "[[ $state == COMPLETED ]] || { show $TMP/$1.out; false; }"
}
hosts_of() { field "$TMP/runs/cpu_test-$1/summary.json" hosts; }

# 1. Two nodes, srun --mpi=pmix.
A=$(submit --nodes=2)
run_ok "$A"
check "srun job: ranks 0-1 on $N1, 2-3 on $N2" "[[ \$(hosts_of $A) == \"['$N1', '$N1', '$N2', '$N2']\" ]]"

# 2. GPUs per node: each task sees both of its node's GPUs.
B=$(submit --nodes=2 --gpus-per-node=2)
run_ok "$B"
check "every task of job $B sees its node's 2 GPUs" \
  "[[ \$(grep -c 'gpus=0,1 ' $TMP/ranks-$B) -eq 4 ]] || { cat $TMP/ranks-$B; false; }"

# 3. The mpirun launcher inside the allocation: daemons started by srun with the node's CPUs and GPUs.
C=$(ARTIC_LAUNCHER=mpirun submit --nodes=2 --gpus-per-node=2)
run_ok "$C"
check "mpirun job: ranks on both nodes" "[[ \$(hosts_of $C) == \"['$N1', '$N1', '$N2', '$N2']\" ]]"
check "mpirun job: every rank sees its node's 2 GPUs" \
  "[[ \$(grep -c 'gpus=0,1 ' $TMP/ranks-$C) -eq 4 ]] || { cat $TMP/ranks-$C; false; }"
# (Ranks on the batch node run under mpirun itself, in the batch step that holds the whole node.)
check "mpirun job: the daemon step on $N2 holds the CPUs of both its ranks" \
  "[[ \$(grep -c '^$N2 .*step_cpus=2\$' $TMP/ranks-$C) -eq 2 ]] || { cat $TMP/ranks-$C; false; }"

# 4. A CPU-only node: the script is accepted and runs there.
D=$(submit -p cpu --nodes=1)
check "sbatch accepts train.sbatch on the CPU-only partition" "[[ -n $D ]]"
[[ -n $D ]] && run_ok "$D"
check "the CPU-only job ran on $N3" "[[ \$(hosts_of $D) == \"['$N3', '$N3']\" ]]"

# 5. Prometheus on the head node, fed by monitor.targets_dir, scrapes all 4 ranks on 2 nodes.
if command -v prometheus > /dev/null && command -v promtool > /dev/null; then
  mkdir -p "$TMP/targets"
  cluster_exec 1 bash "$HERE/monitoring/up.sh" "$TMP/targets" --port 9090 --scrape-interval 1s \
    --data "$TMP/prometheus" > "$TMP/prometheus.log" 2>&1 &
  PROM_PID=$!
  promql() { # prints the number of series of an instant query, asked on the head node
    cluster_exec 1 "$PY" -c 'import json,sys,urllib.parse,urllib.request
r=json.load(urllib.request.urlopen("http://127.0.0.1:9090/api/v1/query?"+urllib.parse.urlencode({"query":sys.argv[1]}),timeout=5))
print(len(r["data"]["result"]) if r["status"]=="success" else -1)' "$1" 2> /dev/null || echo -1
  }
  E=$(ARTIC_SET="$ARTIC_SET training.max_epochs=100000 monitor.port=9300 monitor.job=nodes monitor.targets_dir=$TMP/targets" \
    submit --nodes=2)
  for _ in $(seq 1 120); do
    [[ $(promql 'up{job="nodes"} == 1') == 4 ]] && break
    sleep 1
  done
  check "Prometheus on $N1 scrapes all 4 ranks of job $E (up == 1)" "[[ \$(promql 'up{job=\"nodes\"} == 1') == 4 ]] || { tail -5 $TMP/prometheus.log; cat $TMP/targets/*; false; }"
  check "two of them on each node (host label)" \
    "[[ \$(promql 'up{job=\"nodes\",host=\"$N1\"} == 1') == 2 && \$(promql 'up{job=\"nodes\",host=\"$N2\"} == 1') == 2 ]] || { cat $TMP/targets/*; false; }"
  check "the targets file is named by run, not by process" "ls $TMP/targets | grep -qE '^artic-cpu_test-$E-[0-9a-f]{8}\\.json\$'"
  check "each rank's target is its own node's address" \
    "grep -q '\"$N1:9300\"' $TMP/targets/*.json && grep -q '\"$N2:9301\"' $TMP/targets/*.json"
  on_head scancel "$E"
  slurm_nodes_wait_job "$E" 120 > /dev/null
  kill "$PROM_PID" 2> /dev/null
  wait "$PROM_PID" 2> /dev/null
else
  echo "skip Prometheus on the cluster: prometheus/promtool not installed"
fi

finish slurm_nodes_test
