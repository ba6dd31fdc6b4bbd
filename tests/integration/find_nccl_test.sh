#!/usr/bin/env bash
# launch/find-nccl.sh (build-gpu.sh's NCCL lookup) against namespace packages laid out as the
# nvidia-nccl-cu12/-cu13 wheels are (nvidia/nccl/{include,lib}, no __init__.py, beside other
# nvidia.* wheels), and a Python without the wheel. Usage: find_nccl_test.sh PYTHON
set -uo pipefail
HERE=$(cd "$(dirname "$0")/../.." && pwd)
PY=$1
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# shellcheck source-path=SCRIPTDIR source=../lib/checks.sh
source "$HERE/tests/lib/checks.sh"
site=$TMP/site-packages
mkdir -p "$site/nvidia/nccl/lib" "$site/nvidia/nccl/include" "$site/nvidia/cublas/lib" \
  "$TMP/other/nvidia/cuda_runtime/lib"
touch "$site/nvidia/nccl/lib/libnccl.so.2" "$site/nvidia/nccl/include/nccl.h"
check "the wheel's layout is a namespace package (nvidia.nccl.__file__ is None)" \
  "PYTHONPATH=$site $PY -c 'import nvidia.nccl, sys; sys.exit(nvidia.nccl.__file__ is not None)'"
found=$(PYTHONPATH=$TMP/other:$site bash "$HERE/launch/find-nccl.sh" "$PY")
check "finds the wheel's folder ($found), other nvidia.* wheels on the path too" \
  "[[ '$found' == '$site/nvidia/nccl' ]]"
out=$(PYTHONPATH=$TMP/other bash "$HERE/launch/find-nccl.sh" "$PY")
check "without the wheel: exit 1 and nothing printed" \
  "! PYTHONPATH=$TMP/other bash $HERE/launch/find-nccl.sh $PY && [[ -z '$out' ]]"
finish find_nccl_test
