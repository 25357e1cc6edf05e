#!/usr/bin/env bash
# Starts Home Assistant once from the venv given as $1, with the configuration the tests use, so
# it pip-installs what its core, frontend and MQTT integration need into that venv; then marks
# the venv warm ($1/.warm). Afterwards the tests start it with --skip-pip. Called by install.sh.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
HASS_VENV=$1
die() { printf 'Tests/Interop/hass/warm.sh: FAILED: %s\n' "$*" >&2; exit 1; }
WORK=$(mktemp -d /tmp/opensensor-hass-warm.XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"' EXIT
source "$HERE/peer.sh"

port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# No broker is needed: the MQTT integration installs its requirements before it connects.
hass_configure "$WORK/config" "$(port)" "$(port)" warm warm
printf '==> hass venv: first start, installing its components (about a minute, once)\n' >&2
hass_start "$WORK/config"
hass_wait_initialized "$WORK/config" 600
hass_stop
if grep -E 'Unable to install|Requirements for .* not found|Error setting up|ModuleNotFoundError' \
    "$WORK/config/hass.out" >&2; then
    die "Home Assistant's first start failed to install or set up something (above)"
fi
# What the tests rely on, so a start with --skip-pip cannot quietly lack it.
"$HASS_VENV/bin/python" -c 'import paho.mqtt, sqlalchemy, hass_frontend' \
    || die "the first start did not install paho-mqtt, SQLAlchemy or the frontend"
"$HASS_VENV/bin/pip" freeze --disable-pip-version-check >"$HASS_VENV/.warm"
