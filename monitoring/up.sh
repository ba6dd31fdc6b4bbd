#!/usr/bin/env bash
# Starts a local Prometheus (Debian package `prometheus`) on loopback that scrapes the ranks of
# artic runs, from monitoring/prometheus.yml with the paths filled in. Runs in the foreground.
#
#   monitoring/up.sh TARGETS [--port 9090] [--scrape-interval 5s] [--pushgateway HOST:PORT]
#                            [--data DIR] [--dry-run]
#
# TARGETS: a run directory (its prometheus_targets.json), a targets file, or a directory of
# targets files (monitor.targets_dir).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }

[[ $# -ge 1 ]] || usage
[[ $1 == -h || $1 == --help ]] && usage 0
TARGETS=$1
shift
PORT=9090
INTERVAL=5s
PUSHGATEWAY=""
DATA=""
DRY=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --port) PORT=$2; shift 2 ;;
    --scrape-interval) INTERVAL=$2; shift 2 ;;
    --pushgateway) PUSHGATEWAY=$2; shift 2 ;;
    --data) DATA=$2; shift 2 ;;
    --dry-run) DRY=1; shift ;;
    -h | --help) usage 0 ;;
    *) echo "up.sh: unknown option '$1'" >&2; usage ;;
  esac
done

if [[ -d $TARGETS && -e $TARGETS/config.toml ]]; then
  FILES=$(cd "$TARGETS" && pwd)/prometheus_targets.json
elif [[ -d $TARGETS ]]; then
  FILES=$(cd "$TARGETS" && pwd)/*.json
elif [[ -f $TARGETS || $TARGETS == *.json ]]; then
  FILES=$(cd "$(dirname "$TARGETS")" && pwd)/$(basename "$TARGETS")
else
  echo "up.sh: $TARGETS is neither a run directory, a targets file nor a targets directory" >&2
  exit 2
fi
if ! command -v prometheus > /dev/null; then
  echo "up.sh: prometheus not found; install it with 'apt-get install prometheus'" >&2
  exit 2
fi

WORK=${DATA:-$(mktemp -d /tmp/artic-prometheus.XXXXXX)}
mkdir -p "$WORK"
CONFIG=$WORK/prometheus.yml
# The shipped config with this run's targets, intervals and push gateway.
sed -e "s|/var/lib/artic/targets/\*\.json|$FILES|" \
  -e "s|scrape_interval: 5s|scrape_interval: $INTERVAL|" \
  -e "s|scrape_interval: 15s|scrape_interval: $INTERVAL|" \
  -e "s|refresh_interval: 30s|refresh_interval: 5s|" \
  -e "s|scrape_timeout: 4s|scrape_timeout: $INTERVAL|" \
  "$HERE/prometheus.yml" > "$CONFIG"
if [[ -n $PUSHGATEWAY ]]; then
  sed -i "s|localhost:9091|$PUSHGATEWAY|" "$CONFIG"
else
  # No push gateway: drop its scrape job (everything from its comment to the end).
  sed -i '/Final metrics that runs push/,$d' "$CONFIG"
fi
CMD=(prometheus "--config.file=$CONFIG" "--web.listen-address=127.0.0.1:$PORT"
  "--storage.tsdb.path=$WORK/data" --log.level=warn)
if ((DRY)); then
  echo "${CMD[*]}"
  cat "$CONFIG"
  [[ -n $DATA ]] || rm -rf "$WORK"
  exit 0
fi
promtool check config "$CONFIG" > /dev/null
echo "up.sh: Prometheus on http://127.0.0.1:$PORT scraping $FILES (data in $WORK)"
exec "${CMD[@]}"
