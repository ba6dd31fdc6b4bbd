#!/usr/bin/env bash
# A Debian 13 (trixie) root with LibTorch 2.6 and artic's other dependencies, made with debootstrap
# in a cache folder outside the checkout and reused while its package list is unchanged
# (docs/testing.md, "The LibTorch 2.x leg"). Needs root (debootstrap, chroot, mounts).
# Usage: launch/trixie-root.sh ensure [ROOT]        make or update the root, print its path
#        launch/trixie-root.sh ensure-cuda [ROOT]   the same with LibTorch 2.6 and PyTorch 2.6 for
#                                                   CUDA 12.4, NCCL 2.22 and nvcc instead of the
#                                                   CPU LibTorch
#                                                   (a copy of the CPU root; 12 GB)
#        launch/trixie-root.sh run ROOT DIR CMD...  run CMD in the root with the checkout DIR
#                                                   bound at /artic (proc, sys, dev mounted)
#        launch/trixie-root.sh remove ROOT          unmount what is left mounted, then delete it
# ROOT defaults to $ARTIC_TRIXIE_ROOT or /var/cache/artic/trixie-libtorch2 (-cuda for ensure-cuda).
set -euo pipefail
cd "$(dirname "$0")/.."

# What the 2.x leg builds and tests with: the compiler, LibTorch 2.6 (CPU) and python3-torch 2.6
# for the model oracle, the same libraries as launch/install-deps.sh, and the integration tests'
# tools (espeak-ng and speech-tools for the prep fixture, curl, procps, Prometheus, Slurm,
# strace) and GNU time for bench/.
PACKAGES=(
  g++ cmake ninja-build pkg-config ccache
  libtorch-dev libopenblas0-openmp
  libopenmpi-dev openmpi-bin
  libhdf5-dev nlohmann-json3-dev libboost-dev libtomlplusplus-dev prometheus-cpp-dev libmicrohttpd-dev
  libxxhash-dev libgtest-dev libcli11-dev libsndfile1-dev libsamplerate0-dev
  python3-numpy python3-h5py python3-torch python3-scipy python3-matplotlib
  espeak-ng speech-tools curl procps time strace
  prometheus prometheus-pushgateway slurm-wlm munge
)

# The CUDA root: these replace libtorch-dev and python3-torch (apt removes them: they conflict).
CUDA_PACKAGES=(libtorch-cuda-dev python3-torch-cuda libnccl-dev nvidia-cuda-toolkit)

die() {
  echo "trixie-root: $*" >&2
  exit 2
}

# The mirror this machine's apt uses (trixie is on the same one).
mirror() {
  local uri
  uri=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources 2> /dev/null |
    grep -v security | head -1 || true)
  [[ -z $uri ]] && uri=$(awk '$1 == "deb" && $2 !~ /security/ {print $2; exit}' \
    /etc/apt/sources.list 2> /dev/null || true)
  echo "${uri:-http://deb.debian.org/debian}"
}

mount_all() {  # mount_all ROOT [DIR]
  local root=$1 dir=${2:-}
  umount_all "$root"  # what a killed run left mounted
  mount -t proc proc "$root/proc"
  mount --rbind /sys "$root/sys"
  mount --make-rslave "$root/sys"
  mount --rbind /dev "$root/dev"
  mount --make-rslave "$root/dev"
  mkdir -p "$root/artic"
  [[ -n $dir ]] && mount --bind "$dir" "$root/artic"
  return 0
}

umount_all() {  # umount_all ROOT
  local root=$1 m
  for m in artic dev sys proc; do
    if mountpoint -q "$root/$m"; then umount -R "$root/$m" || umount -R -l "$root/$m"; fi
  done
}

in_root() {  # in_root ROOT CMD...
  local root=$1
  shift
  chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "$@"
}

# up_to_date ROOT WANT: whether the root was last made from what WANT hashes (then says so).
up_to_date() {
  [[ -f $1/etc/artic-root-packages && $(cat "$1/etc/artic-root-packages") == "$2" ]] || return 1
  echo "trixie-root: $1 is up to date (cached)" >&2
}

ensure() {  # ensure ROOT
  local root=$1 want
  [[ $(id -u) -eq 0 ]] || die "needs root (debootstrap, chroot, mounts); run it with sudo"
  want=$(printf '%s\n' "${PACKAGES[@]}" | sort | sha256sum | cut -c1-16)
  if up_to_date "$root" "$want"; then
    echo "$root"
    return
  fi
  if [[ ! -x $root/usr/bin/apt-get ]]; then
    command -v debootstrap > /dev/null || die "debootstrap is missing (launch/install-deps.sh)"
    rm -rf "$root.partial"
    mkdir -p "$(dirname "$root")"
    echo "trixie-root: debootstrap trixie from $(mirror) into $root" >&2
    debootstrap --variant=minbase --components=main,contrib,non-free trixie "$root.partial" \
      "$(mirror)" > "$root.debootstrap.log" 2>&1 ||
      die "debootstrap failed; the end of $root.debootstrap.log: $(tail -3 "$root.debootstrap.log")"
    mv "$root.partial" "$root"
  fi
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  echo "trixie-root: installing ${#PACKAGES[@]} packages in $root" >&2
  mount_all "$root"
  trap 'umount_all "$root"' EXIT
  in_root "$root" apt-get update -qq
  in_root "$root" apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" > /dev/null
  umount_all "$root"
  trap - EXIT
  echo "$want" > "$root/etc/artic-root-packages"
  echo "$root"
}

# libtorch-cuda-2.6 depends on nvidia-cudnn, an installer that downloads cuDNN from NVIDIA at
# install time (it cannot work offline): an empty package of that name stands in for it. What
# libtorch_cuda.so then lacks is libcudnn.so.9 itself: launch/cudnn-stand-in.sh makes one.
ensure_cuda() {  # ensure_cuda ROOT
  local root=$1 cpu want
  want=$({ printf '%s\n' "${PACKAGES[@]}" "${CUDA_PACKAGES[@]}" | sort; cat launch/cudnn-stand-in.sh; } |
    sha256sum | cut -c1-16)
  if up_to_date "$root" "$want"; then
    echo "$root"
    return
  fi
  if [[ ! -x $root/usr/bin/apt-get ]]; then
    cpu=$(ensure "${ARTIC_TRIXIE_ROOT:-/var/cache/artic/trixie-libtorch2}")
    echo "trixie-root: copying $cpu to $root" >&2
    rm -rf "$root.partial"
    # Not the mount points: the CPU root may be in use (its /proc, /sys, /dev and /artic mounted).
    mkdir -p "$root.partial"
    local entry
    for entry in "$cpu"/* "$cpu"/.[!.]*; do
      [[ -e $entry ]] || continue
      case ${entry##*/} in
        proc | sys | dev | artic) mkdir -p "$root.partial/${entry##*/}" ;;
        *) cp -a "$entry" "$root.partial/" ;;
      esac
    done
    mv "$root.partial" "$root"
  fi
  mkdir -p "$root/tmp/nvidia-cudnn/DEBIAN"
  cat > "$root/tmp/nvidia-cudnn/DEBIAN/control" << 'CONTROL'
Package: nvidia-cudnn
Version: 9.99~artic-stand-in
Architecture: amd64
Maintainer: artic <artic@localhost>
Description: empty stand-in for the cuDNN download installer (no network here)
CONTROL
  cp launch/cudnn-stand-in.sh "$root/artic-cudnn-stand-in.sh"
  mount_all "$root"
  trap 'umount_all "$root"' EXIT
  in_root "$root" dpkg-deb --build /tmp/nvidia-cudnn /tmp/nvidia-cudnn.deb > /dev/null
  in_root "$root" dpkg -i /tmp/nvidia-cudnn.deb > /dev/null
  in_root "$root" apt-get update -qq
  echo "trixie-root: installing ${CUDA_PACKAGES[*]} in $root" >&2
  local p others=()
  for p in "${PACKAGES[@]}"; do
    [[ $p == libtorch-dev || $p == python3-torch ]] || others+=("$p")
  done
  in_root "$root" apt-get install -y -qq --no-install-recommends "${others[@]}" \
    "${CUDA_PACKAGES[@]}" > /dev/null
  echo "trixie-root: a stand-in libcudnn.so.9 in $root/usr/local/lib" >&2
  in_root "$root" bash /artic-cudnn-stand-in.sh >&2
  umount_all "$root"
  trap - EXIT
  echo "$want" > "$root/etc/artic-root-packages"
  echo "$root"
}

cmd=${1:-}
shift || true
case $cmd in
  ensure) ensure "${1:-${ARTIC_TRIXIE_ROOT:-/var/cache/artic/trixie-libtorch2}}" ;;
  ensure-cuda) ensure_cuda "${1:-${ARTIC_TRIXIE_CUDA_ROOT:-/var/cache/artic/trixie-libtorch2-cuda}}" ;;
  remove)
    # Never plain rm -rf: a root a killed run left mounted would take the host's /dev with it.
    (($# == 1)) || die "usage: trixie-root.sh remove ROOT"
    [[ -f $1/etc/artic-root-packages || -d $1.partial ]] || die "$1 is not a root this script made"
    umount_all "$1"
    ! grep -q " $1/" /proc/mounts || die "$1 still has mounts inside; not removing it"
    rm -rf --one-file-system "$1" "$1.partial" "$1.debootstrap.log"
    ;;
  run)
    (($# >= 3)) || die "usage: trixie-root.sh run ROOT DIR CMD..."
    root=$1 dir=$(cd "$2" && pwd)
    shift 2
    [[ -x $root/usr/bin/g++ ]] || die "$root is not a prepared root (run: trixie-root.sh ensure $root)"
    mount_all "$root" "$dir"
    trap 'umount_all "$root"' EXIT
    in_root "$root" "$@"
    ;;
  *) sed -n '2,13p' "$0" >&2; exit 2 ;;
esac
