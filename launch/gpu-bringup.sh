#!/usr/bin/env bash
# The first GPU session's checks as one run (docs/gpu.md, "Checklist"): the machine's facts, the
# CUDA build from the carried .debs, the NCCL backend tests, the unit suite on the CUDA build (the
# model against the PyTorch oracle takes the SDPA path there), and bench/run.sh --gpu. Each step
# is logged to DIR/<step>.log with its exit code and time in DIR/summary.txt; a failed step does
# not stop the later ones that do not need it.
# Usage: launch/gpu-bringup.sh [DIR=${OUT:-gpu-bringup}] (run from a checkout that carries .debs/)
set -uo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-${OUT:-gpu-bringup}}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
step() {  # step NAME COMMAND...
  local name=$1 start=$SECONDS rc
  shift
  echo "== $name"
  "$@" > "$DIR/$name.log" 2>&1
  rc=$?
  echo "$name: exit $rc, $((SECONDS - start)) s" | tee -a "$DIR/summary.txt"
  return $rc
}
step facts bash -c 'nvidia-smi; ldd --version | head -1; cmake --version | head -1;
  ninja --version; (nvcc --version || /usr/local/cuda/bin/nvcc --version) | tail -2;
  python3 -c "import torch; print(\"torch\", torch.__version__, \"cuda\", torch.version.cuda,
  \"nccl\", torch.cuda.nccl.version(), \"cxx11 abi\", torch.compiled_with_cxx11_abi())"'
if step build bash launch/build-gpu.sh --debs .debs; then
  # shellcheck disable=SC1091
  source build-gpu/env.sh
  step nccl ctest --test-dir build-gpu -R nccl --output-on-failure
  step unit ctest --test-dir build-gpu -L unit -j 8 --output-on-failure
  step bench bash bench/run.sh --gpu --build build-gpu --steps 20 --repeat 1 --out "$DIR/bench"
  cp "$DIR/bench/bench.md" "$DIR/bench.md" 2> /dev/null
fi
cat "$DIR/summary.txt"
