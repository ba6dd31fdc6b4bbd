#!/usr/bin/env bash
# Installs artic's build, run and test dependencies from Debian 12's apt, by name.
# Idempotent: when every package is already installed it returns without touching apt.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  libtorch-dev libopenblas0-openmp
  libopenmpi-dev openmpi-bin
  libhdf5-dev
  nlohmann-json3-dev
  libboost-dev  # Boost.Math (header-only): the t distribution of artic compare's Welch test
  libtomlplusplus-dev
  prometheus-cpp-dev libmicrohttpd-dev
  libxxhash-dev
  libgtest-dev
  libcli11-dev
  libsndfile1-dev libsamplerate0-dev
  python3-numpy python3-h5py python3-torch python3-scipy  # test oracles (scipy: statistics)
  python3-matplotlib  # bench/study_figures.py: docs/experiments.md's figures
  clang libclang-rt-14-dev llvm  # launch/test-sanitize.sh: ASan + UBSan, libFuzzer, symbolizer
  # Test inputs for `artic prep`: real speech (espeak-ng) and real EST track files (ch_track).
  espeak-ng speech-tools
  # Real services the integration tests start privately (their own ports, sockets, temp dirs):
  # Prometheus + promtool + push gateway, and a single-node Slurm. On a machine with systemd,
  # apt also enables the packages' system services; stop them if you do not want them.
  prometheus prometheus-pushgateway curl
  slurm-wlm munge
  # The simulated cluster (tests/cluster): nodes as network namespaces, links shaped with tc.
  iproute2 util-linux
  # The LibTorch 2.x leg (launch/test-libtorch2.sh): a Debian 13 root made with debootstrap.
  debootstrap
  # tests/integration/run_safety_test.sh: SIGKILL at an exact write (strace's fault injection).
  strace
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
