#!/usr/bin/env bash
# A month of one station in a bucket. First, read cold and warm: `opensensor query --every 1h
# --data s3://…` with an empty object cache and again with it filled, and the dashboard's 30-day
# station page over the bucket, loaded cold and again, with the dashboard's peak memory. Then read
# as batch files and as day files: `query` and DuckDB's httpfs asking the same hourly question,
# each over the 2,880 batch files of a prefix without day files and over a prefix with its `-daily`
# sibling (30 day files, written by `opensensor compact`); wall time the median of RUNS runs, our
# object cache off so every run fetches. moto_server on loopback serves the bucket and counts the
# requests (its access log). Same machine, same run, same data.
#
# On loopback every request costs moto_server's CPU and almost no wait, so both readers are bound
# by the server. RTT_MS=40 puts a network's round trip between the readers and moto_server
# (Benchmarks/latency_proxy.py): each object then costs a round trip, and what counts is how many
# requests a reader keeps in flight, as against a bucket across the Internet.
#
#   Benchmarks/run-remote.sh [RUNS]   OPENSENSOR_BIN=binary (default: build it),
#                                     PEERS_PYTHON=python with moto and boto3 (default .venv),
#                                     RTT_MS=round trip in ms between readers and server (default 0)
# DuckDB's httpfs must match its DuckDB exactly, so it gets a venv of its own (as run-s3.sh's).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
python=${PEERS_PYTHON:-.venv/bin/python}
moto=$(dirname "$python")/moto_server
[[ -x $moto ]] || { echo "needs moto_server beside $python (run scripts/test once, or set PEERS_PYTHON)" >&2; exit 1; }
if [[ -n ${OPENSENSOR_BIN:-} ]]; then
    bin=$(realpath "$OPENSENSOR_BIN")
else
    swift build -c release --static-swift-stdlib --product opensensor >/dev/null
    bin=$PWD/.build/release/opensensor
fi
dvenv=/tmp/opensensor-duckdb-1.5.5
if [[ ! -x $dvenv/bin/python ]] || ! "$dvenv/bin/python" -c 'import duckdb, duckdb_extension_httpfs' 2>/dev/null; then
    rm -rf "$dvenv"
    python3 -m venv "$dvenv"
    "$dvenv/bin/pip" install -q --disable-pip-version-check duckdb==1.5.5 duckdb-extension-httpfs==1.5.5
fi
work=$(mktemp -d /tmp/opensensor-bench-remote.XXXXXX)
moto_pid= proxy_pid=
trap '[[ -n $moto_pid ]] && kill $moto_pid 2>/dev/null; [[ -n $proxy_pid ]] && kill $proxy_pid 2>/dev/null; rm -rf "$work"' EXIT

(cd "$work" && "$bin" simulate --output lake --from 2025-06-01T00:00:00Z --days 30 --stations 1 >/dev/null)
(cd "$work" && "$bin" compact --data lake --to lake-daily >/dev/null)
port=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$moto" -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
"$python" - "$port" "$work" <<'PY'
import os, sys, time, boto3
port, work = sys.argv[1:3]
s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", aws_access_key_id="k", aws_secret_access_key="s",
                  region_name="us-east-1")
for _ in range(100):
    try:
        s3.create_bucket(Bucket="bench")
        break
    except Exception:
        time.sleep(0.2)
# `solo`: batch files alone; `lake` with `lake-daily` beside it.
for folder, prefixes in (("lake", ("solo", "lake")), ("lake-daily", ("lake-daily",))):
    root = os.path.join(work, folder)
    for d, _, files in os.walk(root):
        for f in files:
            if f.endswith(".parquet"):
                rel = os.path.relpath(os.path.join(d, f), root)
                for p in prefixes:
                    s3.upload_file(os.path.join(d, f), "bench", f"{p}/{rel}")
PY
rtt=${RTT_MS:-0}
if [[ $rtt != 0 ]]; then
    # The readers talk to the relay; the uploads above went straight to moto_server.
    relay=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    "$python" Benchmarks/latency_proxy.py "$relay" "$port" "$rtt" >"$work/relay.log" 2>&1 &
    proxy_pid=$!
    for _ in $(seq 100); do grep -q ready "$work/relay.log" && break; sleep 0.1; done
    grep -q ready "$work/relay.log" || { cat "$work/relay.log" >&2; exit 1; }
    port=$relay
fi
echo "readers to server: ${rtt} ms round trip"
cat >"$work/duck.py" <<'PY'
# The hourly question, asked of DuckDB 1.5.5 with httpfs over a prefix's Parquet files.
import glob, os, sys
import duckdb, duckdb_extension_httpfs
port, glob_ = sys.argv[1:3]
ext = glob.glob(os.path.join(os.path.dirname(duckdb_extension_httpfs.__file__), "extensions", "*", "httpfs.duckdb_extension"))[0]
con = duckdb.connect()
con.execute(f"LOAD '{ext}'")
con.execute(f"CREATE SECRET s (TYPE s3, KEY_ID 'k', SECRET 's', REGION 'us-east-1', ENDPOINT '127.0.0.1:{port}', "
            "URL_STYLE 'path', USE_SSL false)")
rows = con.execute(f"""SELECT time_bucket(INTERVAL 1 HOUR, timestamp)::VARCHAR AS hour, count(*), avg(temperature),
    avg(humidity), avg(pressure), avg(pm25), avg(pm10) FROM read_parquet('{glob_}', hive_partitioning = true)
    GROUP BY ALL ORDER BY hour""").fetchall()
print(len(rows))
PY

# Its access log, one line a request (a 206 answer's line is wrapped in colour codes).
requests() { grep -cE '(GET|HEAD) /bench' "$work/moto.log" || true; }
# NAME CMD...: median wall time of RUNS runs and the requests of one, into the table.
measure() {
    local name=$1; shift
    local times=() before after
    before=$(requests)
    for _ in $(seq "$runs"); do
        local t0 t1
        t0=$(date +%s%N)
        "$@" >"$work/out" 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
        t1=$(date +%s%N)
        times+=($(( (t1 - t0) / 1000000 )))
    done
    after=$(requests)
    local median
    median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
    printf '%-44s %8d ms %8d requests\n' "$name" "$median" $(( (after - before) / runs ))
}
export OPENSENSOR_STORAGE_PROVIDER=minio OPENSENSOR_STORAGE_ENDPOINT=http://127.0.0.1:$port OPENSENSOR_STORAGE_REGION=us-east-1 \
    OPENSENSOR_AWS_ACCESS_KEY_ID=k OPENSENSOR_AWS_SECRET_ACCESS_KEY=s OPENSENSOR_CACHE_MB=512 OPENSENSOR_CACHE_DIR=$work/cache
echo "one station, 30 days: $(find "$work/lake" -name '*.parquet' | wc -l) batch files ($(du -sk "$work/lake" | cut -f1) KiB), $(find "$work/lake-daily" -name '*.parquet' | wc -l) day files ($(du -sk "$work/lake-daily" | cut -f1) KiB)"

# Cold and warm, batch files only, with the object cache: one run each.
ms() { echo $(( $(date +%s%N) / 1000000 )); }
for pass in cold warm; do
    before=$(requests); t0=$(ms)
    (cd "$work" && "$bin" query --data s3://bench/solo --every 1h --format csv >"$work/out" 2>"$work/err") || { cat "$work/err" >&2; exit 1; }
    t1=$(ms)
    printf '%-44s %8d ms %8d requests   (%s)\n' "ours, query --every 1h, $pass" $((t1 - t0)) $(( $(requests) - before )) \
        "$(grep -o '[0-9]* object requests ([0-9]* bytes), [0-9]* objects from the cache' "$work/err")"
done
(cd "$work" && exec "$bin" dashboard --data s3://bench/solo --port 0 >"$work/dash.log" 2>&1) &
dash=$!
trap '[[ -n $moto_pid ]] && kill $moto_pid 2>/dev/null; [[ -n $proxy_pid ]] && kill $proxy_pid 2>/dev/null; kill $dash 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 300); do grep -q 'http://127.0.0.1:[0-9]*/' "$work/dash.log" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/dash.log" | head -1)
[[ -n $url ]] || { cat "$work/dash.log" >&2; exit 1; }
sleep 2  # its warm-up pass (the last 7 and 30 days before now: listings only here) is over
rm -rf "$work/cache"  # the page's first load fetches every object
station=$(ls "$work/lake" | sed -n 's/^station=//p' | head -1)
page="$url/stations/$station?range=custom&from=2025-06-01T00:00:00Z&to=2025-07-01T00:00:00Z"
for pass in cold warm; do
    before=$(requests); t0=$(ms)
    curl -sf -o "$work/page.html" "$page" || { echo "the 30-day page failed" >&2; cat "$work/dash.log" >&2; exit 1; }
    t1=$(ms)
    printf '%-44s %8d ms %8d requests\n' "ours, dashboard 30-day station page, $pass" $((t1 - t0)) $(( $(requests) - before ))
done
grep -q 'data-column="temperature"' "$work/page.html" || { echo "the 30-day page has no numbers" >&2; exit 1; }
echo "dashboard over the bucket: peak RSS $(awk '/VmHWM/ {printf "%.1f MiB", $2 / 1024}' /proc/$dash/status)"
kill $dash; wait $dash 2>/dev/null || true

export OPENSENSOR_CACHE_MB=0
echo "batch files and day files, our object cache off; median of $runs"
(cd "$work" && measure "ours, query --every 1h, batch files" "$bin" query --data s3://bench/solo --every 1h --format csv)
cp "$work/out" "$work/ours-batch.csv"
(cd "$work" && measure "ours, query --every 1h, day files" "$bin" query --data s3://bench/lake --every 1h --format csv)
cmp -s "$work/out" "$work/ours-batch.csv" || { echo "the answers over batch files and day files differ" >&2; exit 1; }
measure "DuckDB 1.5.5 httpfs, hourly SQL, batch files" "$dvenv/bin/python" "$work/duck.py" "$port" "s3://bench/solo/**/*.parquet"
measure "DuckDB 1.5.5 httpfs, hourly SQL, day files" "$dvenv/bin/python" "$work/duck.py" "$port" "s3://bench/lake-daily/**/*.parquet"
echo "(our object cache off: a day file is fetched once for its footer and once to be read; with the cache, once)"
