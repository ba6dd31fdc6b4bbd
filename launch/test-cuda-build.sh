#!/usr/bin/env bash
# The CUDA build, compiled and linked on a machine without a GPU (docs/testing.md, "The CUDA
# build"): launch/build-gpu.sh against Debian 13's LibTorch 2.6 for CUDA 12.4 with NCCL 2.22, in
# the CUDA trixie root (launch/trixie-root.sh ensure-cuda; libcudnn.so.9 is a stand-in there),
# into build-cuda/; then: the NCCL backend is built, every test program links, the binary loads
# one NCCL, a run with training.device = "cuda" stops with one sentence, and the unit tests pass
# on the CPU of this build. Every change to GPU code (CUDA or NCCL paths) passes this before it
# lands. Needs root. Usage: launch/test-cuda-build.sh [CTEST_LABELS=unit]
set -euo pipefail
cd "$(dirname "$0")/.."
labels=${1:-unit}
start=$SECONDS
root=$(bash launch/trixie-root.sh ensure-cuda)
echo "test-cuda-build: root ready in $((SECONDS - start)) s"
build_start=$SECONDS
bash launch/trixie-root.sh run "$root" . bash -c '
  set -euo pipefail
  cd /artic
  mkdir -p build-cuda
  bash launch/build-gpu.sh --torch /usr/lib/x86_64-linux-gnu/cmake/Torch --build build-cuda \
    --arch 90 > build-cuda/build.log 2>&1 || { tail -40 build-cuda/build.log; exit 1; }
  tail -3 build-cuda/build.log'
echo "test-cuda-build: configure + build in $((SECONDS - build_start)) s"
# shellcheck disable=SC2016
bash launch/trixie-root.sh run "$root" . bash -c '
  set -uo pipefail
  cd /artic
  source tests/lib/checks.sh
  check "CMake built the NCCL backend against LibTorch with CUDA" \
    "grep -q \"artic: NCCL backend enabled\" build-cuda/build.log && grep -q \"artic: LibTorch with CUDA\" build-cuda/build.log"
  programs=$(sed -n "s/^artic_test(\([a-z_0-9]*\) .*/\1/p; s/^artic_mpi_test(\([a-z_0-9]*\) .*/\1/p" tests/CMakeLists.txt)
  missing=""
  for p in $programs nccl_mpi_test checkpoint_portability; do
    [[ -x build-cuda/tests/$p ]] || missing+=" $p"
  done
  check "every test program linked ($(wc -w <<< "$programs") + 2)${missing:+, missing:$missing}" "[[ -z \"$missing\" ]]"
  ldd build-cuda/artic | grep -i nccl | tee /tmp/nccl.txt
  check "the binary loads one NCCL: $(awk "{print \$3}" /tmp/nccl.txt | tr "\n" " ")" \
    "[[ \$(wc -l < /tmp/nccl.txt) -eq 1 ]]"
  mkdir -p /tmp/cuda-run
  build-cuda/artic synth --out /tmp/cuda-run/c.h5 --seed 1 --utterances 12 > /dev/null
  build-cuda/artic train -c configs/cpu_test.toml --set data.corpus=/tmp/cuda-run/c.h5 \
    --set run.output_dir=/tmp/cuda-run --set training.device=\"cuda\" > /tmp/cuda-run/log 2>&1
  rc=$?
  cat /tmp/cuda-run/log
  check "training.device = cuda without a GPU: exit 2 (got $rc), one sentence" \
    "[[ $rc -eq 2 && \$(wc -l < /tmp/cuda-run/log) -eq 1 ]] && grep -q \"no CUDA device is available\" /tmp/cuda-run/log"
  check "no run directory was left behind" "[[ ! -e /tmp/cuda-run/cpu_test ]]"
  finish test-cuda-build'
test_start=$SECONDS
bash launch/trixie-root.sh run "$root" . \
  ctest --test-dir /artic/build-cuda -L "$labels" --output-on-failure -j "$(nproc)"
echo "test-cuda-build: ctest -L '$labels' in $((SECONDS - test_start)) s;" \
  "the whole check $((SECONDS - start)) s"
