#!/usr/bin/env bash
# Prometheus metrics and sensor.community pushes against real peers:
# - Debian's Prometheus scrapes `start --simulate` (OPENSENSOR_METRICS_LISTEN) and `dashboard`
#   over the same lake; `promtool check metrics` finds nothing wrong with either page; its query
#   API gives the station's temperature equal to the lake's reading at the time it came with,
#   and the dashboard's equal to the lake's newest reading.
# - A local HTTP server (metrics/push_server.py) stands in for sensor.community's API: with it
#   answering 200, every closed interval of `start --simulate --speed` is pushed once per sensor
#   with the firmware's headers and body, the averages equal to the lake's readings of that
#   interval; answering 500, 400 and closing the connection, answering nothing until the
#   station's request timeout, and then not there at all, the lake still holds every reading, the
#   failures are logged and start stops on time.
#
# Environment: OPENSENSOR_BIN, PEERS_PYTHON (venv with pyarrow), OPENSENSOR_REPO.
set -euo pipefail
BIN=${OPENSENSOR_BIN:?run through scripts/test}
PY=${PEERS_PYTHON:?run through scripts/test}
REPO=${OPENSENSOR_REPO:?OPENSENSOR_REPO must name the repository root}
HERE=$REPO/Tests/Interop/metrics
WORK=$(mktemp -d /tmp/opensensor-metrics.XXXXXX)
pids=()

die() { printf 'run-metrics.sh: FAILED: %s\n' "$*" >&2; exit 1; }
say() { printf '  [metrics] %s\n' "$*"; }
cleanup() {
    status=$?
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    if ((status != 0)); then
        for f in "$WORK"/*.log; do [[ -f $f ]] && { printf '%s:\n' "$f" >&2; tail -15 "$f" >&2; }; done
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

command -v prometheus >/dev/null && command -v promtool >/dev/null \
    || die "Prometheus is missing (apt-get install prometheus; scripts/test installs it)"
"$PY" -c 'import pyarrow' 2>/dev/null || die "pyarrow missing from $PY"

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() {  # URL, seconds
    for _ in $(seq $(($2 * 10))); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done
    return 1
}
STATION=0190b6c4-1c2d-7e3f-8a4b-5c6d7e8f9a0b
common_env() {
    export OPENSENSOR_STATION_ID=$STATION OPENSENSOR_WARMUP_READINGS=0 OPENSENSOR_HEALTH_ENABLED=false \
        OPENSENSOR_LOG_DIR=$WORK/logs OPENSENSOR_MIN_FREE_MB=0
}

# --- 1. Prometheus ------------------------------------------------------------------------
common_env
MP=$(free_port); DP=$(free_port); PP=$(free_port)
mkdir -p "$WORK/prom"
(cd "$WORK" && OPENSENSOR_METRICS_LISTEN=127.0.0.1:$MP OPENSENSOR_BATCH_DURATION=60 \
    exec "$BIN" start --simulate --speed 10 --output "$WORK/out") >"$WORK/start.log" 2>&1 &
station_pid=$!; pids+=("$station_pid")
wait_http "http://127.0.0.1:$MP/metrics" 30 || die "start does not serve /metrics on 127.0.0.1:$MP"
# The first batch (60 virtual s, 6 s here) for the dashboard to show.
for _ in $(seq 300); do compgen -G "$WORK/out/station=$STATION/*/*/*/data_*.parquet" >/dev/null && break; sleep 0.1; done
compgen -G "$WORK/out/station=$STATION/*/*/*/data_*.parquet" >/dev/null || die "no batch file after 30 s"
(cd "$WORK" && exec "$BIN" dashboard --data "$WORK/out" --host 127.0.0.1 --port "$DP") >"$WORK/dashboard.log" 2>&1 &
pids+=("$!")
wait_http "http://127.0.0.1:$DP/metrics" 30 || die "dashboard does not serve /metrics on 127.0.0.1:$DP"

for who in "start:$MP" "dashboard:$DP"; do
    curl -sf -D "$WORK/${who%%:*}.headers" "http://127.0.0.1:${who##*:}/metrics" >"$WORK/${who%%:*}.prom"
    grep -qi '^content-type: text/plain; version=0.0.4' "$WORK/${who%%:*}.headers" || die "${who%%:*}: Content-Type is not the 0.0.4 text format"
    promtool check metrics <"$WORK/${who%%:*}.prom" >"$WORK/promtool-${who%%:*}.log" 2>&1 \
        || { cat "$WORK/promtool-${who%%:*}.log" >&2; die "promtool check metrics found problems in ${who%%:*}'s page"; }
    grep -q "^opensensor_temperature_celsius{station=\"$STATION\"} " "$WORK/${who%%:*}.prom" || die "${who%%:*}: no temperature gauge"
    say "${who%%:*}: /metrics passes promtool check metrics ($(grep -vc '^#' "$WORK/${who%%:*}.prom") samples)"
done

cat >"$WORK/prom/prometheus.yml" <<YML
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - {job_name: station, static_configs: [{targets: ['127.0.0.1:$MP']}]}
  - {job_name: dashboard, static_configs: [{targets: ['127.0.0.1:$DP']}]}
YML
prometheus --config.file="$WORK/prom/prometheus.yml" --storage.tsdb.path="$WORK/prom/data" \
    --web.listen-address="127.0.0.1:$PP" >"$WORK/prometheus.log" 2>&1 &
pids+=("$!")
PROM=http://127.0.0.1:$PP
wait_http "$PROM/-/ready" 30 || die "Prometheus is not ready"
has() {  # QUERY: a non-empty instant vector
    curl -sfG "$PROM/api/v1/query" --data-urlencode "query=$1" | "$PY" -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["data"]["result"] else 1)'
}
for _ in $(seq 300); do has "opensensor_temperature_celsius{job=\"station\"}" && has "opensensor_temperature_celsius{job=\"dashboard\"}" && break; sleep 0.1; done
has "opensensor_temperature_celsius{job=\"station\"}" || die "Prometheus has no temperature from start after 30 s"
has "opensensor_temperature_celsius{job=\"dashboard\"}" || die "Prometheus has no temperature from the dashboard after 30 s"
# Stop the station (it writes its open batch), then let the dashboard be scraped with the lake final.
kill -TERM "$station_pid"; wait "$station_pid" || die "start exited non-zero after SIGTERM"
sleep 3.5
"$PY" "$HERE/check_metrics.py" prom-equal "$PROM" "$WORK/out" "$STATION"

# --- 2. sensor.community ------------------------------------------------------------------
push_run() {  # NAME STOP_AFTER [STATUS...]: a server answering STATUS… in turn, a station pushing to it
    local name=$1 stop=$2; shift 2
    rm -f "$WORK/$name.port" "$WORK/$name.jsonl"; touch "$WORK/$name.jsonl"
    "$PY" "$HERE/push_server.py" "$WORK/$name.port" "$WORK/$name.jsonl" "$@" &
    server_pid=$!; pids+=("$server_pid")
    for _ in $(seq 100); do [[ -f $WORK/$name.port ]] && break; sleep 0.1; done
    [[ -f $WORK/$name.port ]] || die "the push server did not start"
    local port; port=$(cat "$WORK/$name.port")
    run_station "$name" "$stop" "http://127.0.0.1:$port/v1/push-sensor-data/"
}
run_station() {  # NAME STOP_AFTER ENDPOINT
    (cd "$WORK" && OPENSENSOR_SENSOR_COMMUNITY_ENABLED=true OPENSENSOR_SENSOR_COMMUNITY_INTERVAL=30 \
        OPENSENSOR_SENSOR_COMMUNITY_ENDPOINT=$3 OPENSENSOR_SENSOR_COMMUNITY_SENSOR_ID=d3adb33f OPENSENSOR_LOG_LEVEL=DEBUG \
        exec "$BIN" start --simulate --speed 20 --start 2026-06-01T00:00:07Z --stop-after "$2" --output "$WORK/$1") \
        >"$WORK/$1.log" 2>&1 || die "start ($1) exited non-zero"
}

run_station_ok() { push_run ok 10m; }
run_station_ok
"$PY" "$HERE/check_metrics.py" pushes "$WORK/ok.jsonl" "$WORK/ok" "$STATION" 30 2026-06-01T00:10:07Z
# One reading every 5 s from 00:00:10 to 00:10:05.
"$PY" "$HERE/check_metrics.py" rows "$WORK/ok" "$STATION" 120

push_run refused 5m 500 500 400 400 0 0 500 500 400 400 0 0 500 500 400 400 0 0 500 500
n=$(wc -l <"$WORK/refused.jsonl")
((n >= 18)) || die "the refusing server saw $n pushes, expected one per sensor and interval (20)"
grep -q 'sensor.community: push failed' "$WORK/refused.log" || die "no log line for a refused push"
grep -q 'the API answered 500' "$WORK/refused.log" || die "no log line naming the 500"
"$PY" "$HERE/check_metrics.py" rows "$WORK/refused" "$STATION" 60
say "sensor.community answering 500, 400 and closing connections: $n pushes refused, every reading in the lake, failures logged"

# A server that answers nothing: a push waits out the request's read timeout (15 s) while the
# collector goes on, and the pushes behind it are late or dropped, never a reading. 8 virtual
# minutes are 24 s, long enough for one timeout; the push still waiting at the stop is cut short
# and tried once more, and the outlets' last messages get 10 s (ShutdownPlan.defaultOutletsLimit).
# Without that limit the last pushes would wait out a timeout each.
t0=$SECONDS
push_run silent 8m -1 -1 -1 -1 -1 -1 -1 -1
n=$(wc -l <"$WORK/silent.jsonl")
((n >= 2)) || die "the silent server saw $n pushes, expected at least 2"
grep -q 'sent nothing for 15' "$WORK/silent.log" || die "no log line naming the read timeout of a silent API"
"$PY" "$HERE/check_metrics.py" rows "$WORK/silent" "$STATION" 96
((SECONDS - t0 <= 50)) || die "start took $((SECONDS - t0)) s to stop with a silent API (24 s of readings, then at most 10 s for the outlets)"
grep -q 'the outlets did not stop in time' "$WORK/silent.log" || die "no warning that the last push was left"
grep -q 'CancellationError' "$WORK/silent.log" && die "a push cut short by the stop was logged as a failure"
say "sensor.community answering nothing: $n pushes timed out or were left, every reading in the lake, start stopped in $((SECONDS - t0)) s"

run_station down 5m "http://127.0.0.1:$(free_port)/v1/push-sensor-data/"
grep -q 'sensor.community: push failed' "$WORK/down.log" || die "no log line for an unreachable API"
"$PY" "$HERE/check_metrics.py" rows "$WORK/down" "$STATION" 60
say "sensor.community unreachable: every reading in the lake, failures logged"
say "passed"
