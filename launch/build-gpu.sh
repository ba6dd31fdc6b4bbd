#!/usr/bin/env bash
# Builds artic against a CUDA LibTorch (the one inside the machine's PyTorch by default) with the
# NCCL backend, into build-gpu/ (docs/gpu.md). The other libraries come from the system (apt,
# launch/install-deps.sh) or, with --debs, from Debian 12 .deb files unpacked into a prefix
# (launch/fetch-debs.sh makes the folder on a machine with apt).
# Usage: launch/build-gpu.sh [--debs DIR] [--prefix DIR=.deps] [--build DIR=build-gpu]
#                            [--torch CMAKE_PREFIX] [--arch 90] [--no-tests] [--configure-only]
# Afterwards: source BUILD/env.sh (library paths, OPAL_PREFIX for the unpacked Open MPI).
set -euo pipefail
cd "$(dirname "$0")/.."
DEBS=""
PREFIX=$PWD/.deps
BUILD=build-gpu
TORCH=""
ARCH=90
TESTS=ON
CONFIGURE_ONLY=0
while (($#)); do
  case $1 in
    --debs) DEBS=$2; shift ;;
    --prefix) PREFIX=$2; shift ;;
    --build) BUILD=$2; shift ;;
    --torch) TORCH=$2; shift ;;
    --arch) ARCH=$2; shift ;;
    --no-tests) TESTS=OFF ;;
    --configure-only) CONFIGURE_ONLY=1 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "build-gpu: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
PY=${PYTHON:-python3}
if [[ -z $TORCH ]]; then
  TORCH=$("$PY" -c 'import torch; print(torch.utils.cmake_prefix_path)') || {
    echo "build-gpu: no PyTorch for $PY; pass --torch /path/to/libtorch/share/cmake" >&2
    exit 2
  }
fi
ARGS=(-DCMAKE_BUILD_TYPE=Release "-DCMAKE_CUDA_ARCHITECTURES=$ARCH" "-DARTIC_BUILD_TESTS=$TESTS")
# The test oracles run with the Python that holds this machine's PyTorch (numpy, h5py, torch).
ORACLE=$(command -v "$PY" || true)
[[ -n $ORACLE ]] && ARGS+=("-DARTIC_ORACLE_PYTHON=$ORACLE")
PREFIXES=("$TORCH")
LIBPATH=()
ENV_LINES=()

# NCCL: the nvidia-nccl wheel PyTorch was built with, so that one NCCL is loaded (LibTorch's
# libtorch_cuda already links it); CUDA's own only for a LibTorch without that wheel.
if [[ -z ${NCCL_ROOT:-} ]]; then
  NCCL_ROOT=$(bash launch/find-nccl.sh "$PY" || true)
  if [[ -z $NCCL_ROOT ]] && "$PY" -c 'import sys, torch; sys.exit(torch.version.cuda is None)' 2> /dev/null; then
    echo "build-gpu: $PY's CUDA PyTorch has no nvidia-nccl wheel; set NCCL_ROOT to the NCCL it" \
      "links, or CUDA's own will be used" >&2
  fi
fi
# CMake's CUDA language (LibTorch's CMake package enables it) needs nvcc.
if [[ -z ${CUDACXX:-} ]]; then
  CUDACXX=$(command -v nvcc || true)
  [[ -z $CUDACXX && -x /usr/local/cuda/bin/nvcc ]] && CUDACXX=/usr/local/cuda/bin/nvcc
  [[ -n $CUDACXX ]] && export CUDACXX
fi
if [[ -n ${NCCL_ROOT:-} ]]; then
  ARGS+=("-DNCCL_ROOT=$NCCL_ROOT" "-DNCCL_INCLUDE_DIR=$NCCL_ROOT/include")
  lib=$(ls "$NCCL_ROOT"/lib/libnccl.so* 2> /dev/null | head -1 || true)
  [[ -n $lib ]] && ARGS+=("-DNCCL_LIBRARY=$lib") && LIBPATH+=("$NCCL_ROOT/lib")
fi

if [[ -n $DEBS ]]; then
  mkdir -p "$PREFIX"
  PREFIX=$(cd "$PREFIX" && pwd)
  for f in "$DEBS"/*.deb; do dpkg -x "$f" "$PREFIX"; done
  U=$PREFIX/usr
  L=$U/lib/x86_64-linux-gnu
  # Absolute symlinks inside the packages point at /usr: re-point them into the prefix.
  find "$PREFIX" -type l -lname '/usr/*' | while read -r link; do
    ln -sfn "$PREFIX$(readlink "$link")" "$link"
  done
  # NCCL over InfiniBand must use the host's verbs stack (its drivers and providers match the
  # host's kernel and adapters): drop the unpacked copies where the host has its own.
  if ldconfig -p | grep -q 'libibverbs.so.1 '; then
    rm -rf "$L"/libibverbs.so* "$L"/librdmacm.so* "$L/libibverbs" "$L/rdma"
  fi
  # Debian makes mpirun, mpiexec and mpicxx with update-alternatives, which dpkg -x does not run.
  for tool in mpirun mpiexec mpicxx orterun; do
    [[ -e $U/bin/$tool || ! -e $U/bin/$tool.openmpi ]] || ln -s "$tool.openmpi" "$U/bin/$tool"
  done
  # The .pc files say prefix=/usr: look only in the prefix and read their paths inside it.
  export PKG_CONFIG_LIBDIR=$L/pkgconfig:$U/share/pkgconfig PKG_CONFIG_SYSROOT_DIR=$PREFIX
  export OPAL_PREFIX=$U
  export LD_LIBRARY_PATH=$L:$L/openmpi/lib:$L/hdf5/serial${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  PREFIXES+=("$U")
  LIBPATH+=("$L" "$L/openmpi/lib" "$L/hdf5/serial")
  ARGS+=("-DMPI_CXX_COMPILER=$U/bin/mpicxx.openmpi" "-DMPIEXEC_EXECUTABLE=$U/bin/mpirun.openmpi"
         "-DHDF5_C_COMPILER_EXECUTABLE=$U/bin/h5cc-not-used" "-DHDF5_C_INCLUDE_DIR=$U/include/hdf5/serial"
         "-DHDF5_C_LIBRARY_hdf5=$L/hdf5/serial/libhdf5.so"
         "-DHDF5_C_LIBRARY_m=$(ls /usr/lib/x86_64-linux-gnu/libm.so* /lib/x86_64-linux-gnu/libm.so* 2> /dev/null | head -1)"
         "-DPKG_CONFIG_USE_CMAKE_PREFIX_PATH=ON")
  ENV_LINES+=("export OPAL_PREFIX=$U" "export PATH=$U/bin:\$PATH" "export MPIRUN=$U/bin/mpirun")
fi

cmake -S . -B "$BUILD" -G Ninja "${ARGS[@]}" "-DCMAKE_PREFIX_PATH=$(IFS=';'; echo "${PREFIXES[*]}")"
((CONFIGURE_ONLY)) || cmake --build "$BUILD"
{
  echo "# source this before running $BUILD/artic (made by launch/build-gpu.sh)"
  # launch/artic-run and bench/run.sh then start this build, not build/artic.
  echo "export ARTIC_BIN=$(cd "$BUILD" && pwd)/artic"
  for line in "${ENV_LINES[@]}"; do echo "$line"; done
  if ((${#LIBPATH[@]})); then
    echo "export LD_LIBRARY_PATH=$(IFS=:; echo "${LIBPATH[*]}")\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
  fi
} > "$BUILD/env.sh"
echo "build-gpu: built $BUILD/artic against $TORCH; source $BUILD/env.sh before running it"
grep -q "ARTIC_HAVE_NCCL:INTERNAL=ON\|NCCL backend enabled" "$BUILD/CMakeCache.txt" 2> /dev/null \
  || grep -q "NCCL_LIBRARY:FILEPATH=/" "$BUILD/CMakeCache.txt" \
  || echo "build-gpu: warning: NCCL was not found; set NCCL_ROOT" >&2
