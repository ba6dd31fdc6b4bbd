#!/usr/bin/env bash
# Downloads the Debian 12 packages artic builds and runs with, except LibTorch and CUDA (which
# come with PyTorch on a GPU machine), into a folder, for a machine without package access:
# carry the folder there and build with launch/build-gpu.sh --debs DIR (docs/gpu.md).
# About 15 MB. Run on a Debian 12 (amd64) machine with apt.
# Usage: launch/fetch-debs.sh [DIR=.debs]
set -euo pipefail
DIR=${1:-.debs}
PACKAGES=(
  # MPI (Open MPI 4.1 with its runtime dependencies and transports)
  libopenmpi-dev libopenmpi3 openmpi-bin openmpi-common libpmix2 libevent-core-2.1-7
  libevent-pthreads-2.1-7 libevent-2.1-7 libhwloc15 libfabric1 libucx0 libibverbs1 librdmacm1
  libnl-3-200 libnl-route-3-200 libpsm2-2 libpsm-infinipath1 libnuma1
  # HDF5
  libhdf5-dev libhdf5-103-1 libhdf5-hl-100 libhdf5-cpp-103-1 libaec0 libsz2
  # config, metrics (prometheus-cpp's CMake package needs libcurl's development files, and its
  # push library libcurl at run time), the /metrics server, checksums, CLI
  libtomlplusplus-dev libtomlplusplus3 prometheus-cpp-dev libprometheus-cpp-core1.0
  libprometheus-cpp-pull1.0 libprometheus-cpp-push1.0 libcli11-dev
  libcurl4-openssl-dev libcurl4 libnghttp2-14 librtmp1 libssh2-1 libpsl5 libbrotli1
  libldap-2.5-0 libsasl2-2 libsasl2-modules-db libgssapi-krb5-2 libkrb5-3 libk5crypto3
  libkrb5support0 libkeyutils1
  libmicrohttpd-dev libmicrohttpd12 libgnutls30 libnettle8 libhogweed6 libp11-kit0 libtasn1-6
  libidn2-0 libunistring2 libgmp10
  libxxhash-dev libxxhash0
  # typed run records (header only)
  nlohmann-json3-dev
  # audio for artic prep
  libsndfile1-dev libsndfile1 libflac12 libogg0 libvorbis0a libvorbisenc2 libopus0 libmpg123-0
  libmp3lame0 libsamplerate0-dev libsamplerate0
  libflac-dev libogg-dev libvorbis-dev libopus-dev libmpg123-dev libmp3lame-dev  # sndfile.pc needs their .pc
  # tests
  libgtest-dev libgmock-dev googletest
)
mkdir -p "$DIR"
cd "$DIR"
apt-get download "${PACKAGES[@]}"
echo "fetch-debs: $(ls ./*.deb | wc -l) packages, $(du -sh . | cut -f1) in $(pwd)"
