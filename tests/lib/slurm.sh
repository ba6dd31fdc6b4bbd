# Slurm daemon helpers shared by tests/integration/slurm_cluster.sh (one node) and
# tests/cluster/slurm_nodes.sh (the simulated cluster); sourced by those two, not by the tests.
#   slurm_missing                 prints what is not installed (empty when all is there)
#   slurm_stop_pids PIDFILE...    stops each pid file's process (TERM, up to 5 s, then KILL)
#   slurm_job_state ID [RUN...]   prints the job's state; RUN prefixes scontrol (e.g. on_head)
#   slurm_wait_job ID SECS [RUN...] waits until the job has ended; prints its final state
slurm_missing() {
  local t
  for t in munged mungekey slurmctld slurmd sbatch scontrol scancel sinfo srun; do
    command -v "$t" > /dev/null || echo -n "$t "
  done
}

slurm_stop_pids() {
  local f pid
  for f in "$@"; do
    [[ -s $f ]] || continue
    pid=$(cat "$f")
    kill "$pid" 2> /dev/null
    for _ in $(seq 1 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2> /dev/null
  done
  return 0
}

slurm_job_state() {
  "${@:2}" scontrol show job "$1" 2> /dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2
}

slurm_wait_job() {
  local id=$1 deadline=$((SECONDS + $2)) state
  while ((SECONDS < deadline)); do
    state=$(slurm_job_state "$id" "${@:3}")
    case $state in
      COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE)
        echo "$state"
        return 0 ;;
    esac
    sleep 1
  done
  echo "TIMEOUT_WAITING($state)"
  return 1
}
