#!/usr/bin/env bash
# The unit tests under ASan + UBSan and the libFuzzer targets (tests/fuzz), in build-san with
# clang (docs/testing.md). Called at the end of launch/test-all.sh, so CI runs it.
# Time budget on a 2-core machine: at most 12 minutes from a clean build-san (measured 9.5 min:
# clang build of the unit tests and fuzz targets 5, the unit tests and every fuzz target for
# ARTIC_FUZZ_SECONDS = 40 s, two at a time, 4.5). Not built: the artic binary, the MPI and
# integration tests.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${ARTIC_SANITIZE_BUILD:-build-san}

CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DARTIC_FUZZ=ON -DARTIC_WITH_NCCL=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" \
  "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" \
  -DARTIC_FUZZ_SECONDS="${ARTIC_FUZZ_SECONDS:-40}"

# LeakSanitizer: only the suppressions in tests/sanitize/lsan.supp (each says why).
# UBSan stops at the first report. gtest_discover_tests runs the binaries while building, so
# these hold for the build too.
export ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1
export LSAN_OPTIONS=suppressions=$PWD/tests/sanitize/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

unit_tests=$(sed -n 's/^artic_test(\([a-z_0-9]*\) .*/\1/p' tests/CMakeLists.txt)
fuzz_targets=$(sed -n 's/^artic_fuzz(\([a-z_0-9]*\))$/\1/p' tests/fuzz/CMakeLists.txt)
# shellcheck disable=SC2086
cmake --build "$build" --target $unit_tests $fuzz_targets
ctest --test-dir "$build" -L 'unit|fuzz' --output-on-failure -j "$(nproc)"

echo "test-sanitize: executions per fuzz target (stat::number_of_executed_units):"
for t in $fuzz_targets; do
  log=$(ls -t "$build"/Testing/Temporary/LastTest*.log | head -1)
  runs=$(awk -v t="fuzz.$t" '$0 ~ "^[0-9]+/[0-9]+ Test: " t "$" {on=1} on && /number_of_executed_units/ {print $2; exit}' "$log")
  echo "  $t: ${runs:-?}"
done
