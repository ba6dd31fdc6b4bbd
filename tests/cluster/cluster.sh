#!/usr/bin/env bash
# A cluster on one machine: N "nodes" (default 3), each a network namespace with its own UTS
# host name and an address on a private Linux bridge, so that real Open MPI and real Slurm see
# separate machines (own network stack, own host name) sharing one file system, as on a cluster
# with a shared file system. Needs root (or CAP_SYS_ADMIN + CAP_NET_ADMIN) and iproute2.
#
#   cluster.sh up [N]          make nodes 1..N (removes a leftover cluster first)
#   cluster.sh down            remove every node, the bridge and the host entries
#   cluster.sh exec NODE CMD   run CMD on node NODE (1..N, or its name or address)
#   cluster.sh check           print why a cluster cannot be made here (nothing when it can)
#   cluster.sh hosts           print "name address" per node
#
# Or source it for the functions cluster_up, cluster_down, cluster_exec, cluster_check,
# cluster_name I, cluster_addr I. Nodes are named $ARTIC_CLUSTER-n<i> (default "ac-n1"...) with
# addresses 10.213.0.<10+i>/24; traffic stays on the bridge (no address in the host namespace,
# no route out). /etc/hosts gets one marked line per node, removed by `down`.
ARTIC_CLUSTER=${ARTIC_CLUSTER:-ac}
CLUSTER_STATE=/run/artic-cluster/$ARTIC_CLUSTER
CLUSTER_BRIDGE=$ARTIC_CLUSTER-br0
CLUSTER_MARK="# artic-cluster $ARTIC_CLUSTER"

# Reachable: a TCP connection to a closed port is refused (not timed out).
CLUSTER_PROBE='
import socket, sys
try:
    socket.create_connection((sys.argv[1], 9), timeout=3)
except ConnectionRefusedError:
    sys.exit(0)
except OSError:
    sys.exit(1)
'

cluster_name() { echo "$ARTIC_CLUSTER-n$1"; }
cluster_addr() { echo "10.213.0.$((10 + $1))"; }

# Why a cluster cannot be made here (empty when it can).
cluster_check() {
  local t
  for t in ip nsenter unshare; do
    command -v "$t" > /dev/null || { echo "$t is not installed (apt-get install iproute2 util-linux)"; return; }
  done
  [[ $(id -u) -eq 0 ]] || { echo "making network namespaces needs root"; return; }
  if ! ip netns add "$ARTIC_CLUSTER-probe" 2> /dev/null; then
    echo "cannot create a network namespace (no CAP_SYS_ADMIN/CAP_NET_ADMIN in this container?)"
    return
  fi
  ip netns del "$ARTIC_CLUSTER-probe"
  if ! ip link add "$ARTIC_CLUSTER-probe" type bridge 2> /dev/null; then
    echo "cannot create a Linux bridge (no bridge support in this kernel?)"
    return
  fi
  ip link del "$ARTIC_CLUSTER-probe"
}

cluster_nodes() { cat "$CLUSTER_STATE/nodes" 2> /dev/null || echo 0; }

# Node index from 1..N, a node name or an address.
cluster_index() {
  local n i
  n=$(cluster_nodes)
  for ((i = 1; i <= n; ++i)); do
    if [[ $1 == "$i" || $1 == "$(cluster_name "$i")" || $1 == "$(cluster_addr "$i")" ]]; then
      echo "$i"
      return 0
    fi
  done
  echo "cluster: no node '$1' (nodes 1..$n)" >&2
  return 1
}

cluster_exec() {
  local i
  i=$(cluster_index "$1") || return 2
  shift
  nsenter --net="/run/netns/$(cluster_name "$i")" --uts="$CLUSTER_STATE/uts-$i" -- "$@"
}

cluster_down() {
  local i n name pids
  n=$(cluster_nodes)
  for ((i = 1; i <= n || i <= 16; ++i)); do
    name=$(cluster_name "$i")
    # The link first: a namespace can outlive its name while sockets to an unreachable peer
    # linger in it, and would keep the link (and its name) with it.
    ip link del "$name-h" 2> /dev/null
    [[ -e /run/netns/$name ]] || continue
    # Whatever still runs on the node (ranks, daemons) goes with it.
    pids=$(ip netns pids "$name" 2> /dev/null)
    [[ -n $pids ]] && kill -9 $pids 2> /dev/null
    ip netns del "$name" 2> /dev/null
    if [[ -e $CLUSTER_STATE/uts-$i ]]; then
      umount "$CLUSTER_STATE/uts-$i" 2> /dev/null
      rm -f "$CLUSTER_STATE/uts-$i"
    fi
  done
  ip link del "$CLUSTER_BRIDGE" 2> /dev/null
  if grep -q "$CLUSTER_MARK" /etc/hosts 2> /dev/null; then
    # /etc/hosts is often a bind mount in containers: rewrite it in place, never replace it.
    local kept
    kept=$(grep -v "$CLUSTER_MARK" /etc/hosts)
    printf '%s\n' "$kept" > /etc/hosts
  fi
  rm -rf "$CLUSTER_STATE"
  return 0
}

cluster_up() {
  local n=${1:-3} i name why
  why=$(cluster_check)
  [[ -z $why ]] || { echo "cluster: $why" >&2; return 1; }
  ((n >= 1 && n <= 16)) || { echo "cluster: 1 to 16 nodes, not '$n'" >&2; return 1; }
  cluster_down
  mkdir -p "$CLUSTER_STATE"
  echo "$n" > "$CLUSTER_STATE/nodes"
  ip link add "$CLUSTER_BRIDGE" type bridge || return 1
  ip link set "$CLUSTER_BRIDGE" up || return 1
  for ((i = 1; i <= n; ++i)); do
    name=$(cluster_name "$i")
    ip netns add "$name" || return 1
    ip link add "$name-h" type veth peer name eth0 netns "$name" || return 1
    ip link set "$name-h" master "$CLUSTER_BRIDGE" up || return 1
    ip -n "$name" link set lo up || return 1
    ip -n "$name" addr add "$(cluster_addr "$i")/24" dev eth0 || return 1
    ip -n "$name" link set eth0 up || return 1
    # A persistent UTS namespace with the node's host name, entered together with the netns.
    touch "$CLUSTER_STATE/uts-$i"
    unshare --uts="$CLUSTER_STATE/uts-$i" hostname "$name" || return 1
    echo "$(cluster_addr "$i") $name $CLUSTER_MARK" >> /etc/hosts
  done
  # Every node reaches every other one before anyone relies on it.
  local j
  for ((i = 1; i <= n; ++i)); do
    for ((j = 1; j <= n; ++j)); do
      ((i == j)) && continue
      cluster_exec "$i" /usr/bin/python3 -c "$CLUSTER_PROBE" "$(cluster_addr "$j")" || {
        echo "cluster: node $i cannot reach node $j over $CLUSTER_BRIDGE" >&2
        return 1
      }
    done
  done
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  case ${1:-} in
    up) cluster_up "${2:-3}" ;;
    down) cluster_down ;;
    exec) shift; cluster_exec "$@" ;;
    check) cluster_check ;;
    hosts)
      for ((i = 1; i <= $(cluster_nodes); ++i)); do echo "$(cluster_name "$i") $(cluster_addr "$i")"; done ;;
    *) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
fi
