#!/usr/bin/env bash
# The built-in corpus needs context: a ridge regressor given +-50 frames must beat the per-frame
# one by a clear margin in Pearson r (tests/python/context_matters.py exits 1 otherwise).
# Usage: context_test.sh ARTIC ORACLE_PYTHON
set -euo pipefail
HERE=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
"$1" synth --out "$TMP/c.h5" --seed 5 --utterances 200 > /dev/null
"$2" "$HERE/tests/python/context_matters.py" "$TMP/c.h5" --min-gain 0.05
