#!/usr/bin/env bash
# `opensensor dashboard` over HTTP and in headless Chromium: routes and their errors, hardening
# (Host refusal, nosniff and CSP headers, the range cap, memory under 300 concurrent requests,
# the idle timeout),
# the series API byte for byte against `opensensor query`, the latest API against pyarrow, the
# charts' points and gaps, time zones, phone and desktop layouts, screenshots, and a batch added
# while the server runs. See dashboard/check_dashboard.py for the lakes and every check.
#
# Environment: OPENSENSOR_BIN, PEERS_PYTHON (venv with pyarrow and selenium), OPENSENSOR_REPO;
# OPENSENSOR_ARTIFACTS (screenshots; default /tmp/opensensor-dashboard-artifacts).
# Runs as root in CI: installs Debian's chromium and chromium-driver when absent.
set -euo pipefail
BIN=${OPENSENSOR_BIN:?run through scripts/test}
PY=${PEERS_PYTHON:?run through scripts/test}
REPO=${OPENSENSOR_REPO:?OPENSENSOR_REPO must name the repository root}
CHECK=$REPO/Tests/Interop/dashboard/check_dashboard.py
WORK=$(mktemp -d /tmp/opensensor-dashboard.XXXXXX)
pid=

die() { printf 'run-dashboard.sh: FAILED: %s\n' "$*" >&2; exit 1; }
say() { printf '  [dashboard] %s\n' "$*"; }
cleanup() {
    status=$?
    if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    if ((status != 0)) && [[ -f $WORK/dashboard.log ]]; then
        printf 'run-dashboard.sh: the server'"'"'s log:\n' >&2
        tail -20 "$WORK/dashboard.log" >&2 || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# --- Tools --------------------------------------------------------------------------------
# The dashboard reads viewers' zones from Debian's tzdata; the check crosses a DST change.
if [[ ! -e /usr/share/zoneinfo/Europe/Berlin ]]; then
    [[ $(id -u) == 0 ]] || die "the time-zone database is missing (apt-get install tzdata)"
    say "installing tzdata from Debian's packages"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends tzdata >/dev/null || die "apt-get install tzdata"
fi
if [[ ! -x /usr/bin/chromium || ! -x /usr/bin/chromedriver ]]; then
    [[ $(id -u) == 0 ]] || die "Chromium is missing (apt-get install chromium chromium-driver)"
    say "installing chromium and chromium-driver from Debian's packages"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null \
        || die "apt-get install chromium chromium-driver"
fi
"$PY" -c 'import selenium, pyarrow' 2>/dev/null || die "selenium or pyarrow missing from $PY (Tests/Interop/requirements.txt)"
# selenium must not try to download a driver: the Debian one is given by path.
export SE_OFFLINE=true

# --- The lakes, then the server -----------------------------------------------------------
say "simulating the lakes in $WORK"
"$PY" "$CHECK" build "$BIN" "$WORK"
(cd "$WORK" && exec "$BIN" dashboard --data "$WORK/out" --health-data "$WORK/out-health" --host 127.0.0.1 --port 0) \
    2>"$WORK/dashboard.log" >/dev/null &
pid=$!
url=
for _ in $(seq 300); do
    url=$(grep -o 'dashboard: http://127\.0\.0\.1:[0-9]*/' "$WORK/dashboard.log" 2>/dev/null | head -1 | cut -d' ' -f2) || true
    [[ -n $url ]] && break
    kill -0 "$pid" 2>/dev/null || die "opensensor dashboard exited: $(cat "$WORK/dashboard.log")"
    sleep 0.1
done
[[ -n $url ]] || die "opensensor dashboard did not print its address within 30 s"
say "serving at $url (pid $pid)"
DASHBOARD_PID=$pid "$PY" "$CHECK" check "$BIN" "$WORK" "$url"
