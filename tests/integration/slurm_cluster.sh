# Sourced by the Slurm tests: a real single-node Slurm (munged, slurmctld, slurmd from Debian's
# slurm-wlm and munge) in a temp dir, with private ports and sockets, two fake GPUs (gres on
# /dev/tty0-1, so --gpus-per-task works) and the machine's real CPU count.
#   slurm_missing          prints what is not installed (empty when all is there)
#   slurm_start DIR        starts the daemons; exports SLURM_CONF; returns 1 if they do not come up
#   slurm_stop             stops every daemon slurm_start started, by pid
#   slurm_wait_job ID SECS waits until the job has ended; prints its final state
# (slurm_missing, slurm_job_state and slurm_wait_job come from tests/lib/slurm.sh.)
# shellcheck source-path=SCRIPTDIR source=../lib/slurm.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/slurm.sh"

slurm_free_port() {
  "${PY:-/usr/bin/python3}" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

slurm_start() {
  SLURM_DIR=$1
  mkdir -p "$SLURM_DIR"/{munge,state,spool,log}
  chmod 700 "$SLURM_DIR/munge"
  mungekey --create --keyfile "$SLURM_DIR/munge/munge.key" || return 1
  munged --force -S "$SLURM_DIR/munge/munge.sock" --key-file "$SLURM_DIR/munge/munge.key" \
    --pid-file "$SLURM_DIR/munge/munged.pid" --seed-file "$SLURM_DIR/munge/seed" \
    --log-file "$SLURM_DIR/munge/munged.log" || return 1
  local cport dport
  cport=$(slurm_free_port)
  dport=$(slurm_free_port)
  cat > "$SLURM_DIR/slurm.conf" << CONF
ClusterName=artictest
SlurmctldHost=localhost
SlurmctldPort=$cport
SlurmdPort=$dport
AuthType=auth/munge
CredType=cred/munge
# cred_expire also sets how long a requeued job waits before it starts again (default 120 s).
AuthInfo=socket=$SLURM_DIR/munge/munge.sock,cred_expire=10
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$SLURM_DIR/state
SlurmdSpoolDir=$SLURM_DIR/spool
SlurmctldPidFile=$SLURM_DIR/slurmctld.pid
SlurmdPidFile=$SLURM_DIR/slurmd.pid
SlurmctldLogFile=$SLURM_DIR/log/slurmctld.log
SlurmdLogFile=$SLURM_DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
MpiDefault=none
SchedulerParameters=sched_interval=1
GresTypes=gpu
NodeName=localhost CPUs=$(nproc) Gres=gpu:2 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
  echo "Name=gpu File=/dev/tty[0-1]" > "$SLURM_DIR/gres.conf"
  export SLURM_CONF=$SLURM_DIR/slurm.conf
  slurmctld -i || return 1
  slurmd -N localhost || return 1
  local i
  for i in $(seq 1 60); do
    sinfo -h -o %T 2> /dev/null | grep -q idle && return 0
    sleep 0.5
  done
  echo "slurm did not come up; slurmctld log:" >&2
  tail -n 20 "$SLURM_DIR/log/slurmctld.log" "$SLURM_DIR/log/slurmd.log" >&2
  return 1
}

slurm_stop() {
  [[ -n ${SLURM_DIR:-} ]] || return 0
  slurm_stop_pids "$SLURM_DIR/slurmd.pid" "$SLURM_DIR/slurmctld.pid" "$SLURM_DIR/munge/munged.pid"
}
