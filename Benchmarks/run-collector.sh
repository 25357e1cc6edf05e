#!/usr/bin/env bash
# The collector's cost (DESIGN.md §7): peak RSS and CPU of `start --simulate --speed` over a
# simulated hour (journal fsync per reading, health once a minute, 4 batches), and CPU of
# `simulate` for an hour and a day (virtual clock, no sleeping), next to the Python
# collector's figures measured for DESIGN.md (RSS 93-111 MiB, 44.6 ms CPU per simulated hour).
#
#   Benchmarks/run-collector.sh [SPEED]
set -euo pipefail
cd "$(dirname "$0")/.."
speed=${1:-60}
swift build -c release --static-swift-stdlib --product opensensor >/dev/null 2>&1
bin=$PWD/.build/release/opensensor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export OPENSENSOR_LOG_LEVEL=ERROR OPENSENSOR_STATION_ID=0190a0b0-0000-7000-8000-0000000be7c4
measure() {  # label, command...: prints CPU (user+sys) ms and peak RSS MiB
    local label=$1; shift
    /usr/bin/time -f "%U %S %M" -o "$work/t" "$@" >/dev/null 2>&1
    read -r u s m < "$work/t"
    printf '%-44s %9.0f ms CPU %8.1f MiB peak RSS\n' "$label" "$(echo "($u+$s)*1000" | bc -l)" "$(echo "$m/1024" | bc -l)"
}
measure "start --simulate --speed $speed, 1 h" "$bin" start --simulate --speed "$speed" --start 2025-06-01T00:00:00Z --stop-after 1h
measure "simulate, 1 h (720 readings, 4 batches)" "$bin" simulate --output sim-h --from 2025-06-01T00:00:00Z --to 2025-06-01T01:00:00Z
measure "simulate, 1 day (17,280 readings, 96 batches)" "$bin" simulate --output sim-d --from 2025-06-01T00:00:00Z --days 1
measure "simulate, 30 days" "$bin" simulate --output sim-m --from 2025-06-01T00:00:00Z --days 30
echo "Python collector (DESIGN.md §7): 93-111 MiB RSS while collecting; 44.6 ms CPU per simulated hour"
echo "(CPU here has the 10 ms resolution of /usr/bin/time; the batch encode+write alone is in run-parquet.sh)"
