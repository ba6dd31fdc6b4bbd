#!/usr/bin/env bash
# The built-in corpus needs context: a ridge regressor given +-50 frames must beat the per-frame
# one by a clear margin in Pearson r (tests/python/context_matters.py exits 1 otherwise). With
# --long-range-mm (the positive control of long context) the utterance-level offset is out of
# reach of a +-50-frame probe beyond the utterance's first 100 frames, and within reach of one
# that sees the utterance's start (tests/python/long_range_probe.py); without it the corpus is
# unchanged.
# Usage: context_test.sh ARTIC ORACLE_PYTHON
set -euo pipefail
HERE=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
"$1" synth --out "$TMP/c.h5" --seed 5 --utterances 200 > /dev/null
"$2" "$HERE/tests/python/context_matters.py" "$TMP/c.h5" --min-gain 0.05
"$1" synth --out "$TMP/on.h5" --seed 5 --utterances 200 --long-range-mm 2 > /dev/null
"$2" "$HERE/tests/python/long_range_probe.py" "$TMP/on.h5" "$TMP/c.h5" --far 100 --max-local 0.1 \
  --min-whole 0.5
