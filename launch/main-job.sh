#!/usr/bin/env bash
# README command (1), after the build: the main job on the built-in corpus.
# Synthesizes the corpus (once), trains configs/default.toml on 2 CPU ranks with mpirun,
# evaluates the best checkpoint on the test split, prints the result table and draws the figures
# of its run (tools/plot.py).
# Extra arguments go to `artic train` (e.g. --set training.max_epochs=5).
set -euo pipefail
cd "$(dirname "$0")/.."
ARTIC=build/artic
CORPUS=data/synth.h5
CONFIG=configs/default.toml
RUN_DIR=runs/default
RANKS=${ARTIC_RANKS:-2}

[[ -f $CORPUS ]] || "$ARTIC" synth --out "$CORPUS" --seed 1
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
# The figures (docs/inference.md): the first test utterance, predicted against measured, and
# the training curves.
mkdir -p "$RUN_DIR/figures"
/usr/bin/python3 tools/plot.py trajectories --predictions "$RUN_DIR/test_predictions.h5" \
  --corpus "$CORPUS" --out "$RUN_DIR/figures/trajectories.png" > /dev/null
/usr/bin/python3 tools/plot.py training --run "$RUN_DIR" --out "$RUN_DIR/figures/training.png" \
  > /dev/null
echo "figures: $RUN_DIR/figures/trajectories.png $RUN_DIR/figures/training.png"
