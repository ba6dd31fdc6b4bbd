#!/usr/bin/env bash
# README command (2): install dependencies, build, and run the whole test suite with ctest; then
# the LibTorch 2.x leg (launch/test-libtorch2.sh: the suite built against Debian 13's LibTorch 2.6
# in a trixie root) and the unit tests under ASan + UBSan and the fuzz targets
# (launch/test-sanitize.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash launch/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build
ctest --test-dir build --output-on-failure -j "$(nproc)"
bash launch/test-libtorch2.sh
bash launch/test-sanitize.sh
