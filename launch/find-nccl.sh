#!/usr/bin/env bash
# Prints the folder of the nvidia-nccl wheel (nvidia-nccl-cu12, -cu13) that a Python's PyTorch was
# built with: the NCCL launch/build-gpu.sh links, so that one NCCL is loaded. The wheel is a
# namespace package (no __init__.py, nvidia.nccl.__file__ is None): it is found by its search
# path. Exit 1, printing nothing, when that Python has no such wheel.
# Usage: launch/find-nccl.sh [PYTHON=python3]
set -uo pipefail
"${1:-python3}" - << 'PY'
import importlib.util, os, sys
try:
    spec = importlib.util.find_spec("nvidia.nccl")
except (ImportError, ValueError):
    spec = None
for folder in (spec.submodule_search_locations or []) if spec else []:
    if os.path.isdir(os.path.join(folder, "lib")):
        print(folder)
        sys.exit(0)
sys.exit(1)
PY
