#!/usr/bin/env bash
# Speed of artic's training step against a PyTorch reference on the same batches, and of
# bucket vs random batching and 100-frame chunks, on the built-in corpus with the main job's
# model (configs/default.toml). Writes RESULTS/bench.md and bench.json and prints the table.
#
# Usage: bench/run.sh [--gpu] [--steps N] [--warmup N] [--threads N] [--repeat R]
#                     [--max-frames N] [--out DIR] [--build DIR]
#   artic and the reference run alternately R times (default 2); each row keeps its fastest
#   repeat, since other processes on a shared machine only ever add time. Every row uses the
#   same padded-frame budget per batch (--max-frames, default 6000).
#   CPU (default): one artic rank using every core vs bench/reference/train_ref.py under
#     Debian's python3-torch with the same threads and BLAS; artic random batching and 100-frame
#     chunks as extra rows; strong scaling (job frames/s summed over ranks) of 1 rank x 1 thread,
#     1 x 2 threads, 2 ranks x 1 thread, and two independent 1 x 1 runs at once (contention
#     without the all-reduce), with page faults, context switches and the VM's steal time.
#   --gpu: the same on CUDA, fp32 and bf16, with a CUDA build of artic (docs/gpu.md) and the
#     machine's PyTorch as the reference; adds MFU against a measured bf16 matmul peak and peak
#     device memory.
set -euo pipefail
cd "$(dirname "$0")/.."
GPU=0
STEPS=30
WARMUP=5
THREADS=$(nproc)
REPEAT=2
MAX_FRAMES=6000
BUILD=build
OUT=""
while (($#)); do
  case $1 in
    --gpu) GPU=1 ;;
    --steps) STEPS=$2; shift ;;
    --warmup) WARMUP=$2; shift ;;
    --threads) THREADS=$2; shift ;;
    --repeat) REPEAT=$2; shift ;;
    --max-frames) MAX_FRAMES=$2; shift ;;
    --out) OUT=$2; shift ;;
    --build) BUILD=$2; shift ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
ARTIC=$BUILD/artic
[[ -x $ARTIC ]] || { echo "bench/run.sh: $ARTIC not found; build first (README)" >&2; exit 2; }
if ((GPU)); then PY=${PYTHON:-python3}; KIND=gpu; else PY=/usr/bin/python3; KIND=cpu; fi
OUT=${OUT:-bench/results/$(date +%Y%m%d-%H%M%S)-$(hostname -s)-$KIND}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
CORPUS=data/synth.h5
[[ -f $CORPUS ]] || "$ARTIC" synth --out "$CORPUS" --seed 1 > /dev/null
if ((GPU)); then DEVICE_FLAG=(); else DEVICE_FLAG=(--cpu); fi

COMMON=(--set "data.corpus=$CORPUS" --set "run.output_dir=$OUT/runs" --set run.log_every=1
        --set "training.max_steps=$((WARMUP + STEPS))" --set training.max_epochs=1
        --set monitor.port=0 --set "batching.max_frames=$MAX_FRAMES")
# artic NAME RANKS SETTINGS...: one training run of WARMUP + STEPS steps.
artic_run() {
  local name=$1 ranks=$2
  shift 2
  local threads=${THREADS_PER_RANK:-$((THREADS / ranks))}
  ((threads < 1)) && threads=1
  echo "== artic $name ($ranks rank(s), $threads thread(s) each)"
  # launch/artic-run binds each rank to its share of cores (plain mpirun would bind a rank and
  # all its threads to one core).
  measured "$name" launch/artic-run "${DEVICE_FLAG[@]}" -n "$ranks" --threads "$threads" \
    --artic "$ARTIC" -- \
    --config configs/default.toml "${COMMON[@]}" --set "run.name=$name" \
    --set "training.threads=$threads" "$@" > "$OUT/$name.log" 2>&1 \
    || { echo "artic $name failed: see $OUT/$name.log" >&2; tail -5 "$OUT/$name.log" >&2; exit 1; }
}
# measured NAME COMMAND...: runs COMMAND, writing NAME.rusage (minor and major page faults,
# involuntary and voluntary context switches of it and its children, wall seconds) and
# NAME.cpu (the machine's user, system, idle and steal jiffies over the run: a VM's steal time
# is CPU taken by its host).
cpu_jiffies() { awk '/^cpu /{print $2 + $3, $4, $5, $9}' /proc/stat; }
measured() {
  local name=$1
  shift
  local before
  before=$(cpu_jiffies)
  local rc
  if [[ -x /usr/bin/time ]]; then
    /usr/bin/time -f "%R %F %c %w %e" -o "$OUT/$name.rusage" "$@"
    rc=$?
  else  # no GNU time (a GPU image without it): no page-fault and switch counts for this row
    "$@"
    rc=$?
  fi
  echo "$before $(cpu_jiffies)" > "$OUT/$name.cpu"
  return $rc
}
# ref NAME PLAN SETTINGS...: the PyTorch reference replaying artic's plan.
ref_run() {
  local name=$1 plan=$2
  shift 2
  echo "== reference $name"
  "$ARTIC" config show configs/default.toml "${COMMON[@]}" "$@" > "$OUT/$name.toml"
  OMP_NUM_THREADS=$THREADS "${REF_ENV[@]}" "$PY" bench/reference/train_ref.py --config "$OUT/$name.toml" \
    --batches "$plan" --steps "$STEPS" --warmup "$WARMUP" --threads "$THREADS" \
    --out "$OUT/$name.json" "${REF_ARGS[@]}" > "$OUT/$name.log" 2>&1 \
    || { echo "reference $name failed: see $OUT/$name.log" >&2; tail -5 "$OUT/$name.log" >&2; exit 1; }
}
plan() {  # plan FILE SETTINGS...: rank 0's epoch-0 batches of a single-rank run
  local file=$1
  shift
  "$ARTIC" corpus batches --config configs/default.toml "${COMMON[@]}" "$@" --export "$file" \
    > /dev/null
}

REF_ENV=(env)
if ((GPU)); then
  DEV=(--set training.device=cuda)
  plan "$OUT/plan_bucket.json"
  for r in $(seq "$REPEAT"); do
    for precision in fp32 bf16; do
      artic_run "artic_bucket_$precision-r$r" 1 "${DEV[@]}" --set "training.precision=$precision"
      REF_ARGS=(--device cuda --precision "$precision")
      ref_run "ref_bucket_$precision-r$r" "$OUT/plan_bucket.json" "${DEV[@]}"
    done
  done
  artic_run artic_random_bf16 1 "${DEV[@]}" --set training.precision=bf16 --set batching.mode=random
  artic_run artic_chunk100_bf16 1 "${DEV[@]}" --set training.precision=bf16 \
    --set data.split_mode=fixed --set data.sequence_length=100
  "$PY" bench/matmul_peak.py > "$OUT/matmul_peak.json"
else
  REF_ARGS=()
  plan "$OUT/plan_bucket.json"
  for r in $(seq "$REPEAT"); do
    artic_run "artic_bucket-r$r" 1
    REF_ENV=(env)
    ref_run "ref_bucket-r$r" "$OUT/plan_bucket.json"
    # The reference again with the heap setting artic makes for itself (src/core/heap.h).
    REF_ENV=(env MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=1073741824)
    ref_run "ref_bucket_heap-r$r" "$OUT/plan_bucket.json"
  done
  artic_run artic_random 1 --set batching.mode=random
  artic_run artic_chunk100 1 --set data.split_mode=fixed --set data.sequence_length=100
  # Strong scaling: the same corpus, model and batch budget; the job's real frames/s.
  THREADS_PER_RANK=1 artic_run artic_scale_1x1 1
  THREADS_PER_RANK=2 artic_run artic_scale_1x2 1
  THREADS_PER_RANK=1 artic_run artic_scale_2x1 2
  # Two independent single-thread runs at once, each bound to its own core: what two ranks
  # cost each other through shared caches, memory and the host, without any all-reduce.
  echo "== artic artic_scale_pair (two 1 x 1 runs at once, cores 0 and 1)"
  for k in 0 1; do
    measured "artic_scale_pair$k" taskset -c "$k" env OMP_NUM_THREADS=1 "$ARTIC" train \
      --config configs/default.toml "${COMMON[@]}" --set "run.name=artic_scale_pair$k" \
      --set training.threads=1 > "$OUT/artic_scale_pair$k.log" 2>&1 &
  done
  wait
fi
"$PY" bench/summarize.py "$OUT" --kind "$KIND" --warmup "$WARMUP" --artic "$ARTIC"
