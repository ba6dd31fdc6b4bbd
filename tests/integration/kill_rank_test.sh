#!/usr/bin/env bash
# Killing one rank (kill -9) of a 2-rank job must end the whole job non-zero within 60 s.
# Usage: kill_rank_test.sh MPIRUN ALLREDUCE_LOOP_BINARY
set -uo pipefail
MPIRUN=$1
LOOP=$2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"; [[ -n ${job:-} ]] && kill -9 "$job" 2>/dev/null' EXIT
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMP_NUM_THREADS=1
"$MPIRUN" -np 2 --oversubscribe --allow-run-as-root "$LOOP" "$TMP" 120 > "$TMP/out.log" 2>&1 &
job=$!
for _ in $(seq 1 300); do
  [[ -s $TMP/rank0.pid && -s $TMP/rank1.pid ]] && break
  sleep 0.1
done
if [[ ! -s $TMP/rank1.pid ]]; then echo "FAIL: ranks did not start"; cat "$TMP/out.log"; exit 1; fi
sleep 1
start=$(date +%s)
kill -9 "$(cat "$TMP/rank1.pid")"
for _ in $(seq 1 600); do
  kill -0 "$job" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$job" 2>/dev/null; then
  echo "FAIL: job still running 60 s after rank 1 was killed"; cat "$TMP/out.log"; exit 1
fi
wait "$job"
rc=$?
elapsed=$(($(date +%s) - start))
echo "job exited with code $rc ${elapsed}s after rank 1 was killed"
tail -5 "$TMP/out.log"
job=
if [[ $rc -eq 0 ]]; then echo "FAIL: exit code 0"; exit 1; fi
echo "1 passed, 0 failed"
