#!/usr/bin/env bash
# A real A/A check of `artic compare` (docs/training.md, "artic compare"): SEEDS seeds (8) of one
# config, the study's base on the built-in corpus (bench/study/base.toml), trained as a sweep; then
# every split of them into two groups of equal size (35 for 8 seeds) compared as two variants, and
# the share of splits that get a verdict ("better"/"worse", on any metric) reported. Nothing differs
# between the groups but their seeds, so a calibrated comparison gives a verdict in about 5% of
# splits (the splits share runs, so their verdicts are not independent: the rate is a check, not
# a precise estimate). Finished runs are kept, so the same command continues.
# Usage (after the build): bash bench/aa_check.sh  -> runs/aa/aa_check.txt (and .json per split)
set -euo pipefail
cd "$(dirname "$0")/.."
ARTIC=${ARTIC:-build/artic}
OUT=${AA_DIR:-runs/aa}
JOBS=${AA_JOBS:-2}
SEEDS=${AA_SEEDS:-8}
PY=/usr/bin/python3
mkdir -p data "$OUT/splits"
[[ -f data/synth.h5 ]] || "$ARTIC" synth --out data/synth.h5 --seed 1
{
  echo "config = \"$PWD/bench/study/base.toml\""
  echo "seeds = [$(seq -s ', ' 1 "$SEEDS")]"
  echo '[[variant]]'
  echo 'name = "full"'
} > "$OUT/aa.toml"
start=$(date +%s)
"$ARTIC" sweep "$OUT/aa.toml" -j "$JOBS" --output-dir "$OUT" > "$OUT/sweep.log"
trained=$(date +%s)

# Every split into two halves, counted once: the first half always holds seed 1.
"$PY" - "$SEEDS" > "$OUT/splits.txt" << 'EOF'
import itertools, sys
n = int(sys.argv[1])
for a in itertools.combinations(range(2, n + 1), n // 2 - 1):
    a = (1,) + a
    b = tuple(s for s in range(1, n + 1) if s not in a)
    print(" ".join(map(str, a)), "|", " ".join(map(str, b)))
EOF
k=0
while IFS='|' read -r a b; do
  k=$((k + 1))
  ga=$(for s in $a; do printf '%s,' "$OUT/full/seed-$s"; done)
  gb=$(for s in $b; do printf '%s,' "$OUT/full/seed-$s"; done)
  "$ARTIC" compare --variant "A=${ga%,}" --variant "B=${gb%,}" --json > "$OUT/splits/$k.json"
done < "$OUT/splits.txt"

"$PY" - "$OUT" "$k" "$((trained - start))" << 'EOF' | tee "$OUT/aa_check.txt"
import json, sys
out, n, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
keys = ["rmse_mm", "pearson_r", "mae_mm"]
flagged = {k: 0 for k in keys}
any_flag = 0
p_rmse = []
for i in range(1, n + 1):
    c = json.load(open(f"{out}/splits/{i}.json"))["comparisons"][0]
    hit = False
    for k in keys:
        if c[k]["verdict"] in ("better", "worse"):
            flagged[k] += 1
            hit = True
    any_flag += hit
    p_rmse.append(c["rmse_mm"]["p"])
seeds = json.load(open(f"{out}/splits/1.json"))["variants"]
print(f"A/A check: {len(seeds[0]['runs']) + len(seeds[1]['runs'])} seeds of one config "
      f"(bench/study/base.toml), {n} splits into two groups")
for k in keys:
    print(f"  {k}: a verdict in {flagged[k]} of {n} splits ({100 * flagged[k] / n:.1f}%)")
print(f"  any metric: a verdict in {any_flag} of {n} splits ({100 * any_flag / n:.1f}%)")
print(f"  RMSE Welch p: median {sorted(p_rmse)[len(p_rmse) // 2]:.2f}, "
      f"min {min(p_rmse):.3f}")
print(f"  training wall time: {seconds} s (0 when every run had finished before)")
EOF
