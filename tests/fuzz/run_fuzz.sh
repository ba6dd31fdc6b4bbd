#!/usr/bin/env bash
# ctest's fuzz.<target>: runs TARGET for SECONDS on the seed directories that exist (new inputs
# go to WORK/corpus, a crashing input to WORK/crash-*), with DICT when it exists. Any crash,
# sanitizer report, leak, timeout (10 s per input) or memory blow-up (2 GiB) fails the test.
# Usage: run_fuzz.sh TARGET SECONDS WORK DICT SEED_DIR...
set -euo pipefail
target=$1 seconds=$2 work=$3 dict=$4
shift 4
mkdir -p "$work/corpus"
seeds=()
for d in "$@"; do
  if [[ -d $d ]]; then seeds+=("$d"); fi
done
args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
      -artifact_prefix="$work/")
if [[ -f $dict ]]; then args+=(-dict="$dict"); fi
exec "$target" "${args[@]}" "$work/corpus" "${seeds[@]}"
