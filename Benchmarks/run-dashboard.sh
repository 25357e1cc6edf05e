#!/usr/bin/env bash
# `opensensor dashboard` over one simulated station-year ending now (35,040 files): wall time of
# each preset page and of the 30-day series API, the server's peak RSS, and DuckDB answering the
# same 30-day question in the same run. The lake is simulated once and kept in LAKE;
# later runs only add the readings since the last run, so the presets stay on "now".
#
#   Benchmarks/run-dashboard.sh [RUNS]   LAKE=dir (default /tmp/opensensor-bench-dashboard-lake),
#                                        OPENSENSOR_BIN=binary (default .build/release/opensensor),
#                                        PEERS_PYTHON=python with duckdb (default .venv/bin/python),
#                                        DAYS=length of a new lake (default 365)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
lake=${LAKE:-/tmp/opensensor-bench-dashboard-lake}
days=${DAYS:-365}  # fewer while developing with a debug build
python=${PEERS_PYTHON:-.venv/bin/python}
bin=$(realpath "${OPENSENSOR_BIN:-.build/release/opensensor}")
# A fixed id, so a later run can extend the same station (the configuration wants a UUID).
station=0190b6c4-1c2d-7e3f-8a4b-0000000be7c4
[[ -x $bin ]] || { echo "no binary at $bin (swift build -c release, or set OPENSENSOR_BIN)" >&2; exit 1; }
"$python" -c "import duckdb" || { echo "needs duckdb in $python" >&2; exit 1; }

now=$(date -u +%Y-%m-%dT%H:%M:00Z)
simulate() {  # from to; in /tmp so no stray .env is read
    (cd /tmp && OPENSENSOR_STATION_ID=$station "$bin" simulate --output "$lake" --from "$1" --to "$2" >/dev/null)
}
# .complete holds the time the lake reaches; a lake more than 30 days behind is rebuilt.
if [[ -f $lake/.complete ]] && (($(date -u +%s) - $(date -u -d "$(cat "$lake/.complete")" +%s) < 30 * 86400)); then
    last=$(cat "$lake/.complete")
    if [[ $last < $now ]]; then
        echo "extending the lake from $last to $now" >&2
        simulate "$last" "$now"
        echo "$now" >"$lake/.complete"
    fi
else
    rm -rf "$lake"
    echo "simulating $days days of one station into $lake (a year: a minute or two in release)" >&2
    simulate "$(date -u -d "@$(($(date -u -d "$now" +%s) - days * 86400))" +%Y-%m-%dT%H:%M:00Z)" "$now"
    echo "$now" >"$lake/.complete"
fi
files=$(find "$lake" -name 'data_*.parquet' | wc -l)
mib=$(du -sm "$lake" | cut -f1)

log=$(mktemp)
pid=
cleanup() {
    if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    rm -f "$log"
}
trap cleanup EXIT
(cd /tmp && exec "$bin" dashboard --data "$lake" --host 127.0.0.1 --port 0) 2>"$log" >/dev/null &
pid=$!
url=
for _ in $(seq 300); do
    url=$(grep -o 'dashboard: http://127\.0\.0\.1:[0-9]*/' "$log" | head -1 | cut -d' ' -f2) || true
    [[ -n $url ]] && break
    kill -0 "$pid" 2>/dev/null || { echo "opensensor dashboard exited: $(cat "$log")" >&2; exit 1; }
    sleep 0.1
done
[[ -n $url ]] || { echo "opensensor dashboard did not start" >&2; exit 1; }
echo "one station, about $((files / 96)) days: $files files, $mib MiB; $(nproc) cores; $("$bin" --version 2>/dev/null || echo "$bin")"
"$python" Benchmarks/dashboard_side.py "$url" "$lake" "$station" "$pid" "$runs"
