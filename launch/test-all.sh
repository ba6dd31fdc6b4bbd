#!/usr/bin/env bash
# README command (2): install dependencies, build, and run the whole test suite with ctest; then
# the unit tests under ASan + UBSan and the fuzz targets (launch/test-sanitize.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash launch/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build
ctest --test-dir build --output-on-failure -j "$(nproc)"
bash launch/test-sanitize.sh
