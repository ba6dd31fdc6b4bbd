#!/usr/bin/env bash
# Real-time factor of `artic invert` (seconds of audio per second of compute) with the main job's
# model (configs/default.toml: 0.86 M parameters, 80 log-mel bands) on 1 and 2 CPU ranks.
# The main job's own run reads synthetic features, which no recording has; so the same
# architecture is trained for one epoch on speech: 60 espeak-ng sentences of 2-6 s at 22.05 kHz
# with made-up tracks, imported by `artic prep` (the weights do not change the speed). Then every
# recording is inverted REPEAT times per rank count and the fastest kept.
# Usage (after the build): bash bench/invert_rtf.sh [REPEAT]   -> prints the table
set -euo pipefail
cd "$(dirname "$0")/.."
ARTIC=build/artic
PY=/usr/bin/python3
REPEAT=${1:-2}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export OMPI_MCA_btl_vader_single_copy_mechanism=none
MPI=(mpirun -np 2 --oversubscribe)
[[ $(id -u) -eq 0 ]] && MPI+=(--allow-run-as-root)

mkdir -p "$TMP/c/wav" "$TMP/c/ema"
words=(the quick brown fox jumps over a lazy dog while seven bright stars shine above quiet
       hills and rivers run toward the distant sea)
for i in $(seq -w 1 60); do
  n=$((8 + 10#$i % 17))
  sentence=""
  for k in $(seq 1 "$n"); do sentence+="${words[$(((10#$i * 7 + k * 3) % ${#words[@]}))]} "; done
  espeak-ng -s $((140 + 10#$i % 40)) -w "$TMP/c/wav/s1_$i.wav" "$sentence"
done
"$PY" - "$TMP/c" << 'EOF'
import math, os, sys, wave
root = sys.argv[1]
names = ["T1_x", "T1_y", "T2_x", "T2_y", "T3_x", "T3_y", "JAW_x", "JAW_y", "UL_x", "UL_y",
         "LL_x", "LL_y"]
for w in sorted(os.listdir(root + "/wav")):
    with wave.open(root + "/wav/" + w) as f:
        n = int((f.getnframes() / f.getframerate() + 0.05) * 200)
    head = ["EST_File Track", "DataType ascii", f"NumFrames {n}", f"NumChannels {len(names)}",
            "BreaksPresent true"] + [f"Channel_{i} {c}" for i, c in enumerate(names)]
    rows = [f"{k / 200:.5f}\t1\t" + " ".join(f"{math.sin(0.01 * k * (c + 1)):.5f}"
                                              for c in range(len(names))) for k in range(n)]
    open(f"{root}/ema/{w[:-4]}.ema", "w").write("\n".join(head + ["EST_Header_End"] + rows) + "\n")
EOF
printf '[prep]\ninput_dir = "%s"\noutput = "%s/speech.h5"\n[tracks]\nchannels = [%s]\n' \
  "$TMP/c" "$TMP" "$(for c in T1_x T1_y T2_x T2_y T3_x T3_y JAW_x JAW_y UL_x UL_y LL_x LL_y; do
    printf '["%s", "%s"], ' $c $c; done)" > "$TMP/prep.toml"
"$ARTIC" prep --config "$TMP/prep.toml" | tail -1
"$ARTIC" train --config configs/default.toml --set data.corpus="$TMP/speech.h5" \
  --set run.output_dir="$TMP/runs" --set run.name=rtf --set training.max_epochs=1 \
  --progress lines > "$TMP/train.out"
seconds=$("$PY" -c "
import os, sys, wave
print(sum(wave.open(sys.argv[1] + '/' + w).getnframes() / 22050 for w in os.listdir(sys.argv[1])))" \
  "$TMP/c/wav")
echo "| ranks | recordings | audio (s) | fastest of $REPEAT (s) | real-time factor |"
echo "|---:|---:|---:|---:|---:|"
for ranks in 1 2; do
  best=""
  for _ in $(seq 1 "$REPEAT"); do
    launch=("$ARTIC")
    [[ $ranks -gt 1 ]] && launch=("${MPI[@]}" "$ARTIC")
    line=$("${launch[@]}" invert --run "$TMP/runs/rtf" "$TMP/c/wav" --format est --force \
      --out "$TMP/out$ranks" --progress lines | grep '^inverted')
    t=$(sed -E 's/.* in ([0-9.]+) s on .*/\1/' <<< "$line")
    if [[ -z $best ]] || "$PY" -c "import sys; sys.exit(not float(sys.argv[1]) < float(sys.argv[2]))" "$t" "$best"; then
      best=$t
    fi
  done
  "$PY" -c "import sys; a, t = float(sys.argv[2]), float(sys.argv[3]); print(f'| {sys.argv[1]} | 60 | {a:.1f} | {t:.2f} | {a / t:.1f}x |')" \
    "$ranks" "$seconds" "$best"
done
