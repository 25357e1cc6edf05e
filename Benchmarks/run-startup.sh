#!/usr/bin/env bash
# `opensensor --version`: wall time and peak RSS, ours against the Python collector
# (opensensor-enviroplus 0.5.9 in a venv of its own), same machine, same run (docs/ARCHITECTURE.md §7).
#
#   Benchmarks/run-startup.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
venv=.venv-collector
if [[ ! -x $venv/bin/opensensor ]]; then
    python3 -m venv "$venv"
    # 0.5.9's metadata misses click, which its CLI imports.
    "$venv/bin/pip" install -q --disable-pip-version-check opensensor-enviroplus==0.5.9 click
fi
# OPENSENSOR_BIN measures a binary built elsewhere (a before/after comparison); else a fresh release build.
if [[ -z ${OPENSENSOR_BIN:-} ]]; then
    swift build -c release --static-swift-stdlib --product opensensor >/dev/null
fi
bin=${OPENSENSOR_BIN:-.build/release/opensensor}
measure() {  # prints the median wall time (ms) and median peak RSS (KiB) of RUNS runs of "$@"
    local out times rss
    out=$(mktemp); times=$(mktemp); rss=$(mktemp)
    for _ in $(seq "$runs"); do
        local t0 t1; t0=$(date +%s%N)
        /usr/bin/time -f "%M" -o "$out" "$@" >/dev/null 2>&1
        t1=$(date +%s%N)
        echo "$(( (t1 - t0) / 1000 ))" >> "$times"
        tail -1 "$out" >> "$rss"
    done
    local mid=$(( (runs + 1) / 2 ))
    echo "$(sort -n "$times" | sed -n "${mid}p" | awk '{printf "%.1f", $1 / 1000}') $(sort -n "$rss" | sed -n "${mid}p")"
    rm -f "$out" "$times" "$rss"
}
read -r ours_ms ours_kb < <(measure "$bin" --version)
read -r py_ms py_kb < <(measure "$venv/bin/opensensor" --version)
printf '%-22s %10s %12s\n' "" "wall ms" "peak RSS MiB"
printf '%-22s %10s %12.1f\n' "opensensor (Swift)" "$ours_ms" "$(echo "$ours_kb/1024" | bc -l)"
printf '%-22s %10s %12.1f\n' "Python collector" "$py_ms" "$(echo "$py_kb/1024" | bc -l)"
echo "ratio: $(echo "$py_ms/$ours_ms" | bc -l | cut -c1-5)x less wall time, $(echo "$py_kb/$ours_kb" | bc -l | cut -c1-5)x less memory (wall time includes /usr/bin/time itself)"
