#!/usr/bin/env bash
# Submits slurm/sweep.sbatch as a job array with one task per variant of a sweep file.
#   slurm/submit-sweep.sh SWEEP.toml [sbatch options...]     (from the artic checkout)
# Prints the array job id; the runs land in runs/<sweep name>-<id>/ (see sweep.sbatch).
set -euo pipefail
[[ $# -ge 1 && $1 != -h && $1 != --help ]] || { sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
SWEEP=$1
shift
ARTIC=${ARTIC_BIN:-build/artic}
N=$("$ARTIC" sweep show "$SWEEP" ${ARTIC_CONFIG:+--config "$ARTIC_CONFIG"} --print count)
ARTIC_SWEEP=$SWEEP sbatch --parsable --array="0-$((N - 1))" "$@" "$(dirname "$0")/sweep.sbatch"
