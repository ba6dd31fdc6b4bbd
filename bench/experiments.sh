#!/usr/bin/env bash
# docs/experiments.md, every number and both figures: the chunking study, 5 seeds per variant, on
# the built-in corpus (bench/study/builtin.toml + pretrain.toml) and on few long utterances
# (bench/study/long.toml), two single-threaded runs at a time (`artic sweep -j 2`). Then the
# chunk-trained runs scored in windows (copies of their run directories with a windowed
# eval.json), `artic compare` (tables + JSON), error against distance to a chunk edge and against
# position (bench/chunk_edges.py) and the figures (bench/study_figures.py).
# Finished runs are kept, so the same command continues an interrupted study (or one given more
# variants) and redoes the analysis. About 80 minutes on a 2-core machine.
# Usage (after the build): bash bench/experiments.sh
#   -> runs/study/{builtin,long}.md and .json, rmse.png, edges.png, wall_time.txt
set -euo pipefail
cd "$(dirname "$0")/.."
ARTIC=${ARTIC:-build/artic}
OUT=${STUDY_DIR:-runs/study}
JOBS=${STUDY_JOBS:-2}
PY=/usr/bin/python3
SEEDS=(1 2 3 4 5)
mkdir -p data "$OUT"
start=$(date +%s)
[[ -f data/synth.h5 ]] || "$ARTIC" synth --out data/synth.h5 --seed 1
# The report's regime: ~52 training utterances of 10-30 s (mean ~21 s), 20 test utterances.
[[ -f data/long.h5 ]] || "$ARTIC" synth --out data/long.h5 --seed 1 --utterances 80 \
  --mean-length 22 --length-sigma 0.25 --min-length 10 --max-length 30 \
  --valid-fraction 0.1 --test-fraction 0.25

"$ARTIC" sweep -s bench/study/builtin.toml -j "$JOBS" --output-dir "$OUT/builtin" > "$OUT/builtin.sweep.log"
"$ARTIC" sweep -s bench/study/pretrain.toml -j "$JOBS" --output-dir "$OUT/builtin" > "$OUT/pretrain.sweep.log"
"$ARTIC" sweep -s bench/study/long.toml -j "$JOBS" --output-dir "$OUT/long" > "$OUT/long.sweep.log"
trained=$(date +%s)

# Chunk-trained runs scored the way they were trained: 100-frame windows, 20 shared, tapered.
# Each becomes its own variant directory (config and summary of the run, the windowed eval.json).
windowed() {  # CORPUS_DIR VARIANT
  for s in "${SEEDS[@]}"; do
    local run=$OUT/$1/$2/seed-$s dir=$OUT/$1/$2_windowed/seed-$s
    [[ -f $dir/eval.json ]] && continue
    mkdir -p "$dir"
    cp "$run/config.toml" "$run/summary.json" "$dir/"
    "$ARTIC" eval --run "$run" --window 100 --overlap 20 --out "$dir/eval.json" > "$dir/eval.log"
  done
}
windowed builtin chunk100
windowed builtin chunk100_rope
windowed long chunk100

# Predictions for error against chunk edge and position: whole utterances, and the chunks of
# training (100-frame windows without overlap, each predicted alone).
predict() {  # CORPUS_DIR VARIANT WINDOW(0 = whole) -> comma-separated prediction files
  local files=()
  for s in "${SEEDS[@]}"; do
    local p=$OUT/predictions/$1-$2-w$3-seed-$s.h5 args
    args=(--window "$3" --overlap 0)
    if [[ ! -f $p ]]; then
      mkdir -p "$OUT/predictions"
      "$ARTIC" eval --run "$OUT/$1/$2/seed-$s" "${args[@]}" --out "$p.eval.json" \
        --predictions "$p" > "$p.log"
    fi
    files+=("$p")
  done
  (IFS=,; echo "${files[*]}")
}
$PY bench/chunk_edges.py --corpus data/synth.h5 --grid 100 --out "$OUT/edges_builtin.json" \
  "full=$(predict builtin full 0)" \
  "chunk100=$(predict builtin chunk100 0)" \
  "chunk100_rope=$(predict builtin chunk100_rope 0)" \
  "chunk100 (chunks)=$(predict builtin chunk100 100)" \
  "chunk100_rope (chunks)=$(predict builtin chunk100_rope 100)" \
  "full (chunks)=$(predict builtin full 100)" \
  "chunk100_valwin (chunks)=$(predict builtin chunk100_valwin 100)"
$PY bench/chunk_edges.py --corpus data/long.h5 --grid 100 --out "$OUT/edges_long.json" \
  "full=$(predict long full 0)" \
  "chunk100=$(predict long chunk100 0)" \
  "chunk100 (chunks)=$(predict long chunk100 100)" \
  "chunk100_valwin (chunks)=$(predict long chunk100_valwin 100)"

runs() {  # CORPUS_DIR VARIANT... -> every seed's run directory, variants in order
  local c=$1
  shift
  for v in "$@"; do for s in "${SEEDS[@]}"; do echo "$OUT/$c/$v/seed-$s"; done; done
}
mapfile -t builtin < <(runs builtin full chunk100 chunk100_windowed chunk100_valwin chunk500 \
  pretrain_finetune chunk100_rope chunk100_rope_windowed chunk100_rope_valwin full_window50 \
  silence300)
mapfile -t long < <(runs long full chunk100 chunk100_windowed chunk100_valwin chunk100_rope_valwin)
"$ARTIC" compare "${builtin[@]}" | tee "$OUT/builtin.md"
"$ARTIC" compare --json "${builtin[@]}" > "$OUT/builtin.json"
"$ARTIC" compare "${long[@]}" | tee "$OUT/long.md"
"$ARTIC" compare --json "${long[@]}" > "$OUT/long.json"
$PY bench/study_figures.py "$OUT" "$OUT/builtin.json" "$OUT/long.json" "$OUT/edges_builtin.json" \
  "$OUT/edges_long.json"
echo "study: training $((trained - start)) s, everything $(($(date +%s) - start)) s" |
  tee "$OUT/wall_time.txt"
