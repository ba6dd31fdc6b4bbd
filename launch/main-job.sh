#!/usr/bin/env bash
# README command (1), after the build: the main job on the built-in corpus.
# Synthesizes the corpus (once) and validates it. Training (`artic train` under mpirun -np 2),
# evaluation and the result table are appended here as those subcommands land.
set -euo pipefail
cd "$(dirname "$0")/.."
ARTIC=build/artic
CORPUS=data/synth.h5
if [[ ! -f $CORPUS ]]; then
  "$ARTIC" synth --out "$CORPUS" --seed 1
fi
"$ARTIC" corpus info "$CORPUS"
"$ARTIC" config check configs/default.toml
