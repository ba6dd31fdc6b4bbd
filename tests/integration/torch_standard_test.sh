#!/usr/bin/env bash
# artic takes its C++ standard from the LibTorch package it finds: configured (no build) against
# a wrapper of this machine's TorchConfig.cmake that marks the torch target C++20, as newer
# LibTorch releases do, every artic source compiles with -std=c++20; against the real package,
# with the standard the package requires or 17, never lower.
# Usage: torch_standard_test.sh TORCH_CMAKE_DIR
set -uo pipefail
HERE=$(cd "$(dirname "$0")/../.." && pwd)
REAL=$1
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# shellcheck source-path=SCRIPTDIR source=../lib/checks.sh
source "$HERE/tests/lib/checks.sh"

mkdir -p "$TMP/torch20"
cat > "$TMP/torch20/TorchConfig.cmake" << CONF
include("$REAL/TorchConfig.cmake")
set_target_properties(torch PROPERTIES CXX_STANDARD 20)
CONF
cp "$REAL/TorchConfigVersion.cmake" "$TMP/torch20/"
configure() {  # configure NAME TORCH_DIR
  cmake -S "$HERE" -B "$TMP/$1" -G Ninja -DARTIC_BUILD_TESTS=OFF -DARTIC_WITH_NCCL=OFF \
    "-DTorch_DIR=$2" > "$TMP/$1.log" 2>&1 || { tail -20 "$TMP/$1.log"; return 1; }
}
check "configures against a LibTorch that requires C++20" "configure c20 $TMP/torch20"
check "says which standard it took" "grep -q 'artic: C++20 ' $TMP/c20.log"
check "artic's sources compile as C++20" \
  "grep -q -- '-std=c++20.*src/cli/main.cpp' $TMP/c20/compile_commands.json"
check "no source compiles as C++17 there" "! grep -q -- '-std=c++17' $TMP/c20/compile_commands.json"

real_std=$(sed -n 's/^ *CXX_STANDARD \([0-9]*\)$/\1/p' "$REAL/TorchConfig.cmake" | head -1)
want=$((${real_std:-17} > 17 ? ${real_std:-17} : 17))
check "configures against the real package ($REAL)" "configure real $REAL"
check "the real package's standard ($real_std) or 17: C++$want" \
  "grep -q -- '-std=c++$want.*src/cli/main.cpp' $TMP/real/compile_commands.json"
finish torch_standard_test
