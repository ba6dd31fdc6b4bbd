# Sourced by the cluster tests, after cluster.sh and cluster_up: a real Slurm on the simulated
# cluster (Debian's slurm-wlm and munge): slurmctld on node 1, one slurmd per node in that node's
# namespaces (same ports, own addresses), one munged whose socket every node sees (shared file
# system), two fake GPUs per node (gres on /dev/tty0-1) and each node's CPUs as this machine's.
# Partitions: "gpu" (default) holds the nodes with GPUs, "cpu" the last node, which has none
# (with SLURM_CPU_NODE=1 and at least 2 nodes), for scripts that must also run on CPU-only nodes;
# "all" holds every node (room to requeue a job after losing one).
#   slurm_nodes_missing        prints what is not installed (empty when all is there)
#   slurm_nodes_start DIR      starts the daemons; exports SLURM_CONF; returns 1 if they do not come up
#   slurm_nodes_stop           stops every daemon started, by pid
#   on_head CMD...             runs a Slurm client (sbatch, scontrol, ...) on node 1
#   slurm_nodes_wait_job ID S  waits until the job has ended; prints its final state
# shellcheck source-path=SCRIPTDIR source=../lib/slurm.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/slurm.sh"

slurm_nodes_missing() { slurm_missing; }

on_head() { cluster_exec 1 "$@"; }

slurm_nodes_start() {
  SLURM_NODES_DIR=$1
  local n i names
  n=$(cluster_nodes)
  mkdir -p "$SLURM_NODES_DIR"/{munge,state,log}
  chmod 700 "$SLURM_NODES_DIR/munge"
  mungekey --create --keyfile "$SLURM_NODES_DIR/munge/munge.key" || return 1
  munged --force -S "$SLURM_NODES_DIR/munge/munge.sock" \
    --key-file "$SLURM_NODES_DIR/munge/munge.key" --pid-file "$SLURM_NODES_DIR/munge/munged.pid" \
    --seed-file "$SLURM_NODES_DIR/munge/seed" --log-file "$SLURM_NODES_DIR/munge/munged.log" ||
    return 1
  {
    cat << CONF
ClusterName=articnodes
SlurmctldHost=$(cluster_name 1)($(cluster_addr 1))
SlurmctldPort=6817
SlurmdPort=6818
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SLURM_NODES_DIR/munge/munge.sock,cred_expire=10
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$SLURM_NODES_DIR/state
SlurmdSpoolDir=$SLURM_NODES_DIR/spool-%n
# Node-local scratch (PMIx puts per-step directories there, named the same on every node).
TmpFS=$SLURM_NODES_DIR/tmp-%n
SlurmctldPidFile=$SLURM_NODES_DIR/slurmctld.pid
SlurmdPidFile=$SLURM_NODES_DIR/slurmd-%n.pid
SlurmctldLogFile=$SLURM_NODES_DIR/log/slurmctld.log
SlurmdLogFile=$SLURM_NODES_DIR/log/slurmd-%n.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
SlurmdTimeout=20
MpiDefault=none
SchedulerParameters=sched_interval=1
GresTypes=gpu
CONF
    local gpu_nodes=$n gres
    [[ ${SLURM_CPU_NODE:-0} == 1 ]] && ((n >= 2)) && gpu_nodes=$((n - 1))
    for ((i = 1; i <= n; ++i)); do
      gres=$( ((i <= gpu_nodes)) && echo " Gres=gpu:2")
      echo "NodeName=$(cluster_name "$i") NodeAddr=$(cluster_addr "$i") CPUs=$(nproc)$gres State=UNKNOWN"
    done
    names="$(cluster_name 1)"
    for ((i = 2; i <= gpu_nodes; ++i)); do names+=",$(cluster_name "$i")"; done
    echo "PartitionName=gpu Nodes=$names Default=YES MaxTime=INFINITE State=UP"
    ((gpu_nodes < n)) && echo "PartitionName=cpu Nodes=$(cluster_name "$n") MaxTime=INFINITE State=UP"
    local all
    all="$(cluster_name 1)"
    for ((i = 2; i <= n; ++i)); do all+=",$(cluster_name "$i")"; done
    echo "PartitionName=all Nodes=$all MaxTime=INFINITE State=UP"
    echo "NodeName=$names Name=gpu File=/dev/tty[0-1]" > "$SLURM_NODES_DIR/gres.conf"
  } > "$SLURM_NODES_DIR/slurm.conf"
  for ((i = 1; i <= n; ++i)); do
    mkdir -p "$SLURM_NODES_DIR/spool-$(cluster_name "$i")" "$SLURM_NODES_DIR/tmp-$(cluster_name "$i")"
  done
  export SLURM_CONF=$SLURM_NODES_DIR/slurm.conf
  on_head slurmctld -i || return 1
  for ((i = 1; i <= n; ++i)); do
    cluster_exec "$i" slurmd -N "$(cluster_name "$i")" || return 1
  done
  for i in $(seq 1 60); do
    # (sinfo -N lists a node once per partition it is in.)
    [[ $(on_head sinfo -h -N -o '%N %T' 2> /dev/null | sort -u | grep -c ' idle$') -eq $n ]] && return 0
    sleep 0.5
  done
  echo "slurm did not come up on $n nodes; sinfo and logs:" >&2
  on_head sinfo -N >&2
  tail -n 20 "$SLURM_NODES_DIR"/log/*.log >&2
  return 1
}

slurm_nodes_stop() {
  [[ -n ${SLURM_NODES_DIR:-} ]] || return 0
  slurm_stop_pids "$SLURM_NODES_DIR"/slurmd-*.pid "$SLURM_NODES_DIR/slurmctld.pid" \
    "$SLURM_NODES_DIR/munge/munged.pid"
}

slurm_nodes_wait_job() { slurm_wait_job "$1" "$2" on_head; }
