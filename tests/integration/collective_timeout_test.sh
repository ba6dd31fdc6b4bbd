#!/usr/bin/env bash
# A device-backend collective past dist.timeout_s (the NCCL watchdog's case, with a stand-in
# backend) ends a 2-rank job like a timed-out MPI collective: exit 76 (the Slurm scripts requeue
# it), the rank that stopped answering named, within the timeout plus the liveness probe's grace.
# Usage: collective_timeout_test.sh MPIRUN COLLECTIVE_TIMEOUT_JOB
set -uo pipefail
MPIRUN=$1
JOB=$2
HERE=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# shellcheck source-path=SCRIPTDIR source=../lib/checks.sh
source "$HERE/tests/lib/checks.sh"
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMP_NUM_THREADS=1
start=$SECONDS
timeout 90 "$MPIRUN" -np 2 --oversubscribe --allow-run-as-root "$JOB" 1 > "$TMP/out.log" 2>&1
rc=$?
took=$((SECONDS - start))
cat "$TMP/out.log"
check "the job ends with exit 76 (got $rc) in $took s (timeout 1 s + 5 s probe)" \
  "[[ $rc -eq 76 ]] && ((took < 30))"
check "rank 0 says which collective timed out" \
  "grep -a -q 'ncclAllReduce did not finish within dist.timeout_s = 1 s' $TMP/out.log"
check "and names rank 1 as the one that no longer answers" \
  "grep -a -q 'no answer from rank(s) 1 (' $TMP/out.log"
finish collective_timeout_test
