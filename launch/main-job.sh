#!/usr/bin/env bash
# README command (1), after the build: the main job on the built-in corpus, the path a real
# corpus takes. `artic synth` speaks the corpus to disk (WAV + EST tracks), `artic prep` imports
# it (configs/prep_synth.toml), 2 CPU ranks train configs/default.toml under mpirun, `artic eval`
# scores the best checkpoint on the test split, `artic invert` turns three test recordings into
# tracks, and tools/plot.py draws the figures. Steps already done are not redone.
# Extra arguments go to `artic train` (e.g. --set training.max_epochs=5).
set -euo pipefail
cd "$(dirname "$0")/.."
ARTIC=build/artic
SPOKEN=data/synth
CORPUS=data/synth.h5
CONFIG=configs/default.toml
RUN_DIR=runs/default
RANKS=${ARTIC_RANKS:-2}
job_start=$(date +%s)

[[ -f $SPOKEN/synth.toml ]] || "$ARTIC" synth --out-dir "$SPOKEN" --seed 1
[[ -f $CORPUS ]] || "$ARTIC" prep --config configs/prep_synth.toml
"$ARTIC" corpus info "$CORPUS"

MPI_FLAGS=(-np "$RANKS" --oversubscribe)
[[ $(id -u) -eq 0 ]] && MPI_FLAGS+=(--allow-run-as-root)
export OMPI_MCA_btl_vader_single_copy_mechanism=none
RESUME=()
[[ -f $RUN_DIR/checkpoints/latest && ! -f $RUN_DIR/summary.json ]] && RESUME=(--resume)
if [[ -f $RUN_DIR/summary.json ]]; then
  echo "$RUN_DIR is already trained; remove it to train again"
else
  start=$(date +%s)
  mpirun "${MPI_FLAGS[@]}" "$ARTIC" train --config "$CONFIG" "${RESUME[@]}" "$@"
  echo "training took $(($(date +%s) - start)) s"
fi
"$ARTIC" eval --run "$RUN_DIR" --split test --predictions "$RUN_DIR/test_predictions.h5"

# Three test recordings, inverted as a user inverts new speech (docs/inference.md).
mapfile -t recordings < <(head -n 3 "$SPOKEN/test.list" | sed "s|.*|$SPOKEN/wav/&.wav|")
"$ARTIC" invert --run "$RUN_DIR" --out "$RUN_DIR/inverted" --format est,h5 --force \
  "${recordings[@]}"

# The figures (docs/inference.md, docs/synthetic-corpus.md): the first test recording's
# spectrogram over its tracks; its inversion against the tracks; the training curves.
mkdir -p "$RUN_DIR/figures"
first=$(head -n 1 "$SPOKEN/test.list")
/usr/bin/python3 tools/plot.py recording --wav "$SPOKEN/wav/$first.wav" \
  --ema "$SPOKEN/ema/$first.ema" --out "$RUN_DIR/figures/recording.png" > /dev/null
/usr/bin/python3 tools/plot.py trajectories --predictions "$RUN_DIR/inverted/predictions.h5" \
  --corpus "$CORPUS" --utterance "$first" --out "$RUN_DIR/figures/trajectories.png" > /dev/null
/usr/bin/python3 tools/plot.py training --run "$RUN_DIR" --out "$RUN_DIR/figures/training.png" \
  > /dev/null
echo "figures: $RUN_DIR/figures/{recording,trajectories,training}.png"
echo "main job took $(($(date +%s) - job_start)) s"
