#!/usr/bin/env bash
# `start --simulate` publishing to Debian's Mosquitto (password file, a TLS listener with a test
# CA): what a subscriber sees — availability online/offline (the will after kill -9, a clean stop),
# Home Assistant discovery, every reading as a retained state equal to the lake's row — over
# mqtt:// and mqtts://; the broker stopped for a minute and restarted (collection
# unaffected: the same batch files and rows as a run without MQTT; publishing resumes with what
# was queued); a wrong password (one clear log line, collection unaffected).
#
# Environment: OPENSENSOR_REPO, OPENSENSOR_BIN (release binary), PEERS_PYTHON (venv with pyarrow).
set -euo pipefail
REPO=${OPENSENSOR_REPO:?OPENSENSOR_REPO must name the repository root}
BIN=${OPENSENSOR_BIN:?OPENSENSOR_BIN must name the release binary}
PY=${PEERS_PYTHON:?PEERS_PYTHON must name the peers venv python}
HERE=$REPO/Tests/Interop
WORK=$(mktemp -d /tmp/opensensor-mqtt.XXXXXX)
chmod 755 "$WORK"
pids=()

die() { printf 'run-mqtt.sh: FAILED: %s\n' "$*" >&2; exit 1; }
say() { printf '  [mqtt] %s\n' "$*"; }
cleanup() {
    status=$?
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    if ((status != 0)); then
        rm -rf /tmp/opensensor-mqtt-failed && cp -r "$WORK" /tmp/opensensor-mqtt-failed 2>/dev/null || true
        printf 'run-mqtt.sh: logs kept in /tmp/opensensor-mqtt-failed\n' >&2
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

source "$HERE/mqtt/broker.sh"
start_mosquitto "$WORK/broker" station 's3cret word' tls
say "mosquitto at 127.0.0.1:$MQTT_PORT, TLS at $MQTT_TLS_PORT"

STATION=0190b6c4-1c2d-7e3f-8a4b-5c6d7e8f9a0b
START=2025-06-01T00:00:00Z
# The station's environment for run NAME (its own lake, log and .env-free working folder).
station_env() {
    local name=$1
    mkdir -p "$WORK/$name"
    echo "OPENSENSOR_STATION_ID=$STATION OPENSENSOR_WARMUP_READINGS=0 OPENSENSOR_HEALTH_ENABLED=false \
OPENSENSOR_OUTPUT_DIR=$WORK/$name/out OPENSENSOR_LOG_DIR=$WORK/$name/logs OPENSENSOR_MIN_FREE_MB=0"
}
subscribe() {  # NAME PORT [tls]: every opensensor and discovery message, one line each
    local name=$1 port=$2 extra=()
    [[ ${3:-} == tls ]] && extra=(--cafile "$MQTT_CA")
    mosquitto_sub -h 127.0.0.1 -p "$port" "${extra[@]}" -u station -P 's3cret word' -q 1 -v -F '%r %t %p' \
        -t "opensensor/$STATION/#" -t 'homeassistant/#' >"$WORK/$name.sub" 2>"$WORK/$name.sub.err" &
    pids+=($!)
    SUB_PID=$!
    sleep 0.3
}
wait_for() {  # FILE PATTERN SECONDS WHAT
    local i
    for i in $(seq 1 $(($3 * 10))); do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
    die "$4 (no '$2' in $1 within $3 s)"
}
rows() { "$PY" -c 'import sys, pyarrow.dataset as ds; print(ds.dataset(sys.argv[1], format="parquet", partitioning="hive").count_rows())' "$1"; }
files() { (cd "$1" && find . -name '*.parquet' | sort); }
# NAME EXPECTED: every reading run NAME took is in its lake (the count from its last log line),
# and it took EXPECTED of them but for at most 2 ticks skipped: a machine busy enough to wake the
# loop after the next tick's time (83 ms at --speed 60) skips that tick, with or without MQTT.
all_taken() {
    local taken
    taken=$(grep -o 'readings=[0-9]* \[opensensor\] stopped' "$WORK/$1/stdout" | grep -o '[0-9]*' || true)
    [[ -n $taken ]] || die "$1: no 'stopped' line with its readings: $(tail -3 "$WORK/$1/stdout")"
    [[ $(rows "$WORK/$1/out") == "$taken" ]] || die "$1: the lake holds $(rows "$WORK/$1/out") rows of the $taken readings taken"
    # A busy machine may skip a tick or two, or land the tick at the stop time before the stop.
    ((taken >= $2 - 2 && taken <= $2 + 1)) || die "$1: $taken readings taken, expected $2 (2 fewer to 1 more on a busy machine)"
}

# --- 1. mqtt://: discovery, every reading, clean stop ---------------------------------------
say "1. mqtt:// for 10 virtual minutes"
subscribe plain "$MQTT_PORT"
env $(station_env plain) OPENSENSOR_MQTT_URL="mqtt://127.0.0.1:$MQTT_PORT" OPENSENSOR_MQTT_USERNAME=station \
    OPENSENSOR_MQTT_PASSWORD='s3cret word' \
    "$BIN" start --simulate --speed 60 --start "$START" --stop-after 10m >"$WORK/plain/stdout" 2>&1 \
    || die "start (mqtt://) exited $?: $(tail -5 "$WORK/plain/stdout")"
sleep 0.5
kill "$SUB_PID"
all_taken plain 119  # readings at 00:00:05 … 00:09:55
"$PY" "$HERE/mqtt/check_mqtt.py" "$WORK/plain.sub" "$STATION" "$WORK/plain/out" --expect-offline --states-equal-rows \
    || die "what the subscriber saw over mqtt://"
grep -q 's3cret' "$WORK/plain/stdout" "$WORK/plain/logs/"* && die "the MQTT password appears in the log"
# Retained: a subscriber that comes later gets the newest state, 'offline' and the 19 configs.
mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT" -u station -P 's3cret word' -v -F '%r %t %p' -W 5 -C 21 \
    -t "opensensor/$STATION/#" -t 'homeassistant/#' >"$WORK/retained.sub" 2>/dev/null || true
[[ $(grep -c '^1 ' "$WORK/retained.sub") == 21 ]] || die "expected 21 retained messages, got: $(cut -c1-80 "$WORK/retained.sub")"
newest=$(grep " opensensor/$STATION/state " "$WORK/retained.sub" | cut -d' ' -f3-)
last=$(grep " opensensor/$STATION/state " "$WORK/plain.sub" | tail -1 | cut -d' ' -f3-)
[[ -n $newest && $newest == "$last" ]] || die "the retained state is not the newest reading: $newest / $last"
say "   119 readings, as many retained states equal to the lake's rows, 19 discovery configs, online → offline"

# --- 2. mqtts:// with the test CA; kill -9 → the will -------------------------------------
say "2. mqtts:// with OPENSENSOR_MQTT_CA_FILE, then kill -9"
subscribe tls "$MQTT_TLS_PORT" tls
env $(station_env tls) OPENSENSOR_MQTT_URL="mqtts://127.0.0.1:$MQTT_TLS_PORT" OPENSENSOR_MQTT_USERNAME=station \
    OPENSENSOR_MQTT_PASSWORD='s3cret word' OPENSENSOR_MQTT_CA_FILE="$MQTT_CA" \
    "$BIN" start --simulate --speed 60 --start "$START" >"$WORK/tls/stdout" 2>&1 &
station_pid=$!
pids+=($station_pid)
wait_for "$WORK/tls.sub" " opensensor/$STATION/state " 20 "no state over mqtts://"
sleep 2
kill -9 "$station_pid"
wait "$station_pid" 2>/dev/null || true
wait_for "$WORK/tls.sub" " opensensor/$STATION/availability offline" 10 "the will ('offline') after kill -9"
kill "$SUB_PID"
"$PY" "$HERE/mqtt/check_mqtt.py" "$WORK/tls.sub" "$STATION" "$WORK/tls/out" --expect-offline >/dev/null \
    || { "$PY" "$HERE/mqtt/check_mqtt.py" "$WORK/tls.sub" "$STATION" "$WORK/tls/out" --expect-offline || true; die "what the subscriber saw over mqtts://"; }
say "   states and discovery over TLS; the broker published the will after kill -9"

# A CA that did not sign the broker's certificate: refused, collection goes on.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=another CA" -keyout "$WORK/other.key" -out "$WORK/other.pem" >/dev/null 2>&1
env $(station_env badca) OPENSENSOR_MQTT_URL="mqtts://127.0.0.1:$MQTT_TLS_PORT" OPENSENSOR_MQTT_USERNAME=station \
    OPENSENSOR_MQTT_PASSWORD='s3cret word' OPENSENSOR_MQTT_CA_FILE="$WORK/other.pem" \
    "$BIN" start --simulate --speed 60 --start "$START" --stop-after 1m >"$WORK/badca/stdout" 2>&1 || die "start with a foreign CA exited $?"
grep -q "TLS handshake" "$WORK/badca/stdout" || die "no TLS error line with a foreign CA: $(grep -i mqtt "$WORK/badca/stdout" | head -3)"
all_taken badca 11
say "   a foreign CA: '$(grep -o 'mqtt: the TLS handshake[^;]*' "$WORK/badca/stdout" | head -1 | cut -c1-100)…'"

# --- 3. The broker away for a minute -------------------------------------------------------
# At 10x, 25 virtual minutes take 150 s. The broker is away for 60 s (120 readings, within the
# client's queue of 256); the reconnect backoff, at most 60 s, brings the client back long before
# the end. The reference run without MQTT runs beside it.
say "3. the broker stopped for a minute and restarted while the station runs"
env $(station_env reference) "$BIN" start --simulate --speed 10 --start "$START" --stop-after 25m >"$WORK/reference/stdout" 2>&1 &
reference_pid=$!
pids+=($reference_pid)
subscribe before "$MQTT_PORT"
env $(station_env outage) OPENSENSOR_MQTT_URL="mqtt://127.0.0.1:$MQTT_PORT" OPENSENSOR_MQTT_USERNAME=station \
    OPENSENSOR_MQTT_PASSWORD='s3cret word' \
    "$BIN" start --simulate --speed 10 --start "$START" --stop-after 25m >"$WORK/outage/stdout" 2>&1 &
station_pid=$!
pids+=($station_pid)
wait_for "$WORK/before.sub" " opensensor/$STATION/state " 20 "no state before the outage"
sleep 3
stop_mosquitto
kill "$SUB_PID" 2>/dev/null || true
sleep 60
restart_mosquitto
subscribe after "$MQTT_PORT"
wait "$station_pid" || die "start exited $? across the outage: $(tail -5 "$WORK/outage/stdout")"
wait "$reference_pid" || die "reference run without MQTT exited $?"
sleep 0.5
kill "$SUB_PID"
[[ $(files "$WORK/outage/out") == "$(files "$WORK/reference/out")" ]] \
    || die "batch files differ from the run without MQTT: $(files "$WORK/outage/out") / $(files "$WORK/reference/out")"
all_taken reference 299
all_taken outage 299
grep -q "mqtt: connection lost" "$WORK/outage/stdout" || die "no log line for the lost connection"
grep -q "mqtt connected" "$WORK/outage/stdout" || die "no log line for the reconnection"
"$PY" "$HERE/mqtt/check_mqtt.py" "$WORK/after.sub" "$STATION" "$WORK/outage/out" --expect-offline || die "after the restart"
before_n=$(grep -c " opensensor/$STATION/state " "$WORK/before.sub")
after_n=$(grep -c " opensensor/$STATION/state " "$WORK/after.sub")
((before_n + after_n >= 240)) || die "only $before_n + $after_n states around the outage (299 readings; those queued while away go out on reconnect)"
say "   the same rows and batch files as without MQTT; $before_n states before, $after_n after (queued ones included)"

# --- 4. A wrong password ------------------------------------------------------------------
say "4. a wrong password"
env $(station_env badpass) OPENSENSOR_MQTT_URL="mqtt://127.0.0.1:$MQTT_PORT" OPENSENSOR_MQTT_USERNAME=station \
    OPENSENSOR_MQTT_PASSWORD=not-the-password-42 \
    "$BIN" start --simulate --speed 60 --start "$START" --stop-after 2m >"$WORK/badpass/stdout" 2>&1 || die "start with a wrong password exited $?"
all_taken badpass 23
line=$(grep "mqtt: the broker refused the connection" "$WORK/badpass/stdout" | head -1)  # Mosquitto 2 answers 5, not authorized
[[ -n $line ]] || die "no clear log line for the refused password: $(grep -i mqtt "$WORK/badpass/stdout" | head -3)"
grep -q not-the-password-42 "$WORK/badpass/stdout" && die "the password appears in the log"
say "   23 rows; log: ${line:0:160}"
say "passed"
