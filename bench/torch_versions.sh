#!/usr/bin/env bash
# artic on LibTorch 1.13 (build/, Debian 12) against artic on LibTorch 2.6 (build-torch2/, in the
# trixie root of launch/test-libtorch2.sh) and the PyTorch reference (bench/reference/train_ref.py)
# under PyTorch 1.13 and 2.6, on the same corpus, model (configs/default.toml) and batches, on
# this CPU: training frames/s (the fastest of R rounds, the four run one after another in each
# round), and each version's share of its own fp32 matmul peak; then the peak memory (max RSS) of
# artic training on 3,000-frame utterances (one per batch) with each LibTorch: 1.13's explicit
# masked softmax against 2.6's scaled_dot_product_attention. Needs root (the trixie root) and
# both builds. Usage: bench/torch_versions.sh [--steps N=12] [--warmup N=3] [--rounds R=2]
# (warm-up + steps must not exceed the 18 batches of the corpus's epoch at this budget)
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS=12
WARMUP=3
ROUNDS=2
while (($#)); do
  case $1 in
    --steps) STEPS=$2; shift ;;
    --warmup) WARMUP=$2; shift ;;
    --rounds) ROUNDS=$2; shift ;;
    *) echo "torch_versions: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[[ -x build/artic && -x build-torch2/artic ]] ||
  { echo "torch_versions: build build/ and build-torch2/ first (launch/test-libtorch2.sh)" >&2; exit 2; }
ROOT=$(bash launch/trixie-root.sh ensure)
W=build-torch2/bench-versions  # inside the checkout, so the root sees it at /artic/$W
rm -rf "$W" && mkdir -p "$W"
in_root() { bash launch/trixie-root.sh run "$ROOT" . bash -c "cd /artic && $*"; }
THREADS=$(nproc)
export OMP_NUM_THREADS=$THREADS

build/artic synth --out "$W/corpus.h5" --seed 1 --utterances 200 > /dev/null
# One line each: they are also passed inside `bash -c` strings to the root.
COMMON="--set data.corpus=$W/corpus.h5 --set run.log_every=1 --set monitor.port=0"
COMMON+=" --set training.max_steps=$((WARMUP + STEPS)) --set training.max_epochs=1"
COMMON+=" --set batching.max_frames=6000 --set training.threads=$THREADS"
build/artic corpus batches --config configs/default.toml $COMMON --export "$W/plan.json" > /dev/null
build/artic config show configs/default.toml $COMMON > "$W/ref.toml"

# frames/s over the steps after the warm-up, from a run's metrics.jsonl or the reference's JSON.
artic_fps() {
  /usr/bin/python3 -c 'import json, sys
s = [json.loads(l) for l in open(sys.argv[1])]
s = [x for x in s if x.get("type") == "step" and x["step"] > int(sys.argv[2])]
print(sum(x["frames"] for x in s) / sum(x["wall_seconds"] for x in s))' "$1" "$WARMUP"
}
ref_fps() { /usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["frames_per_second"])' "$1"; }
PEAK='import time, torch
torch.set_num_threads('"$THREADS"')
a = torch.randn(2048, 2048); b = torch.randn(2048, 2048); a @ b
best = 0
for _ in range(5):
    t = time.perf_counter(); a @ b; best = max(best, 2 * 2048 ** 3 / (time.perf_counter() - t))
print(torch.__version__, best)'

for r in $(seq "$ROUNDS"); do
  echo "== round $r"
  build/artic train -c configs/default.toml $COMMON --set "run.output_dir=$W/runs" \
    --set "run.name=a113_$r" > "$W/a113_$r.log" 2>&1
  in_root "build-torch2/artic train -c configs/default.toml $COMMON --set run.output_dir=$W/runs" \
    "--set run.name=a26_$r > $W/a26_$r.log 2>&1"
  /usr/bin/python3 bench/reference/train_ref.py --config "$W/ref.toml" --batches "$W/plan.json" \
    --steps "$STEPS" --warmup "$WARMUP" --threads "$THREADS" --out "$W/r113_$r.json" > "$W/r113_$r.log" 2>&1
  in_root "python3 bench/reference/train_ref.py --config $W/ref.toml --batches $W/plan.json" \
    "--steps $STEPS --warmup $WARMUP --threads $THREADS --out $W/r26_$r.json > $W/r26_$r.log 2>&1"
done
/usr/bin/python3 -c "$PEAK" > "$W/peak113.txt"
in_root "python3 -c '$PEAK' > $W/peak26.txt"

# Memory: 3,000-frame utterances, one per batch, 3 steps.
build/artic synth --out "$W/long.h5" --seed 2 --utterances 12 --mean-length 30 --max-length 30 > /dev/null
LONG="-c configs/default.toml --set data.corpus=$W/long.h5 --set monitor.port=0"
LONG+=" --set training.max_steps=3 --set training.max_epochs=1 --set batching.max_frames=6500"
LONG+=" --set batching.quadratic_frames=3000 --set training.threads=$THREADS"
LONG+=" --set run.output_dir=$W/runs"
/usr/bin/time -f "%M" -o "$W/mem113.txt" build/artic train $LONG --set run.name=m113 > "$W/m113.log" 2>&1
in_root "/usr/bin/time -f %M -o $W/mem26.txt build-torch2/artic train $LONG --set run.name=m26 > $W/m26.log 2>&1"

best() { printf '%s\n' "$@" | sort -g | tail -1; }
a113=$(best $(for r in $(seq "$ROUNDS"); do artic_fps "$W/runs/a113_$r/metrics.jsonl"; done))
a26=$(best $(for r in $(seq "$ROUNDS"); do artic_fps "$W/runs/a26_$r/metrics.jsonl"; done))
r113=$(best $(for r in $(seq "$ROUNDS"); do ref_fps "$W/r113_$r.json"; done))
r26=$(best $(for r in $(seq "$ROUNDS"); do ref_fps "$W/r26_$r.json"; done))
flops=$(/usr/bin/python3 -c 'import json, sys
s = [json.loads(l) for l in open(sys.argv[1])]
s = [x for x in s if x.get("type") == "step"]
print(sum(x.get("model_flops", 0) for x in s) / max(1, sum(x["frames"] for x in s)))' "$W/runs/a113_1/metrics.jsonl")
/usr/bin/python3 - "$a113" "$a26" "$r113" "$r26" "$flops" "$W" << 'PY'
import sys
a113, a26, r113, r26, flops = map(float, sys.argv[1:6])
w = sys.argv[6]
v113, p113 = open(f"{w}/peak113.txt").read().split()
v26, p26 = open(f"{w}/peak26.txt").read().split()
p113, p26 = float(p113), float(p26)
m113 = int(open(f"{w}/mem113.txt").read().split()[-1]) / 1024
m26 = int(open(f"{w}/mem26.txt").read().split()[-1]) / 1024
print(f"| run | frames/s | share of its fp32 matmul peak |")
print(f"|---|---:|---:|")
for name, fps, peak in [(f"artic, LibTorch {v113}", a113, p113), (f"artic, LibTorch {v26}", a26, p26),
                        (f"PyTorch {v113} eager (reference)", r113, p113),
                        (f"PyTorch {v26} eager (reference)", r26, p26)]:
    share = f"{fps * flops / peak:.1%}" if flops > 0 else "n/a"
    print(f"| {name} | {fps:,.0f} | {share} |")
print(f"\nfp32 matmul peak (2048^3, {open(f'{w}/peak113.txt').read().split()[0]}): {p113 / 1e9:.0f} GFLOP/s; "
      f"({v26}): {p26 / 1e9:.0f} GFLOP/s; model FLOPs per frame (forward + backward): {flops:,.0f}")
print(f"peak memory (max RSS), artic training on 3,000-frame utterances: LibTorch {v113} "
      f"{m113:,.0f} MiB, LibTorch {v26} (SDPA) {m26:,.0f} MiB")
PY
