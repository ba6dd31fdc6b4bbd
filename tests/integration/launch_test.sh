#!/usr/bin/env bash
# launch/artic-run: the exact mpirun command it prints with --dry-run (ranks, binding, threads,
# root, hosts, GPUs), its usage errors, and a real 2-rank training through it.
# Usage: launch_test.sh ARTIC MPIRUN ORACLE_PYTHON
set -uo pipefail
ARTIC=$1
MPIRUN=$2
PY=$3
HERE=$(cd "$(dirname "$0")/../.." && pwd)
RUN=$HERE/launch/artic-run
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# shellcheck source-path=SCRIPTDIR source=../lib/checks.sh
source "$HERE/tests/lib/checks.sh"
has() { [[ " $1 " == *" $2 "* ]] || { echo "     missing '$2' in: $1"; false; }; }
lacks() { [[ " $1 " != *" $2 "* ]] || { echo "     unexpected '$2' in: $1"; false; }; }
# Physical cores this process may use, as artic-run counts them (hyper-threads once).
CORES=$("$RUN" --node-facts | sed 's/.*cores=\([0-9]*\).*/\1/')
check "--node-facts counts physical cores ($CORES of $(nproc) CPUs)" "((CORES >= 1 && CORES <= $(nproc)))"
ROOT=$([[ $(id -u) -eq 0 ]] && echo 1 || echo 0)

out=$("$RUN" --cpu -n 2 --artic "$ARTIC" --mpirun "$MPIRUN" --dry-run -- -c x.toml --set a.b=1)
T=$((CORES / 2 > 0 ? CORES / 2 : 1))
check "dry-run: mpirun with 2 ranks" "has '$out' '-np 2'"
check "dry-run: $T thread(s) per rank on $CORES cores" "has '$out' '-x OMP_NUM_THREADS=$T'"
if ((2 * T <= CORES)); then
  check "dry-run: ranks bound to $T core(s) each" "has '$out' '--map-by ppr:2:node:PE=$T --bind-to core'"
fi
if ((ROOT)); then
  check "dry-run: --allow-run-as-root as root" "has '$out' '--allow-run-as-root'"
else
  check "dry-run: no --allow-run-as-root for a user" "lacks '$out' '--allow-run-as-root'"
fi
check "dry-run: the rest goes to artic train" "[[ '$out' == *'$ARTIC train -c x.toml --set a.b=1 ' ]]"

out=$("$RUN" --cpu -n $((CORES * 2)) --artic "$ARTIC" --dry-run -- -c x.toml)
check "dry-run: more ranks than cores oversubscribes, unbound, 1 thread" \
  "has '$out' '--oversubscribe' && has '$out' '--bind-to none' && has '$out' '-x OMP_NUM_THREADS=1'"
out=$("$RUN" --cpu -n 1 --threads 1 --hosts nodeA,nodeB --artic "$ARTIC" --dry-run -- -c x.toml)
check "dry-run: --hosts gives N ranks on each node" "has '$out' '-np 2' && has '$out' '-H nodeA:1\,nodeB:1'"
out=$(CUDA_VISIBLE_DEVICES=0,1,2 "$RUN" --artic "$ARTIC" --dry-run -- -c x.toml)
check "dry-run: one rank per visible GPU by default" "has '$out' '-np 3'"
check "dry-run: CUDA_VISIBLE_DEVICES is not forwarded (each node's own applies)" \
  "lacks '$out' '-x CUDA_VISIBLE_DEVICES'"
CUDA_VISIBLE_DEVICES=0 "$RUN" -n 2 --artic "$ARTIC" --dry-run -- -c x.toml > "$TMP/err" 2>&1
check "2 GPU ranks on 1 GPU: refused (exit 2), one rank per GPU said, no setting offered" \
  "[[ $? -eq 2 ]] && grep -q 'NCCL refuses two ranks on one GPU' $TMP/err && grep -q -- '-n 1 or fewer' $TMP/err && ! grep -q allow_shared_gpu $TMP/err"
out=$(CUDA_VISIBLE_DEVICES= "$RUN" -n 2 --artic "$ARTIC" --dry-run -- -c x.toml 2>&1)
check "no GPU: falls back to CPU ranks and says so" "[[ '$out' == *'no GPU found'* ]]"

"$RUN" --cpu -n 0 --dry-run -- -c x.toml > "$TMP/err" 2>&1
check "usage error: -n 0 (exit 2, names the option)" "[[ $? -eq 2 ]] && grep -q -- '--ranks must be a positive integer' $TMP/err"
"$RUN" --cpu --dry-run > "$TMP/err" 2>&1
check "usage error: nothing for artic train" "[[ $? -eq 2 ]] && grep -q 'no arguments' $TMP/err"
"$RUN" --help > "$TMP/help" 2>&1
check "--help explains the options" "[[ $? -eq 0 ]] && grep -q -- '--dry-run' $TMP/help"

# A real 2-rank training through the wrapper.
"$ARTIC" synth --out "$TMP/small.h5" --seed 3 --utterances 48 --mean-length 1.5 --max-length 4 > /dev/null
OMPI_MCA_btl_vader_single_copy_mechanism=none "$RUN" --cpu -n 2 --artic "$ARTIC" --mpirun "$MPIRUN" -- \
  -c "$HERE/configs/cpu_test.toml" --set "data.corpus=$TMP/small.h5" --set "run.output_dir=$TMP/runs" \
  --set training.threads=0 --set training.max_epochs=2 > "$TMP/run.log" 2>&1
rc=$?
check "2-rank training through artic-run exits 0 (got $rc)" "[[ $rc -eq 0 ]] || { tail -20 $TMP/run.log; false; }"
check "it ran 2 ranks" "grep -q '2 rank(s) on cpu' $TMP/runs/cpu_test/train.log"
check "each rank took its thread count from artic-run" \
  "grep -q '$T thread(s) per rank (OMP_NUM_THREADS)' $TMP/runs/cpu_test/train.log"
check "and evaluated the test split" "[[ -s $TMP/runs/cpu_test/eval.json ]]"

finish launch_test
