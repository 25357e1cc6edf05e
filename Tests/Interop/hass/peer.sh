# Home Assistant Core as a test peer, sourced by Tests/Interop/hass/install.sh (warm-up) and
# Tests/Interop/run-hass.sh. The caller defines `die`; HASS_VENV names the venv from install.sh.
#
#   hass_configure DIR HTTP_PORT BROKER_PORT USER PASSWORD
#       configuration.yaml (metric, UTC, HTTP on 127.0.0.1:HTTP_PORT, the REST API) and a
#       pre-seeded .storage/core.config_entries holding one MQTT entry with discovery on, so the
#       MQTT integration runs without its config flow.
#   hass_start DIR [--skip-pip]     start `hass -c DIR` in the background: HASS_PID (also
#                                   appended to the caller's `pids`), log in DIR/hass.out
#   hass_wait_initialized DIR SECS  until the log says the start-up has finished
#   hass_stop                       SIGTERM by PID, then wait (Home Assistant saves its stores)

hass_configure() {
    local dir=$1 http_port=$2 broker_port=$3 user=$4 pass=$5
    mkdir -p "$dir/.storage"
    cat >"$dir/configuration.yaml" <<YAML
homeassistant:
  name: opensensor test
  latitude: 51.5
  longitude: -0.12
  elevation: 10
  unit_system: metric
  time_zone: UTC
  country: GB
  currency: GBP
http:
  server_host: 127.0.0.1
  server_port: $http_port
api:
logger:
  default: warning
  logs:
    homeassistant.bootstrap: info  # says "Home Assistant initialized in …" when it is ready
YAML
    /usr/bin/python3 - "$dir/.storage/core.config_entries" "$broker_port" "$user" "$pass" <<'PY'
import json, sys
path, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
entry = {
    "entry_id": "0pensens0rtestmqttentry0000001",
    "version": 1, "minor_version": 1, "domain": "mqtt", "title": f"127.0.0.1:{port}",
    "data": {"broker": "127.0.0.1", "port": port, "username": user, "password": password,
             "discovery": True},
    "options": {}, "pref_disable_new_entities": False, "pref_disable_polling": False,
    "source": "user", "unique_id": None, "disabled_by": None,
}
store = {"version": 1, "minor_version": 1, "key": "core.config_entries",
         "data": {"entries": [entry]}}
with open(path, "w") as f:
    json.dump(store, f, indent=2)
PY
}

hass_start() {
    local dir=$1; shift
    [[ -x ${HASS_VENV:?HASS_VENV must name the venv from Tests/Interop/hass/install.sh}/bin/hass ]] \
        || die "no hass in $HASS_VENV"
    HASS_DIR=$dir
    "$HASS_VENV/bin/hass" -c "$dir" --log-no-color "$@" >>"$dir/hass.out" 2>&1 &
    HASS_PID=$!
    if declare -p pids >/dev/null 2>&1; then pids+=("$HASS_PID"); fi
}

hass_wait_initialized() {
    local dir=$1 secs=$2 i
    for ((i = 0; i < secs * 5; i++)); do
        grep -q 'Home Assistant initialized in' "$dir/hass.out" 2>/dev/null && return 0
        kill -0 "$HASS_PID" 2>/dev/null || die "hass exited: $(tail -20 "$dir/hass.out")"
        sleep 0.2
    done
    die "hass did not finish starting within $secs s: $(tail -20 "$dir/hass.out")"
}

hass_stop() {
    kill "$HASS_PID" 2>/dev/null || true
    wait "$HASS_PID" 2>/dev/null || true
}
