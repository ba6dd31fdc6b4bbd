#!/usr/bin/env bash
# Faults at the disk, with real file systems: a read-only run directory is refused before
# training starts; a file system that fills up mid-run stops a 2-rank run at its next checkpoint
# with a clear error while `latest` keeps pointing at the previous, intact checkpoint; damaged
# checkpoints (flipped bytes) are refused by --resume and by eval, naming an intact one to use.
# Usage: disk_faults_test.sh ARTIC MPIRUN ORACLE_PYTHON. Exit 77 (skipped) where no tmpfs can be
# mounted (needs root or CAP_SYS_ADMIN).
set -uo pipefail
ARTIC=$1
MPIRUN=$2
PY=$3
HERE=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d)
MOUNTS=()
cleanup() {
  for m in "${MOUNTS[@]}"; do umount "$m" 2> /dev/null; done
  rm -rf "$TMP"
}
trap cleanup EXIT
mkdir -p "$TMP/probe"
if ! mount -t tmpfs -o size=1m tmpfs "$TMP/probe" 2> /dev/null; then
  echo "SKIP: cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN)"
  exit 77
fi
umount "$TMP/probe"
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMP_NUM_THREADS=1
RUN2=("$MPIRUN" -np 2 --oversubscribe --allow-run-as-root)
CFG=$HERE/configs/cpu_test.toml
# shellcheck source-path=SCRIPTDIR source=../lib/checks.sh
source "$HERE/tests/lib/checks.sh"
flip_middle() {  # flip_middle FILE: inverts 64 bytes in the middle of the file
  "$PY" -c 'import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read()); m = len(b) // 2
b[m:m + 64] = bytes(x ^ 0xFF for x in b[m:m + 64]); open(p, "wb").write(b)' "$1"
}

"$ARTIC" synth --out "$TMP/small.h5" --seed 3 --utterances 48 --mean-length 1.5 --max-length 4 \
  > /dev/null || { echo "FAIL synth"; exit 1; }
COMMON=(--set "data.corpus=$TMP/small.h5")

# 1. A read-only run directory: refused at start, before any step.
mkdir -p "$TMP/ro"
mount -t tmpfs -o ro,size=1m tmpfs "$TMP/ro" && MOUNTS+=("$TMP/ro")
"$ARTIC" train -c "$CFG" "${COMMON[@]}" --set "run.output_dir=$TMP/ro" --set run.name=r \
  > "$TMP/ro.log" 2>&1
rc=$?
check "read-only run directory: exit 2 at start (got $rc)" "[[ $rc -eq 2 ]]"
check "read-only run directory: the error names the directory and the fix" \
  "grep -q 'run directory $TMP/ro/r cannot be created (Read-only file system at $TMP/ro); choose a writable run.output_dir' $TMP/ro.log && [[ ! -e $TMP/ro/r ]]"
mkdir -p "$TMP/ro2/r" && mount -t tmpfs -o size=1m tmpfs "$TMP/ro2/r" && MOUNTS+=("$TMP/ro2/r")
mkdir -p "$TMP/ro2/r/checkpoints" && mount -o remount,ro "$TMP/ro2/r"
"$ARTIC" train -c "$CFG" "${COMMON[@]}" --set "run.output_dir=$TMP/ro2" --set run.name=r \
  > "$TMP/ro2.log" 2>&1
rc=$?
check "existing read-only run directory: exit 2 naming it, no step taken" \
  "[[ $rc -eq 2 ]] && grep -q 'run directory $TMP/ro2/r is not writable, so no checkpoint could be saved' $TMP/ro2.log && ! grep -q '^step 1 ' $TMP/ro2.log"

# 2. The disk fills up mid-run: the next checkpoint fails on rank 0, every rank stops with the
#    cause, and `latest` still names the previous checkpoint, which evaluates.
mkdir -p "$TMP/full"
mount -t tmpfs -o size=8m tmpfs "$TMP/full" && MOUNTS+=("$TMP/full")
"${RUN2[@]}" "$ARTIC" train -c "$CFG" "${COMMON[@]}" --set "run.output_dir=$TMP/full" \
  --set run.name=f --set checkpoint.every_steps=4 --set training.max_epochs=100000 \
  --set batching.max_frames=600 > "$TMP/full.log" 2>&1 &
job=$!
for _ in $(seq 1 600); do
  [[ -s $TMP/full/f/checkpoints/latest ]] && break
  sleep 0.1
done
dd if=/dev/zero of="$TMP/full/filler" bs=64k > /dev/null 2>&1
wait_deadline=$((SECONDS + 120))
while kill -0 "$job" 2> /dev/null && ((SECONDS < wait_deadline)); do sleep 0.2; done
kill -0 "$job" 2> /dev/null && { echo "run did not stop: killing it"; kill -KILL "$job"; }
wait "$job"
rc=$?
check "full disk: the run stops with exit 2 (got $rc)" "[[ $rc -eq 2 ]]"
check "full disk: the error names the checkpoint and 'No space left on device'" \
  "grep -q 'cannot write checkpoint: No space left on device' $TMP/full.log"
# (Steps may finish another checkpoint between `latest` appearing and the disk filling: compare
# with the checkpoint that failed, not with the first one.)
# (The write that fails may be a step checkpoint or best.pt.)
# (-a: Open MPI 5's mpirun can forward a NUL byte when the job ends, making the log "binary".)
failed_ckpt=$(grep -a -o '[a-z0-9-]*\.pt: cannot write checkpoint' "$TMP/full.log" | head -1 | cut -d: -f1)
kept=$(cat "$TMP/full/f/checkpoints/latest" 2> /dev/null)
check "full disk: latest still names a complete checkpoint ($kept, not the failed $failed_ckpt), and no .tmp is left" \
  "[[ -n '$kept' && -n '$failed_ckpt' && '$kept' != '$failed_ckpt' && -s $TMP/full/f/checkpoints/$kept && -z \$(ls $TMP/full/f/checkpoints | grep '\\.tmp$') ]]"
rm -f "$TMP/full/filler"
"$ARTIC" eval --run "$TMP/full/f" --checkpoint "$TMP/full/f/checkpoints/$kept" > "$TMP/full_eval.log" 2>&1
check "full disk: the kept checkpoint is intact (eval exit 0)" "[[ $? -eq 0 ]] || { tail -3 $TMP/full_eval.log; false; }"

# 3. Damaged checkpoints: --resume refuses the damaged latest and names the intact older one,
#    which then resumes; eval refuses a damaged best.pt and names a step checkpoint to use.
"${RUN2[@]}" "$ARTIC" train -c "$CFG" "${COMMON[@]}" --set "run.output_dir=$TMP/runs" \
  --set run.name=d --set checkpoint.every_steps=3 --set checkpoint.keep_last=3 \
  > "$TMP/d.log" 2>&1
check "reference run exit 0" "[[ $? -eq 0 ]]"
D=$TMP/runs/d/checkpoints
latest=$(cat "$D/latest")
older=$(ls "$D" | grep '^step-' | grep -v "$latest" | tail -1)
flip_middle "$D/$latest"
"$ARTIC" train -c "$CFG" "${COMMON[@]}" --set "run.output_dir=$TMP/runs" --set run.name=d \
  --resume > "$TMP/d_resume.log" 2>&1
rc=$?
check "damaged latest: --resume exits 2 naming the damaged section" \
  "[[ $rc -eq 2 ]] && grep -q \"$D/$latest: checkpoint is damaged: its '[a-z]*' section fails its checksum\" $TMP/d_resume.log"
check "damaged latest: the error names the intact $older and --resume-from" \
  "grep -q 'newest intact checkpoint is $D/$older: use it with --resume-from $D/$older' $TMP/d_resume.log"
"${RUN2[@]}" "$ARTIC" train -c "$CFG" "${COMMON[@]}" --set "run.output_dir=$TMP/runs" \
  --set run.name=d --resume-from "$D/$older" > "$TMP/d_older.log" 2>&1
check "--resume-from the intact $older finishes (exit 0)" "[[ $? -eq 0 ]] || { tail -3 $TMP/d_older.log; false; }"
flip_middle "$D/best.pt"
"$ARTIC" eval --run "$TMP/runs/d" > "$TMP/d_eval.log" 2>&1
rc=$?
check "damaged best.pt: eval exits 2 naming it and an intact --checkpoint" \
  "[[ $rc -eq 2 ]] && grep -q '$D/best.pt: checkpoint is damaged' $TMP/d_eval.log && grep -q 'use it with --checkpoint $D/step-' $TMP/d_eval.log"

# A corpus that does not fit: artic synth stops with the disk's reason and leaves no half corpus
# (neither the folder nor its staging copy, nor an HDF5 file or its folder).
mkdir -p "$TMP/small_disk" && mount -t tmpfs -o size=1m tmpfs "$TMP/small_disk" \
  && MOUNTS+=("$TMP/small_disk")
"$ARTIC" synth --out-dir "$TMP/small_disk/spoken" --seed 3 --utterances 20 > "$TMP/s_full.log" 2>&1
rc=$?
check "synth --out-dir on a full disk: exit 2 naming the file and the reason" \
  "[[ $rc -eq 2 ]] && grep -q 'small_disk/spoken.partial/.*No space left on device' $TMP/s_full.log"
check "... and leaves nothing behind" "[[ -z \$(ls -A $TMP/small_disk) ]]"
"$ARTIC" synth --out "$TMP/small_disk/c.h5" --seed 3 --utterances 20 > "$TMP/s_full2.log" 2>&1
rc=$?
check "synth --out on a full disk: exit 2, nothing behind" \
  "[[ $rc -eq 2 && -z \$(ls -A $TMP/small_disk) ]]"

finish disk_faults_test
