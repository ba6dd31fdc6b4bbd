#!/usr/bin/env bash
# A checkpoint written by the LibTorch 1.13 build is read by the 2.x build, and the reverse:
# parameters, AdamW moments and steps, options, training step and sampler position come back bit
# for bit (tests/unit/checkpoint_portability.cpp). The 2.x build runs in the trixie root.
# Usage: checkpoint_portability_test.sh HOST_BUILD ROOT   (run by launch/test-libtorch2.sh after
#        build-torch2/ is built; needs root for the chroot)
set -uo pipefail
HERE=$(cd "$(dirname "$0")/../.." && pwd)
HOST=$1/tests/checkpoint_portability
ROOT=$2
DIR=build-torch2/portability
# shellcheck source-path=SCRIPTDIR source=../lib/checks.sh
source "$HERE/tests/lib/checks.sh"
cd "$HERE"
[[ -x $HOST ]] || { echo "no $HOST: build the Debian 12 (LibTorch 1.13) build first"; exit 1; }
rm -rf "$DIR" && mkdir -p "$DIR/by-host" "$DIR/by-torch2"
in_root() { bash launch/trixie-root.sh run "$ROOT" . /artic/build-torch2/tests/checkpoint_portability "$@"; }

check "the 1.13 build writes a checkpoint" "$HOST write $DIR/by-host"
check "the 2.x build reads it bit for bit" "in_root read /artic/$DIR/by-host"
check "the 2.x build writes a checkpoint" "in_root write /artic/$DIR/by-torch2"
check "the 1.13 build reads it bit for bit" "$HOST read $DIR/by-torch2"
versions=$(sed -n 's/^ *"torch": "\(.*\)",*$/\1/p' "$DIR"/by-*/expected.json | sort -u | tr '\n' ' ')
check "two LibTorch versions took part: $versions" "[[ \$(wc -w <<< '$versions') -eq 2 ]]"
finish checkpoint_portability_test
