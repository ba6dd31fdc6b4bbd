#!/usr/bin/env bash
# The LibTorch 2.x leg (docs/testing.md): artic built against Debian 13's LibTorch 2.6 (CPU) and
# GCC 14 with warnings as errors, in a trixie root (launch/trixie-root.sh, cached outside the
# checkout), into build-torch2/; then ctest with the given labels there, the model against
# python3-torch 2.6 on the SDPA path; then checkpoints between that build and build/ (LibTorch
# 1.13), both ways. Called by launch/test-all.sh after build/ is built, so CI runs it.
# Usage: launch/test-libtorch2.sh [CTEST_LABEL_REGEX='unit|mpi|integration'] [-- CTEST_ARGS...]
# Needs root. ARTIC_TRIXIE_ROOT chooses the root's folder.
set -euo pipefail
cd "$(dirname "$0")/.."
labels=${1:-'unit|mpi|integration'}
shift || true
[[ ${1:-} == -- ]] && shift
start=$SECONDS
root=$(bash launch/trixie-root.sh ensure)
echo "test-libtorch2: root ready in $((SECONDS - start)) s"
build_start=$SECONDS
# shellcheck disable=SC2016
bash launch/trixie-root.sh run "$root" . bash -c '
  set -euo pipefail
  log=/artic/build-torch2/configure.log
  mkdir -p /artic/build-torch2
  cmake -S /artic -B /artic/build-torch2 -G Ninja -DCMAKE_BUILD_TYPE=Release -DARTIC_WERROR=ON \
    > $log || { tail -30 $log; exit 1; }
  grep "artic: C++" $log
  cmake --build /artic/build-torch2'
echo "test-libtorch2: build in $((SECONDS - build_start)) s"
test_start=$SECONDS
bash launch/trixie-root.sh run "$root" . \
  ctest --test-dir /artic/build-torch2 -L "$labels" --output-on-failure -j "$(nproc)" "$@"
echo "test-libtorch2: ctest -L '$labels' in $((SECONDS - test_start)) s"
# Checkpoints between this build and the Debian 12 (LibTorch 1.13) one, both ways.
if [[ -x build/tests/checkpoint_portability ]]; then
  bash tests/integration/checkpoint_portability_test.sh build "$root"
else
  echo "test-libtorch2: build/ (LibTorch 1.13) is not built: checkpoint portability not checked" >&2
  exit 1
fi
echo "test-libtorch2: the whole leg $((SECONDS - start)) s"
