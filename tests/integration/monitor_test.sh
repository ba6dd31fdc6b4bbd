#!/usr/bin/env bash
# Monitoring against the real thing: a 2-rank run serves /metrics on two ports (promtool check
# metrics clean), rank 0 writes file_sd targets that a real Prometheus (monitoring/up.sh) scrapes,
# every panel query of the Grafana dashboard returns data from it, scrapes are answered while slow,
# half-open and garbage clients hold connections, final metrics reach a real push gateway, and a
# port in use or an unreachable push gateway only warns.
# Usage: monitor_test.sh ARTIC MPIRUN ORACLE_PYTHON. Exit 77 (skipped) without Prometheus.
set -uo pipefail
ARTIC=$1
MPIRUN=$2
PY=$3
HERE=$(cd "$(dirname "$0")/../.." && pwd)
for tool in prometheus promtool prometheus-pushgateway curl; do
  if ! command -v "$tool" > /dev/null; then
    echo "SKIP: '$tool' is not installed (apt-get install prometheus prometheus-pushgateway curl;"
    echo "      launch/install-deps.sh installs them)"
    exit 77
  fi
done
TMP=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null; done
  wait 2> /dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMP_NUM_THREADS=1
RUN2=("$MPIRUN" -np 2 --oversubscribe --allow-run-as-root)
CFG=$HERE/configs/cpu_test.toml
COMMON=(--set "data.corpus=$TMP/small.h5" --set "run.output_dir=$TMP/runs" --set monitor.bind=127.0.0.1)
JOB=artic-monitor-test-$$
# shellcheck source-path=SCRIPTDIR source=../lib/checks.sh
source "$HERE/tests/lib/checks.sh"
# N consecutive free TCP ports on loopback; prints the first.
free_ports() {
  "$PY" - "$1" << 'PYEOF'
import random, socket, sys
n = int(sys.argv[1])
for _ in range(200):
    base = random.randint(20000, 60000)
    socks = []
    try:
        for p in range(base, base + n):
            s = socket.socket(); s.bind(("127.0.0.1", p)); socks.append(s)
        print(base); break
    except OSError:
        pass
    finally:
        for s in socks: s.close()
PYEOF
}
promql() {  # prints the number of series of an instant query
  "$PY" -c 'import json,sys,urllib.parse,urllib.request
r=json.load(urllib.request.urlopen(sys.argv[1]+"/api/v1/query?"+urllib.parse.urlencode({"query":sys.argv[2]}),timeout=5))
print(len(r["data"]["result"]) if r["status"]=="success" else -1)' "$PROM" "$1" 2> /dev/null || echo -1
}
promql_is() {  # promql_is EXPR N: the instant query returns N series
  [[ $(promql "$1") == "$2" ]]
}
scrape_has() {  # scrape_has PORT REGEX
  grep -q "$2" <<< "$(curl -s "127.0.0.1:$1/metrics")"  # not a pipe: grep -q would cut curl off
}
wait_for() {  # wait_for SECONDS COMMAND...: polls until COMMAND succeeds
  local deadline=$((SECONDS + $1))
  shift
  until "$@" 2> /dev/null; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

promtool check config "$HERE/monitoring/prometheus.yml" > "$TMP/check_config.txt" 2>&1
check "the shipped monitoring/prometheus.yml is valid (promtool check config)" \
  "[[ $? -eq 0 ]] || { cat $TMP/check_config.txt; false; }"

"$ARTIC" synth --out "$TMP/small.h5" --seed 3 --utterances 48 --mean-length 1.5 --max-length 4 \
  > /dev/null || { echo "FAIL synth"; exit 1; }

MPORT=$(free_ports 2)
PPORT=$(free_ports 1)
GPORT=$(free_ports 1)
PROM=http://127.0.0.1:$PPORT
mkdir -p "$TMP/targets"

prometheus-pushgateway --web.listen-address="127.0.0.1:$GPORT" > "$TMP/pushgateway.log" 2>&1 &
PIDS+=($!)
bash "$HERE/monitoring/up.sh" "$TMP/targets" --port "$PPORT" --scrape-interval 1s \
  --pushgateway "127.0.0.1:$GPORT" --data "$TMP/prometheus" > "$TMP/prometheus.log" 2>&1 &
PIDS+=($!)
check "Prometheus (monitoring/up.sh) is ready" \
  "wait_for 60 curl -sf $PROM/-/ready -o /dev/null || { cat $TMP/prometheus.log; false; }"
check "push gateway is ready" "wait_for 30 curl -sf http://127.0.0.1:$GPORT/-/ready -o /dev/null"

# 1. A long 2-rank run that validates every 5 steps; stopped with SIGTERM once checked.
"${RUN2[@]}" "$ARTIC" train -c "$CFG" "${COMMON[@]}" --set run.name=live \
  --set "monitor.port=$MPORT" --set "monitor.targets_dir=$TMP/targets" --set "monitor.job=$JOB" \
  --set "monitor.pushgateway=127.0.0.1:$GPORT" --set training.max_epochs=100000 \
  --set training.eval_every=5 --set batching.max_frames=1000 > "$TMP/live.log" 2>&1 &
train=$!
RUN=$TMP/runs/live
check "rank 0 writes the run's file_sd targets" "wait_for 60 test -s $RUN/prometheus_targets.json"
check "targets list both ranks with job, rank and host labels" "$PY -c '
import json, sys
g = json.load(open(\"$RUN/prometheus_targets.json\"))
assert sorted(x[\"targets\"][0] for x in g) == [\"127.0.0.1:$MPORT\", \"127.0.0.1:$((MPORT + 1))\"], g
assert sorted(x[\"labels\"][\"rank\"] for x in g) == [\"0\", \"1\"], g
assert all(x[\"labels\"][\"job\"] == \"$JOB\" and x[\"labels\"][\"host\"] for x in g), g'"
check "a copy sits in monitor.targets_dir" "[[ \$(ls $TMP/targets/*.json | wc -l) -eq 1 ]]"
check "train prints its run directory and rank 0's /metrics URL, which answers" \
  "grep -aq '^run directory: $RUN\$' $TMP/live.log && grep -aq '^metrics: http://127.0.0.1:$MPORT/metrics (rank 0;' $TMP/live.log && curl -sf http://127.0.0.1:$MPORT/metrics -o /dev/null"
check "rank 0 has validated" "wait_for 60 scrape_has $MPORT artic_val_rmse_mm"
"$PY" "$HERE/tests/python/hostile_clients.py" 127.0.0.1 "$MPORT" --scrapes 200 --timeout 1 \
  --min-ratio 0.99 > "$TMP/hostile.txt" 2>&1
rc=$?
cat "$TMP/hostile.txt"
check "slow, half-open and garbage clients: >= 99% of scrapes answered within 1 s, and 1,000 rapid connections later rank 0 still answers" \
  "[[ $rc -eq 0 ]]"
for r in 0 1; do
  curl -s "127.0.0.1:$((MPORT + r))/metrics" > "$TMP/scrape$r.txt"
  promtool check metrics < "$TMP/scrape$r.txt" > "$TMP/promtool$r.txt" 2>&1
  check "promtool check metrics: rank $r clean" "[[ $? -eq 0 ]] || { cat $TMP/promtool$r.txt; false; }"
done
for name in artic_train_loss artic_learning_rate artic_grad_norm artic_optimizer_steps_total \
  artic_frames_total artic_padded_frames_total artic_step_seconds_bucket artic_allreduce_bytes_total \
  artic_epoch artic_val_loss artic_val_rmse_mm artic_val_pearson_r artic_val_mae_mm \
  artic_bad_steps_total artic_device_memory_bytes; do
  check "rank 0 exports $name with job and rank labels" \
    "grep -q '^$name{job=\"$JOB\",rank=\"0\"' $TMP/scrape0.txt"
done
check "per-articulator validation series (T1_x) and the mean (all)" \
  "grep -q 'artic_val_rmse_mm{.*articulator=\"T1_x\"' $TMP/scrape0.txt && grep -q 'articulator=\"all\"' $TMP/scrape0.txt"
check "step phase histogram has every phase and buckets from 1 ms to 60 s" \
  "[[ \$(grep -c 'artic_step_seconds_count' $TMP/scrape1.txt) -eq 5 ]] && grep -q 'le=\"0.001\"' $TMP/scrape1.txt && grep -q 'le=\"60\"' $TMP/scrape1.txt"
check "Prometheus scrapes both ranks (up == 1)" \
  "wait_for 60 promql_is 'up{job=\"$JOB\"} == 1' 2"
check "Prometheus holds 10 s of samples for the rate panels" \
  "wait_for 60 promql_is 'count_over_time(artic_optimizer_steps_total{job=\"$JOB\",rank=\"1\"}[1m]) >= 10' 1"
"$PY" "$HERE/tests/python/check_dashboard.py" "$HERE/monitoring/grafana/dashboards/artic.json" \
  "$PROM" "$JOB" --rate-interval 30s \
  --datasource-provisioning "$HERE/monitoring/grafana/provisioning/datasources/artic.yaml" \
  > "$TMP/dashboard.txt" 2>&1
rc=$?
cat "$TMP/dashboard.txt"
check "every dashboard panel query returns data from Prometheus" "[[ $rc -eq 0 ]]"

kill -TERM "$(pgrep -P "$train" | tail -1)"
wait "$train"
rc=$?
check "SIGTERM stops the monitored run with exit code 75 (got $rc)" "[[ $rc -eq 75 ]]"
check "targets files are removed at exit" \
  "[[ ! -e $RUN/prometheus_targets.json && -z \$(ls $TMP/targets) ]]"
curl -s "http://127.0.0.1:$GPORT/metrics" > "$TMP/pushed.txt"
for r in 0 1; do
  check "push gateway holds rank $r's final metrics" \
    "grep -q 'artic_optimizer_steps_total{.*job=\"$JOB\".*rank=\"$r\"' $TMP/pushed.txt"
done
check "Prometheus gets the pushed values (instance=\"\")" \
  "wait_for 30 promql_is 'artic_optimizer_steps_total{job=\"$JOB\",instance=\"\"}' 2"

# 2. Port in use without fallback: a warning naming the port, no metrics, training completes.
BUSY=$(free_ports 2)
"$PY" -c 'import socket,sys,time
s=socket.socket(); s.bind(("127.0.0.1",int(sys.argv[1]))); s.listen(); time.sleep(300)' "$BUSY" &
PIDS+=($!)
wait_for 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$BUSY"
DEAD=$(free_ports 1)
"$ARTIC" train -c "$CFG" "${COMMON[@]}" --set run.name=busy --set "monitor.port=$BUSY" \
  --set "monitor.pushgateway=127.0.0.1:$DEAD" --set training.max_epochs=2 > "$TMP/busy.log" 2>&1
rc=$?
check "port in use: training completes (exit $rc)" "[[ $rc -eq 0 ]]"
check "port in use: a warning names the port and the fix" \
  "grep -q \"cannot serve metrics on 127.0.0.1:$BUSY .*in use.*monitor.port_fallback\" $TMP/busy.log"
check "unreachable push gateway: a warning names it" \
  "grep -q \"push gateway 127.0.0.1:$DEAD unreachable\" $TMP/busy.log"
check "no rank serving: no targets file written" "! grep -q 'Prometheus targets' $TMP/runs/busy/train.log"

# 3. Port in use with monitor.port_fallback: the next free port, logged and listed in the targets.
"$ARTIC" train -c "$CFG" "${COMMON[@]}" --set run.name=fallback --set "monitor.port=$BUSY" \
  --set monitor.port_fallback=true --set training.max_epochs=100000 > "$TMP/fallback.log" 2>&1 &
fb=$!
check "fallback: the next port is used and logged" \
  "wait_for 60 grep -q \"serves metrics on port $((BUSY + 1))\" $TMP/fallback.log"
check "fallback: the targets file lists the port actually served" \
  "wait_for 30 grep -q \"127.0.0.1:$((BUSY + 1))\" $TMP/runs/fallback/prometheus_targets.json"
check "fallback: that port answers /metrics" \
  "scrape_has $((BUSY + 1)) artic_optimizer_steps_total"
kill -TERM "$fb"
wait "$fb"
check "fallback: stops on SIGTERM (75)" "[[ $? -eq 75 ]]"

finish monitor_test
