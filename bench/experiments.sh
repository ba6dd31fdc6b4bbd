#!/usr/bin/env bash
# docs/experiments.md's tables: 100-frame chunks vs 500-frame chunks vs full utterances on the
# built-in corpus, same model, optimizer, frame budget and epochs; then 500-frame pre-training +
# full-utterance fine-tuning (configs/pretrain_finetune.toml) vs full utterances from scratch.
# 2 CPU ranks each.
# Usage (after the build): bash bench/experiments.sh   -> runs/experiments.md
set -euo pipefail
cd "$(dirname "$0")/.."
ARTIC=build/artic
CORPUS=data/synth.h5
[[ -f $CORPUS ]] || "$ARTIC" synth --out "$CORPUS" --seed 1
MPI_FLAGS=(-np 2 --oversubscribe)
[[ $(id -u) -eq 0 ]] && MPI_FLAGS+=(--allow-run-as-root)
export OMPI_MCA_btl_vader_single_copy_mechanism=none
for name in full_utterance chunked_100 chunked_500 pretrain_finetune; do
  if [[ ! -f runs/$name/eval.json ]]; then
    resume=()
    [[ -f runs/$name/checkpoints/latest ]] && resume=(--resume)
    start=$(date +%s)
    mpirun "${MPI_FLAGS[@]}" "$ARTIC" train --config "configs/$name.toml" "${resume[@]}" > "runs/$name.log" 2>&1
    echo "$name: trained in $(($(date +%s) - start)) s"
  fi
done
"$ARTIC" compare runs/full_utterance runs/chunked_100 runs/chunked_500 | tee runs/experiments.md
"$ARTIC" compare runs/full_utterance runs/pretrain_finetune | tee -a runs/experiments.md
