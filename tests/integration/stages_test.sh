#!/usr/bin/env bash
# Staged training, --init-from and the local sweep runner, end to end on a small synthetic corpus:
# a two-stage run (100-frame chunks, then full utterances at a lower LR) whose second stage
# starts from the first stage's best weights; SIGTERM in the middle of stage 2 and --resume end
# bit-identical to the uninterrupted run; --init-from with another architecture is refused
# naming the parameter, and with the same one starts from the run's best weights; a 2-variant
# `artic sweep` trains both and prints the comparison, and a second call skips them.
# Usage: stages_test.sh ARTIC MPIRUN ORACLE_PYTHON
set -uo pipefail
ARTIC=$1
MPIRUN=$2
PY=$3
HERE=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMP_NUM_THREADS=1
RUN2=("$MPIRUN" -np 2 --oversubscribe --allow-run-as-root)
# shellcheck source-path=SCRIPTDIR source=../lib/checks.sh
source "$HERE/tests/lib/checks.sh"
# event FILE TYPE STAGE KEY: a field of the first metrics.jsonl object of that type and stage
event() {
  "$PY" -c 'import json,sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o.get("type") == sys.argv[2] and o.get("stage") == sys.argv[3]:
        print(o[sys.argv[4]]); break' "$@"
}

"$ARTIC" synth --out "$TMP/small.h5" --seed 3 --utterances 48 --mean-length 1.5 --max-length 4 \
  > /dev/null || { echo "FAIL synth"; exit 1; }
cat > "$TMP/staged.toml" << TOML
[run]
name = "staged"
output_dir = "$TMP/runs"
# A seed whose stage 1 validates best before its end on this corpus (deterministic; the check
# "stage 1's best weights are not its last" says when a change of corpus or model ends that).
seed = 11
log_every = 1
[data]
corpus = "$TMP/small.h5"
[batching]
max_frames = 400
[model]
d_model = 32
num_layers = 2
num_heads = 2
ff_dim = 64
[training]
threads = 1
patience = 0

[[stage]]
name = "pretrain"
[stage.data]
split_mode = "fixed"
sequence_length = 100
min_length = 20
[stage.optim]
learning_rate = 2e-2
[stage.schedule]
kind = "constant"
[stage.training]
max_epochs = 3
eval_every = 2

[[stage]]
name = "finetune"
[stage.data]
split_mode = "full"
[stage.optim]
learning_rate = 1e-3
[stage.schedule]
warmup_steps = 2
[stage.training]
max_epochs = 3
TOML

# 1. Two stages, uninterrupted.
"${RUN2[@]}" "$ARTIC" train -c "$TMP/staged.toml" --set run.name=a > "$TMP/a.log" 2>&1
check "staged run exit code 0" "[[ $? -eq 0 ]] || { tail -20 $TMP/a.log; false; }"
M=$TMP/runs/a/metrics.jsonl
check "stage 1 trains on 100-frame chunks, stage 2 on full utterances" \
  "[[ \$(event $M stage_start pretrain split_mode) == fixed && \$(event $M stage_start finetune split_mode) == full ]]"
check "the learning rate switches at the boundary (2e-2 -> 1e-3)" \
  "[[ \$(event $M stage_start pretrain learning_rate) == 0.02 && \$(event $M stage_start finetune learning_rate) == 0.001 ]]"
check "every stage-2 step runs at most the stage-2 LR, stage 1 above it" "$PY -c '
import json
steps = [json.loads(l) for l in open(\"$M\") if \"\\\"type\\\": \\\"step\\\"\" in l or \"\\\"type\\\":\\\"step\\\"\" in l]
pre = [s[\"lr\"] for s in steps if s[\"stage\"] == \"pretrain\"]
fine = [s[\"lr\"] for s in steps if s[\"stage\"] == \"finetune\"]
assert pre and fine and min(pre) > 1e-3 and max(fine) <= 1e-3 + 1e-12, (pre, fine)'"
best=$(event "$M" stage_end pretrain best_param_hash)
last=$(event "$M" stage_end pretrain last_param_hash)
start=$(event "$M" stage_start finetune param_hash)
check "stage 1's best weights are not its last ones here (best $best, last $last)" "[[ -n $best && $best != $last ]]"
check "stage 2 starts from stage 1's best weights ($start)" "[[ $start == $best ]]"
check "stage 2 names the checkpoint it starts from" \
  "[[ \$(event $M stage_start finetune from) == */checkpoints/best-pretrain.pt ]]"
check "the log marks the stages" "grep -q \"stage 2/2 'finetune' starts at step\" $TMP/runs/a/train.log && grep -q '^\\[finetune\\] step' $TMP/runs/a/train.log"
check "summary.json lists both stages" \
  "$PY -c 'import json; s=json.load(open(\"$TMP/runs/a/summary.json\")); assert [x[\"stage\"] for x in s[\"stages\"]] == [\"pretrain\", \"finetune\"], s'"

# 2. SIGTERM in the middle of stage 2, then --resume: bit-identical to run a.
"${RUN2[@]}" "$ARTIC" train -c "$TMP/staged.toml" --set run.name=b > "$TMP/b.log" 2>&1 &
job=$!
boundary=$(event "$M" stage_start finetune step)
for _ in $(seq 1 1200); do
  grep -q "\"stage\": *\"finetune\", *\"step\": *$((boundary + 2))," "$TMP/runs/b/metrics.jsonl" 2> /dev/null && break
  sleep 0.02
done
kill -TERM "$(pgrep -P "$job" | tail -1)"
wait "$job"
check "SIGTERM in stage 2 gives exit code 75" "[[ $? -eq 75 ]]"
stopped=$(grep -o 'checkpoint written at step [0-9]*' "$TMP/b.log" | grep -o '[0-9]*$')
total=$(field "$TMP/runs/a/summary.json" steps)
check "the stop fell inside stage 2 (step $stopped, stage 2 = steps $boundary..$total)" \
  "[[ -n '$stopped' && $stopped -gt $boundary && $stopped -lt $total ]]"
"${RUN2[@]}" "$ARTIC" train -c "$TMP/staged.toml" --set run.name=b --resume >> "$TMP/b.log" 2>&1
check "resume exit code 0" "[[ $? -eq 0 ]] || { tail -20 $TMP/b.log; false; }"
check "resumed inside stage 'finetune'" "grep -q \"resumed from .* stage 'finetune'\" $TMP/runs/b/train.log"
check "resumed run ends bit-identical to the uninterrupted one" \
  "[[ \$(field $TMP/runs/b/summary.json param_hash) == \$(field $TMP/runs/a/summary.json param_hash) ]]"
check "and with the same step count" \
  "[[ \$(field $TMP/runs/b/summary.json steps) -eq $total ]]"

# 3. --init-from: another architecture is refused, naming the parameter; the same one starts
#    from the run's best weights with a fresh schedule.
SMALL=(-c "$HERE/configs/cpu_test.toml" --set "data.corpus=$TMP/small.h5" --set "run.output_dir=$TMP/runs"
  --set model.d_model=32 --set model.num_layers=2 --set model.num_heads=2 --set model.ff_dim=64)
"$ARTIC" train "${SMALL[@]}" --set run.name=wide --set model.ff_dim=96 \
  --init-from "$TMP/runs/a" > "$TMP/wide.log" 2>&1
rc=$?
check "--init-from with another ff_dim exits 2" "[[ $rc -eq 2 ]]"
check "and names the parameter and both shapes" \
  "grep -q \"parameter '.*' is \\[64, 32\\] in the checkpoint but \\[96, 32\\] in this model\" $TMP/wide.log || { cat $TMP/wide.log; false; }"
"$ARTIC" train "${SMALL[@]}" --set run.name=deep --set model.num_layers=3 \
  --init-from "$TMP/runs/a" > "$TMP/deep.log" 2>&1
check "--init-from with more layers names the missing parameter" \
  "grep -q \"this model has parameter '.*2.*' that the checkpoint lacks\" $TMP/deep.log || { cat $TMP/deep.log; false; }"
"$ARTIC" train "${SMALL[@]}" --set run.name=ft --set training.max_epochs=1 \
  --init-from "$TMP/runs/a" > "$TMP/ft.log" 2>&1
check "--init-from the same architecture trains (exit 0)" "[[ $? -eq 0 ]] || { tail $TMP/ft.log; false; }"
final_best=$(event "$M" stage_end finetune best_param_hash)
check "and starts from the run's best weights ($final_best)" \
  "grep -q \"initialized from $TMP/runs/a/checkpoints/best.pt .*parameter hash $final_best\" $TMP/runs/ft/train.log"
# The same corpus with one articulator renamed: the channel is named in the error.
cp "$TMP/small.h5" "$TMP/renamed.h5"
"$PY" -c 'import h5py, sys
with h5py.File(sys.argv[1], "r+") as f:
    names = [n.decode() if isinstance(n, bytes) else n for n in f["meta/articulator_names"][()]]
    names[3] = "TB_y"
    del f["meta/articulator_names"]
    f["meta/articulator_names"] = names' "$TMP/renamed.h5"
"$ARTIC" train "${SMALL[@]}" --set run.name=renamed --set "data.corpus=$TMP/renamed.h5" \
  --init-from "$TMP/runs/a" > "$TMP/renamed.log" 2>&1
check "--init-from on other channels exits 2 naming the channel" \
  "[[ $? -eq 2 ]] && grep -q \"articulator channel 3 is 'T2_y' in the checkpoint but 'TB_y' in this corpus\" $TMP/renamed.log || { cat $TMP/renamed.log; false; }"
"$ARTIC" train "${SMALL[@]}" --set run.name=nothere --init-from "$TMP/runs/nope" > "$TMP/nope.log" 2>&1
check "--init-from a missing run: exit 2 and says so" "[[ $? -eq 2 ]] && grep -q 'no such run directory or checkpoint' $TMP/nope.log"

# 4. artic sweep: two variants, both trained, then the comparison table.
cat > "$TMP/sweep.toml" << TOML
config = "$HERE/configs/cpu_test.toml"
set = ["training.max_epochs=1", "data.corpus=$TMP/small.h5", "run.output_dir=$TMP/runs"]
[[variant]]
name = "full"
set = ["data.split_mode=full"]
[[variant]]
name = "seq100"
set = ["data.split_mode=fixed", "data.sequence_length=100", "data.min_length=20"]
TOML
"$ARTIC" sweep --sweep "$TMP/sweep.toml" --jobs 2 --output-dir "$TMP/sweep" > "$TMP/sweep.log" 2>&1
check "artic sweep exit code 0" "[[ $? -eq 0 ]] || { cat $TMP/sweep.log; false; }"
check "both variants have their run directory" "[[ -s $TMP/sweep/full/eval.json && -s $TMP/sweep/seq100/eval.json ]]"
check "the comparison table lists both" "grep -q '| Metric | full | seq100 | Change |' $TMP/sweep.log"
check "seq100 trained on 100-frame chunks" "grep -q 'fixed 100 frames' $TMP/sweep.log"
"$ARTIC" sweep --sweep "$TMP/sweep.toml" --output-dir "$TMP/sweep" > "$TMP/sweep2.log" 2>&1
check "a second call skips finished variants and prints the table again" \
  "[[ \$(grep -c 'already finished' $TMP/sweep2.log) -eq 2 ]] && grep -q 'seq100' $TMP/sweep2.log"
"$ARTIC" sweep --sweep "$TMP/sweep.toml" --ranks 2 --output-dir "$TMP/sweep3" --dry-run > "$TMP/dry.log" 2>&1
check "--ranks 2 --dry-run prints mpirun -np 2 commands" "[[ \$(grep -c 'mpirun -np 2' $TMP/dry.log) -eq 2 ]]"

# Windowed inference: a window that covers every utterance is whole-utterance inference; a
# 50-frame window is another prediction, and eval.json says which was used.
R=$TMP/sweep/full
"$ARTIC" eval --run "$R" --out "$TMP/whole.json" > "$TMP/eval_whole.log" 2>&1 &&
  "$ARTIC" eval --run "$R" --window 100000 --overlap 10 --out "$TMP/wide.json" > "$TMP/eval_wide.log" 2>&1 &&
  "$ARTIC" eval --run "$R" --window 50 --overlap 10 --out "$TMP/w50.json" > "$TMP/eval_w50.log" 2>&1
check "artic eval --window runs (exit 0)" "[[ $? -eq 0 ]] || { cat $TMP/eval_*.log; false; }"
check "a window covering every utterance equals whole-utterance inference (per utterance, 1e-5 mm)" \
  "$PY - $TMP/whole.json $TMP/wide.json <<'PYEOF'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
worst = max(abs(x - y) for u, v in zip(a['per_utterance'], b['per_utterance'])
            for k in ('rmse_mm', 'mae_mm') for x, y in zip(u[k], v[k]))
print('largest per-utterance difference', worst)
sys.exit(0 if worst <= 1e-5 and len(a['per_utterance']) > 0 else 1)
PYEOF"
check "50-frame windows predict differently and eval.json records the window" \
  "$PY - $TMP/whole.json $TMP/w50.json <<'PYEOF'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
sys.exit(0 if b['window'] == {'frames': 50, 'overlap': 10} and 'window' not in a
         and abs(a['mean']['rmse_mm'] - b['mean']['rmse_mm']) > 1e-6 else 1)
PYEOF"
mkdir -p "$TMP/windowed" && cp -r "$R" "$TMP/windowed/full_w50" && cp "$TMP/w50.json" "$TMP/windowed/full_w50/eval.json"
"$ARTIC" compare "$R" "$TMP/windowed/full_w50" > "$TMP/compare_w50.md" 2>&1
check "compare keeps a windowed evaluation of the same config apart (a variant of its own)" \
  "grep -q '| full_w50 vs full |' $TMP/compare_w50.md && grep -q '| full_w50 |' $TMP/compare_w50.md || { cat $TMP/compare_w50.md; false; }"
"$ARTIC" eval --run "$R" --window 50 --overlap 50 > "$TMP/eval_bad.log" 2>&1
check "--overlap not below --window: exit 2 naming both" "[[ $? -eq 2 ]] && grep -q 'must be smaller than --window 50' $TMP/eval_bad.log"

# 5. Seeds: each variant once per seed into OUTPUT/VARIANT/seed-N; the comparison groups them.
{ echo "seeds = [3, 4]"; cat "$TMP/sweep.toml"; } > "$TMP/seeds.toml"
"$ARTIC" sweep show "$TMP/seeds.toml" --print count > "$TMP/count.txt" 2>&1
check "sweep show counts variants x seeds" "[[ \$(cat $TMP/count.txt) == 4 ]]"
"$ARTIC" sweep --sweep "$TMP/seeds.toml" --jobs 2 --output-dir "$TMP/seeds" > "$TMP/seeds.log" 2>&1
check "a sweep with seeds trains every variant at every seed" \
  "[[ -s $TMP/seeds/full/seed-3/eval.json && -s $TMP/seeds/full/seed-4/eval.json && -s $TMP/seeds/seq100/seed-3/eval.json && -s $TMP/seeds/seq100/seed-4/eval.json ]] || { cat $TMP/seeds.log; false; }"
check "the seed changes the run (initialisation, order)" \
  "[[ \$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))[\"param_hash\"])' $TMP/seeds/full/seed-3/summary.json) != \$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))[\"param_hash\"])' $TMP/seeds/full/seed-4/summary.json) ]]"
check "the comparison groups each variant's seeds" \
  "grep -q '| full | 2 |' $TMP/seeds.log && grep -q '| seq100 | 2 |' $TMP/seeds.log && grep -q '| seq100 vs full |' $TMP/seeds.log && grep -q 'primary test: Welch' $TMP/seeds.log || { cat $TMP/seeds.log; false; }"
"$ARTIC" compare --variant "one=$TMP/seeds/full/seed-3" \
  --variant "two=$TMP/seeds/seq100/seed-3,$TMP/seeds/seq100/seed-4" > "$TMP/given.md" 2>&1
check "compare --variant takes variants as given; one seed gets numbers and no verdict" \
  "grep -q '| two | 2 |' $TMP/given.md && grep -q '| two vs one |' $TMP/given.md && grep -q 'one seed: no interval over training' $TMP/given.md || { cat $TMP/given.md; false; }"

finish stages_test
