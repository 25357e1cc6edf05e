#!/usr/bin/env bash
# `opensensor query --every 1h` over one simulated station-year against DuckDB (Python, the
# same question over the same files): wall time and peak RSS, median of RUNS runs each, same
# machine, same run. The lake is simulated once and kept in LAKE.
#
#   Benchmarks/run-query.sh [RUNS]   LAKE=dir (default /tmp/opensensor-bench-query-lake),
#                                    OPENSENSOR_BIN=binary (default: build it), PEERS_PYTHON=python
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
lake=${LAKE:-/tmp/opensensor-bench-query-lake}
python=${PEERS_PYTHON:-.venv/bin/python}
scratch=${SCRATCH:-.build}
[[ -x /usr/bin/time ]] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
"$python" -c "import duckdb" || { echo "needs duckdb in $python" >&2; exit 1; }
if [[ -n ${OPENSENSOR_BIN:-} ]]; then  # an already built release binary
    bin=$(realpath "$OPENSENSOR_BIN")
else
    swift build -c release --static-swift-stdlib --scratch-path "$scratch" --product opensensor >/dev/null
    bin=$(cd "$scratch/release" && pwd)/opensensor
fi
if [[ ! -f $lake/.complete ]]; then
    rm -rf "$lake"
    (cd /tmp && "$bin" simulate --output "$lake" --from 2025-01-01T00:00:00Z --days 365 --stations 1 >/dev/null)
    touch "$lake/.complete"
fi
files=$(find "$lake" -name 'data_*.parquet' | wc -l)
mib=$(du -sm "$lake" | cut -f1)
duck=$(mktemp --suffix .py)
trap 'rm -f "$duck"' EXIT
cat > "$duck" <<'PY'
# What `opensensor query --every 1h --format csv` answers, asked of DuckDB, printed as CSV.
import sys, duckdb
cols = ("temperature raw_temperature pressure humidity raw_humidity oxidised reducing nh3 lux proximity pm1 pm25 "
        "pm10 particles_03um particles_05um particles_10um particles_25um particles_50um particles_100um").split()
aggs = "".join(f", avg({c}), min({c}), max({c})" for c in cols)
duckdb.sql(f"SELECT station::VARCHAR AS station, time_bucket(INTERVAL 1 HOUR, timestamp) AS time, count(*) AS count{aggs} "
           f"FROM read_parquet('{sys.argv[1]}/**/data_*.parquet', hive_partitioning = true) "
           f"GROUP BY ALL ORDER BY station, time").write_csv("/dev/stdout")
PY
measure() {  # prints the median wall time (s) and median peak RSS (KiB) of RUNS runs of "$@"
    local out times rss
    out=$(mktemp); times=$(mktemp); rss=$(mktemp)
    for _ in $(seq "$runs"); do
        /usr/bin/time -f "%e %M" -o "$out" "$@" >/dev/null 2>/dev/null
        read -r t m < "$out"
        echo "$t" >> "$times"; echo "$m" >> "$rss"
    done
    local mid=$(( (runs + 1) / 2 ))
    echo "$(sort -n "$times" | sed -n "${mid}p") $(sort -n "$rss" | sed -n "${mid}p")"
    rm -f "$out" "$times" "$rss"
}
# Same groups on both sides, or the comparison means nothing.
ours_rows=$("$bin" query --data "$lake" --every 1h --format csv | wc -l)
duck_rows=$("$python" "$duck" "$lake" | wc -l)
[[ $ours_rows == "$duck_rows" ]] || { echo "row counts differ: ours $ours_rows, DuckDB $duck_rows" >&2; exit 1; }
read -r ours_s ours_kb < <(measure "$bin" query --data "$lake" --every 1h --format csv)
read -r duck_s duck_kb < <(measure "$python" "$duck" "$lake")
echo "one station-year: $files files, $mib MiB, $((ours_rows - 1)) hourly groups; median of $runs runs, $(nproc) cores"
printf '%-26s %8s %13s\n' "" "wall s" "peak RSS MiB"
printf '%-26s %8s %13.1f\n' "opensensor query" "$ours_s" "$(echo "$ours_kb/1024" | bc -l)"
printf '%-26s %8s %13.1f\n' "DuckDB $("$python" -c 'import duckdb; print(duckdb.__version__)') (Python)" "$duck_s" "$(echo "$duck_kb/1024" | bc -l)"
