#!/usr/bin/env bash
# A lent GPU session's checks as one command of at most 8 minutes on one GPU (docs/gpu.md,
# "Bring-up"): the machine's facts; the CUDA build of artic alone, then the test programs of the
# GPU paths; the NCCL tests and those unit tests; a corpus from artic synth; a 200-step bf16
# training of configs/gpu_full_utterance.toml on one GPU; bench/run.sh --gpu. Every step runs
# under `timeout` with its log in a work folder (<step>.log; exit code and seconds in summary.txt);
# a failed step does not stop the later ones that do not need it. At the end OUTDIR holds three
# files (a lease returns at most 8): bringup-logs.tar.gz (every log), summary.txt and bench.md;
# and the last 40 lines of every failed step's log are printed (a lease returns the last 12,000
# characters).
# Usage: launch/gpu-bringup.sh [--no-gpu] [--debs DIR] [--torch DIR] [--build DIR] [OUTDIR]
#   (OUTDIR defaults to $OUT, the lease's folder that comes back, else gpu-bringup)
#   --no-gpu  rehearsal on a machine without a GPU: facts and builds, then each GPU step is
#             printed as it would run, not run
#   --debs    Debian 12 packages for the build (launch/fetch-debs.sh; default .debs if present,
#             else the system's libraries)
#   --torch   LibTorch's CMake folder (default: python3's torch); --build DIR (default build-gpu)
set -uo pipefail
cd "$(dirname "$0")/.."
NO_GPU=0
BUILD=build-gpu
DEBS=""
TORCH_ARGS=()
DIR=""
while (($#)); do
  case $1 in
    --no-gpu) NO_GPU=1 ;;
    --debs) DEBS=$2; shift ;;
    --torch) TORCH_ARGS=(--torch "$2"); shift ;;
    --build) BUILD=$2; shift ;;
    -h | --help) sed -n '2,17p' "$0"; exit 0 ;;
    -*) echo "gpu-bringup: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) DIR=$1 ;;
  esac
  shift
done
OUTDIR=${DIR:-${OUT:-gpu-bringup}}
[[ -z $DEBS && -d .debs ]] && DEBS=.debs
mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)
# Logs, corpus and runs in a folder of their own: only three files go to OUTDIR.
DIR=$(mktemp -d "${TMPDIR:-/tmp}/artic-bringup.XXXXXX")
: > "$DIR/summary.txt"
FAILED=()
PY=${PYTHON:-python3}
CORPUS=$DIR/corpus.h5

# The whole command stays within the lease's 8 minutes: each step gets its own limit or what is
# left of BRINGUP_SECONDS, whichever is smaller.
DEADLINE=$((SECONDS + ${BRINGUP_SECONDS:-470}))

step() {  # step NAME SECONDS COMMAND...: runs COMMAND under timeout, logged
  local name=$1 limit=$2 start=$SECONDS rc
  shift 2
  ((limit > DEADLINE - SECONDS)) && limit=$((DEADLINE - SECONDS))
  if ((limit < 10)); then
    echo "$name: not run, no time left" | tee -a "$DIR/summary.txt"
    FAILED+=("$name")
    : > "$DIR/$name.log"
    return 1
  fi
  echo "== $name (at most $limit s)"
  timeout --kill-after=10 "$limit" "$@" > "$DIR/$name.log" 2>&1
  rc=$?
  ((rc == 124 || rc == 137)) && echo "(stopped by timeout after $limit s)" >> "$DIR/$name.log"
  echo "$name: exit $rc, $((SECONDS - start)) s" | tee -a "$DIR/summary.txt"
  ((rc == 0)) || FAILED+=("$name")
  return $rc
}

gpu_step() {  # gpu_step NAME SECONDS COMMAND...: a step that needs the GPU
  if ((NO_GPU)); then
    echo "$1: not run (--no-gpu): $*" | tee -a "$DIR/summary.txt"
    return 0
  fi
  step "$@"
}

step facts 30 bash -c 'if command -v nvidia-smi > /dev/null; then nvidia-smi; else echo "no nvidia-smi"; fi
  ldd --version | head -1; cmake --version | head -1; ninja --version
  (nvcc --version || /usr/local/cuda/bin/nvcc --version) 2>&1 | tail -2
  '"$PY"' -c "import torch; print(\"torch\", torch.__version__, \"cuda\", torch.version.cuda,
    \"cxx11 abi\", torch.compiled_with_cxx11_abi())" || true
  nproc; free -g | head -2'

# The GPU paths' test programs: NCCL, the model against the PyTorch oracle, update, checkpoint.
TESTS=(nccl_mpi_test model_test model_oracle_test update_test checkpoint_test trainer_test)
BUILD_ARGS=(--build "$BUILD" --configure-only "${TORCH_ARGS[@]}")
[[ -n $DEBS ]] && BUILD_ARGS+=(--debs "$DEBS")
if step configure 120 bash launch/build-gpu.sh "${BUILD_ARGS[@]}" &&
  step build_artic 240 cmake --build "$BUILD" --target artic &&
  step build_tests 180 cmake --build "$BUILD" --target "${TESTS[@]}"; then
  # shellcheck disable=SC1091
  source "$BUILD/env.sh"
  gpu_step test_nccl 60 ctest --test-dir "$BUILD" -R nccl --output-on-failure
  step test_gpu_paths 120 ctest --test-dir "$BUILD" -R '^(Model|ModelOracle|Update|Checkpoint|Loop)' \
    -j 8 --output-on-failure
  step synth 120 "$BUILD/artic" synth --out "$CORPUS" --seed 1 --utterances 200
  gpu_step train_bf16 150 "$BUILD/artic" train -c configs/gpu_full_utterance.toml \
    --set "data.corpus=$CORPUS" --set "run.output_dir=$DIR/runs" --set training.max_steps=200 \
    --set training.precision=\"bf16\" --set training.device=\"cuda\"
  gpu_step bench 150 bash bench/run.sh --gpu --build "$BUILD" --steps 20 --repeat 1 --out "$DIR/bench"
  cp "$DIR/bench/bench.md" "$OUTDIR/bench.md" 2> /dev/null
fi

tar -czf "$OUTDIR/bringup-logs.tar.gz" -C "$DIR" --exclude corpus.h5 --exclude '*.pt' . 2> /dev/null
cp "$DIR/summary.txt" "$OUTDIR/summary.txt"
for name in "${FAILED[@]}"; do
  echo "---- $name.log (last 40 lines)"
  tail -n 40 "$DIR/$name.log"
done
echo "---- summary"
cat "$DIR/summary.txt"
((${#FAILED[@]} == 0))
