#!/usr/bin/env bash
# docs/experiments.md's chunking study, redone (issue 30): bench/study.py trains every variant of
# bench/study/variants.toml on the built-in corpus, the positive-control corpus (artic synth
# --long-range-mm 2) and the long-utterance corpus, each until validation stops improving, at a
# learning rate chosen per variant on seed 1, then 5 seeds; every finished run's small records are
# kept under bench/study/records (commit them: the next call skips those runs). Then
# bench/study_report.py writes the tables (runs/study/report.md). About three hours of training on
# a 2-core machine in all; STUDY_STOP_AFTER=SECONDS starts no run after that long.
# Usage (after the build): bash bench/experiments.sh
set -euo pipefail
cd "$(dirname "$0")/.."
/usr/bin/python3 bench/study.py --jobs "${STUDY_JOBS:-2}" \
  --corpora "${STUDY_CORPORA:-control,builtin,long}" --stop-after "${STUDY_STOP_AFTER:-inf}"
/usr/bin/python3 bench/study_report.py --figures runs/study
