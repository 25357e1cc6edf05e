#!/usr/bin/env bash
# Home Assistant Core (2024.3.3, its MQTT integration) as the real peer of the station's MQTT
# discovery. Mosquitto with a password on a free port; Home Assistant configured against it with a
# pre-seeded MQTT config entry (discovery on), onboarded for a REST token; then
# `opensensor start --simulate` publishes to the broker, and Home Assistant's own APIs must show
# one sensor entity per announced measurement on one device, with the right unit, device class
# and state class, and states equal to the newest reading the station published (the retained
# state message; that reading is also found in the station's lake by `opensensor query`). Then
# the retained discovery configs are removed and Home Assistant restarted: its `online` on
# <prefix>/status must make the station announce every sensor again, and the entities come back
# live. Every process is started here by PID and stopped on exit.
#
#   run-hass.sh             the test, with the opensensor binary
#   run-hass.sh --selftest  the harness against hass/fake_station.py instead of the binary
#
# Environment: OPENSENSOR_BIN, OPENSENSOR_REPO; OPENSENSOR_HASS_VENV (default: the user's cache,
# built by hass/install.sh).
set -euo pipefail
REPO=${OPENSENSOR_REPO:?OPENSENSOR_REPO must name the repository root}
HERE=$REPO/Tests/Interop
selftest=false
[[ ${1:-} == --selftest ]] && selftest=true
$selftest || BIN=${OPENSENSOR_BIN:?run through scripts/test}
WORK=$(mktemp -d /tmp/opensensor-hass.XXXXXX)
pids=()

die() { printf 'run-hass.sh: FAILED: %s\n' "$*" >&2; exit 1; }
say() { printf '  [hass] %s\n' "$*"; }
cleanup() {
    status=$?
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    if ((status != 0)); then
        rm -rf /tmp/opensensor-hass-failed && cp -r "$WORK" /tmp/opensensor-hass-failed 2>/dev/null || true
        printf 'run-hass.sh: logs kept in /tmp/opensensor-hass-failed\n' >&2
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now_iso() { date -u +%Y-%m-%dT%H:%M:%S.%6N+00:00; }

# --- Peers -------------------------------------------------------------------------------------
t=$SECONDS
HASS_VENV=$(bash "$HERE/hass/install.sh") || die "Tests/Interop/hass/install.sh"
HPY=$HASS_VENV/bin/python
CHECK=$HERE/hass/check_hass.py
say "Home Assistant venv ready in $((SECONDS - t)) s: $HASS_VENV"

source "$HERE/mqtt/broker.sh"
MQ_USER=opensensor MQ_PASS=test-$RANDOM$RANDOM PREFIX=homeassistant
start_mosquitto "$WORK/broker" "$MQ_USER" "$MQ_PASS"
say "Mosquitto at 127.0.0.1:$MQTT_PORT"
mq=(-h 127.0.0.1 -p "$MQTT_PORT" -u "$MQ_USER" -P "$MQ_PASS")

source "$HERE/hass/peer.sh"
HP=$(free_port)
URL=http://127.0.0.1:$HP
hass_configure "$WORK/hass" "$HP" "$MQTT_PORT" "$MQ_USER" "$MQ_PASS"
t=$SECONDS
hass_start "$WORK/hass" --skip-pip
hass_wait_initialized "$WORK/hass" 180
"$HPY" "$CHECK" token "$URL" "$WORK/token" || die "onboarding Home Assistant"
say "Home Assistant Core at $URL, started and onboarded in $((SECONDS - t)) s"

# --- The station ---------------------------------------------------------------------------------
STATION=0194b3a2-7c1d-7e00-8f00-0000000000$((RANDOM % 90 + 10))
mkdir -p "$WORK/station"
if $selftest; then
    "$HPY" "$HERE/hass/fake_station.py" "$MQTT_PORT" "$MQ_USER" "$MQ_PASS" "$PREFIX" "$STATION" \
        >"$WORK/station.log" 2>&1 &
else
    (cd "$WORK/station" && OPENSENSOR_STATION_ID=$STATION OPENSENSOR_HEALTH_ENABLED=false \
        OPENSENSOR_LOG_DIR=$WORK/station/logs OPENSENSOR_MIN_FREE_MB=0 OPENSENSOR_WARMUP_READINGS=0 \
        OPENSENSOR_MQTT_URL=mqtt://127.0.0.1:$MQTT_PORT OPENSENSOR_MQTT_USERNAME=$MQ_USER \
        OPENSENSOR_MQTT_PASSWORD=$MQ_PASS OPENSENSOR_MQTT_DISCOVERY_PREFIX=$PREFIX \
        exec "$BIN" start --simulate --speed 2 --output "$WORK/out") >"$WORK/station.log" 2>&1 &
fi
station_pid=$!
pids+=("$station_pid")
say "station $STATION publishing ($($selftest && echo 'self-test stand-in' || echo 'opensensor start --simulate --speed 2'))"

check() {  # out.json [--after ISO]
    "$HPY" "$CHECK" check "$URL" "$WORK/token" "$MQTT_PORT" "$MQ_USER" "$MQ_PASS" "$PREFIX" "$STATION" "$@" \
        || die "Home Assistant's view of the station (above)"
    kill -0 "$station_pid" 2>/dev/null || die "the station exited: $(tail -5 "$WORK/station.log")"
}
t=$SECONDS
check "$WORK/state1.json"
say "first check passed $((SECONDS - t)) s after the station started"

# --- Home Assistant restarts: the station must announce itself again ------------------------------
# Without its retained configs on the broker, Home Assistant only gets the sensors back if the
# station answers its `online` on <prefix>/status with the discovery configs.
hass_stop
mapfile -t config_topics < <(mosquitto_sub "${mq[@]}" -t "$PREFIX/sensor/+/+/config" --retained-only -W 2 -F %t 2>/dev/null || true)
((${#config_topics[@]} > 0)) || die "no retained discovery configs on the broker"
for topic in "${config_topics[@]}"; do mosquitto_pub "${mq[@]}" -t "$topic" -r -n -q 1; done
left=$(mosquitto_sub "${mq[@]}" -t "$PREFIX/sensor/+/+/config" --retained-only -W 2 -F %t 2>/dev/null | wc -l || true)
((left == 0)) || die "$left retained discovery configs survived their removal"
mosquitto_sub "${mq[@]}" -t "$PREFIX/sensor/+/+/config" -F %t >"$WORK/fresh-configs.txt" 2>&1 &
pids+=($!)
sleep 0.5  # the subscription is in place before Home Assistant says online
after=$(now_iso)
t=$SECONDS
hass_start "$WORK/hass" --skip-pip
hass_wait_initialized "$WORK/hass" 180
check "$WORK/state2.json" --after "$after"
fresh=$(sort -u "$WORK/fresh-configs.txt" | grep -c . || true)
((fresh == ${#config_topics[@]})) \
    || die "after Home Assistant's restart the station announced $fresh of ${#config_topics[@]} sensors again"
say "Home Assistant restarted: all $fresh sensors announced again and live after $((SECONDS - t)) s"

# --- The reading Home Assistant showed is the one the station stored --------------------------------
$selftest && { say "self-test passed (harness only, no station binary)"; exit 0; }
kill -TERM "$station_pid"
wait "$station_pid" || die "start exited non-zero after SIGTERM: $(tail -5 "$WORK/station.log")"
"$HPY" - "$BIN" "$WORK" <<'PY' || die "the reading Home Assistant showed is not in the station's lake"
import datetime, json, math, subprocess, sys
bin, work = sys.argv[1:3]
state = json.load(open(f"{work}/state2.json"))
ts = datetime.datetime.fromisoformat(state["timestamp"].replace("Z", "+00:00"))
lo = ts.replace(microsecond=0)
hi = lo + datetime.timedelta(seconds=1)
fmt = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")
out = subprocess.run([bin, "query", "--data", f"{work}/out", "--from", fmt(lo), "--to", fmt(hi),
                      "--every", "1m", "--format", "json"], capture_output=True, text=True,
                     cwd=f"{work}/station")
if out.returncode != 0:
    sys.exit(f"opensensor query: {out.stderr.strip()}")
rows = [json.loads(l) for l in out.stdout.splitlines() if l.strip()]
if len(rows) != 1 or rows[0].get("count") != 1:
    sys.exit(f"expected the one reading of {state['timestamp']}, query gave {rows}")
row = rows[0]
bad = []
for key, want in state.items():
    if key == "timestamp":
        continue
    got = row.get(f"{key}_min")  # of one reading: the value itself
    if want is None:
        if got not in (None, ""):
            bad.append(f"{key}: lake {got!r}, state null")
    elif got is None or not math.isclose(float(got), float(want), rel_tol=1e-6, abs_tol=1e-9):
        bad.append(f"{key}: lake {got!r}, state {want!r}")
if bad:
    sys.exit("; ".join(bad) + f"\nquery row: {row}")
print(f"  [hass] the lake's reading of {state['timestamp']} equals what Home Assistant showed")
PY
say "passed"
