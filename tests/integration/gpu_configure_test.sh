#!/usr/bin/env bash
# launch/build-gpu.sh --debs from a clean folder made by launch/fetch-debs.sh, configured (no
# build) against Debian's LibTorch in a mount namespace where the host's libcurl, libmicrohttpd
# and xxHash development files are hidden: every library must then come from the unpacked
# prefix, as on a GPU machine without them. Also checks env.sh names the GPU build and mpirun.
# Usage: gpu_configure_test.sh. Exit 77 (skipped) without apt downloads or mount namespaces.
set -uo pipefail
HERE=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
if ! unshare -m true 2> /dev/null; then
  echo "SKIP: cannot make a mount namespace here (needs root or CAP_SYS_ADMIN)"
  exit 77
fi
if ! bash "$HERE/launch/fetch-debs.sh" "$TMP/debs" > "$TMP/fetch.log" 2>&1; then
  tail -3 "$TMP/fetch.log"
  echo "SKIP: apt-get download failed (no package mirror reachable)"
  exit 77
fi
TORCH=$(dirname "$(find /usr/lib /usr/share -name TorchConfig.cmake 2> /dev/null | head -1)")
cat > "$TMP/inside.sh" << INNER
set -e
mkdir -p "$TMP/empty"
mount --bind "$TMP/empty" /usr/include/x86_64-linux-gnu/curl
for f in /usr/lib/x86_64-linux-gnu/libcurl.so /usr/lib/x86_64-linux-gnu/pkgconfig/libcurl.pc \
  /usr/include/microhttpd.h /usr/lib/x86_64-linux-gnu/libmicrohttpd.so \
  /usr/lib/x86_64-linux-gnu/pkgconfig/libmicrohttpd.pc /usr/include/xxhash.h \
  /usr/lib/x86_64-linux-gnu/libxxhash.so /usr/lib/x86_64-linux-gnu/pkgconfig/libxxhash.pc; do
  [ -e "\$f" ] && mount --bind /dev/null "\$f"
done
cd "$HERE"
bash launch/build-gpu.sh --debs "$TMP/debs" --prefix "$TMP/deps" --build "$TMP/build" \
  --torch "$TORCH" --configure-only
INNER
unshare -m bash "$TMP/inside.sh" > "$TMP/configure.log" 2>&1
rc=$?
# shellcheck source-path=SCRIPTDIR source=../lib/checks.sh
source "$HERE/tests/lib/checks.sh"
check "build-gpu.sh --debs configures with the host's curl/microhttpd/xxhash headers hidden" \
  "[[ $rc -eq 0 ]] || { tail -20 $TMP/configure.log; false; }"
C=$TMP/build/CMakeCache.txt
for key in CURL_LIBRARY_RELEASE MICROHTTPD_LIBRARY XXHASH_LIBRARY MPI_CXX_COMPILER HDF5_C_INCLUDE_DIR \
  tomlplusplus_DIR prometheus-cpp_DIR CLI11_DIR GTest_DIR; do
  check "$key comes from the prefix" "grep -q '^$key:[A-Z]*=$TMP/deps/' $C"
done
check "env.sh points artic-run at the GPU build and the unpacked mpirun" \
  "grep -q 'ARTIC_BIN=$TMP/build/artic' $TMP/build/env.sh && grep -q 'MPIRUN=$TMP/deps/usr/bin/mpirun' $TMP/build/env.sh && [[ -x $TMP/deps/usr/bin/mpirun ]]"
finish gpu_configure_test
