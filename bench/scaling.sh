#!/usr/bin/env bash
# Inputs of docs/scaling.md, measured on the simulated cluster (tests/cluster/cluster.sh, needs
# root): all-reduce time against size on one node (shared memory) and across two nodes (TCP over
# the bridge), fitted to t = alpha + beta * bytes (bench/alpha_beta.py); then the share of the
# step spent in the exposed all-reduce of a real training run at 1, 2 and 4 ranks, with and
# without dist.overlap. Writes OUT/scaling.md (default bench/results).
# Usage: bench/scaling.sh [--build DIR] [--out DIR] [--repeat R]
set -uo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$HERE/build
OUT=$HERE/bench/results
REPEAT=9
while [[ $# -gt 0 ]]; do
  case $1 in
    --build) BUILD=$(cd "$2" && pwd); shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --repeat) REPEAT=$2; shift 2 ;;
    *) echo "usage: bench/scaling.sh [--build DIR] [--out DIR] [--repeat R]" >&2; exit 2 ;;
  esac
done
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
export ARTIC_CLUSTER=acb
source "$HERE/tests/cluster/cluster.sh"
why=$(cluster_check)
[[ -z $why ]] || { echo "bench/scaling.sh: no simulated cluster here: $why" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'cluster_down; rm -rf "$TMP"' EXIT
cluster_up 2 > /dev/null || exit 1
N1=$(cluster_name 1)
N2=$(cluster_name 2)
PY=/usr/bin/python3
export OMPI_MCA_plm_rsh_agent=$HERE/tests/cluster/node-rsh
export OMPI_MCA_btl_tcp_if_include=10.213.0.0/24 OMPI_MCA_oob_tcp_if_include=10.213.0.0/24
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMP_NUM_THREADS=1
MPI=(mpirun --allow-run-as-root --bind-to none)

sweep() { # NAME MPIRUN-PLACEMENT...
  local name=$1
  shift
  cluster_exec 1 "${MPI[@]}" "$@" "$BUILD/bench/allreduce_sweep" --max-mib 16 --repeat "$REPEAT" \
    > "$OUT/allreduce-$name.txt"
}
sweep shm -H "$N1:2" -np 2
sweep tcp -H "$N1:1,$N2:1" -np 2
sweep tcp2x2 -H "$N1:2,$N2:2" -np 4
cluster_exec 1 "${MPI[@]}" -H "$N1:2" -np 2 "$BUILD/bench/allreduce_sweep" --max-mib 16 \
  --repeat "$REPEAT" --plain > "$OUT/allreduce-shm-plain.txt"

# A real run's step: cpu_test's model on a small synthetic corpus, 6 epochs, every step logged.
"$BUILD/artic" synth --out "$TMP/small.h5" --seed 3 --utterances 96 --mean-length 1.5 \
  --max-length 4 > /dev/null
train() { # NAME OVERLAP MPIRUN-PLACEMENT...
  local name=$1 overlap=$2
  shift 2
  cluster_exec 1 "${MPI[@]}" "$@" "$BUILD/artic" train --config "$HERE/configs/cpu_test.toml" \
    --set "data.corpus=$TMP/small.h5" --set "run.output_dir=$TMP/runs" --set "run.name=$name" \
    --set batching.max_frames=1600 --set training.max_epochs=6 --set training.threads=1 \
    --set "dist.overlap=$overlap" > "$TMP/$name.log" 2>&1
  cp "$TMP/runs/$name/metrics.jsonl" "$OUT/steps-$name.jsonl"
}
for overlap in on off; do
  train "w1-$overlap" "$overlap" -H "$N1:1" -np 1
  train "w2-$overlap" "$overlap" -H "$N1:1,$N2:1" -np 2
  train "w4-$overlap" "$overlap" -H "$N1:2,$N2:2" -np 4
done
"$PY" "$HERE/bench/alpha_beta.py" "$OUT" > "$OUT/scaling.md"
cat "$OUT/scaling.md"
