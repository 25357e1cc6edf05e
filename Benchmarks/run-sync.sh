#!/usr/bin/env bash
# What a sync costs as history grows: requests and wall time of `opensensor sync` with nothing
# new and with 4 new files (one more hour of batches), after 1, 30 and 365 simulated days of
# one station, against moto_server on 127.0.0.1. The Python collector's figures are those of
# docs/ARCHITECTURE.md §7 (it LISTs the whole prefix and hashes every local file on each sync).
#
# Then the requests of an incremental sync of one new day (96 files in one new day folder) on
# OpenStack Swift (its S3 API answers 501 to If-None-Match) and on moto_server (honours it),
# against the bound N + D + 3 (files, day folders, and the one-time probe of what the store
# does with create-only puts).
#
# Usage: Benchmarks/run-sync.sh [days...]   (default: 1 30 365; a year takes a few minutes,
# mostly the first full upload). Needs the peers venv (scripts/test creates .venv; or
# PEERS_PYTHON=path/to/venv/bin/python) and, for Swift, root to install Debian's packages once.
# OPENSENSOR_BIN=path uses that binary instead of building one.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${PEERS_PYTHON:-$ROOT/.venv/bin/python}
MOTO=$(dirname "$PY")/moto_server
[[ -x $PY && -x $MOTO ]] || { echo "run scripts/test once first (it creates .venv with moto_server)" >&2; exit 1; }
DAYS=("$@"); ((${#DAYS[@]})) || DAYS=(1 30 365)
cd "$ROOT"
BIN=${OPENSENSOR_BIN:-}  # a binary built already, or build one
if [[ -z $BIN ]]; then
    swift build -c release --static-swift-stdlib --product opensensor >/dev/null
    BIN=$ROOT/.build/release/opensensor
fi
WORK=$(mktemp -d /tmp/opensensor-syncbench.XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"' EXIT

PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$MOTO" -H 127.0.0.1 -p "$PORT" >"$WORK/moto.log" 2>&1 &
pids+=($!)
"$PY" - "$PORT" <<'PYEOF'
import sys, time, urllib.request, urllib.error
for _ in range(150):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/", timeout=2); break
    except urllib.error.HTTPError:
        break
    except Exception:
        time.sleep(0.2)
import boto3
boto3.client("s3", endpoint_url=f"http://127.0.0.1:{sys.argv[1]}", aws_access_key_id="k", aws_secret_access_key="s",
             region_name="us-east-1").create_bucket(Bucket="bench")
PYEOF

STATION=0190f5a0-2222-7000-8000-000000000001
ms() { echo $(($(date +%s%N) / 1000000)); }
# The summary line: "data → …: N uploaded (…), F failed, C conflicts in S s (R requests)".
requests() { sed -n 's/.*(\([0-9]*\) requests).*/\1/p' | head -1; }

printf '\n%-6s %8s | %-26s | %-26s\n' days files "nothing new: requests, ms" "4 new files: requests, ms"
for days in "${DAYS[@]}"; do
    lake=$WORK/lake-$days
    cat >"$WORK/$days.env" <<EOF
OPENSENSOR_STATION_ID=$STATION
OPENSENSOR_OUTPUT_DIR=$lake
OPENSENSOR_STORAGE_PROVIDER=minio
OPENSENSOR_STORAGE_ENDPOINT=http://127.0.0.1:$PORT
OPENSENSOR_STORAGE_BUCKET=bench
OPENSENSOR_STORAGE_PREFIX=days-$days
OPENSENSOR_AWS_ACCESS_KEY_ID=k
OPENSENSOR_AWS_SECRET_ACCESS_KEY=s
OPENSENSOR_LOG_LEVEL=ERROR
EOF
    "$BIN" simulate --env-file "$WORK/$days.env" --output "$lake" --from 2025-01-01T00:00:00Z --days "$days" >/dev/null 2>&1
    files=$(find "$lake" -name '*.parquet' | wc -l)
    sleep 2.1  # the newest files must be older than the sync's 2 s settling time
    "$BIN" sync --env-file "$WORK/$days.env" >/dev/null  # the first, full upload
    t0=$(ms); r0=$("$BIN" sync --env-file "$WORK/$days.env" | requests); t1=$(ms)
    # One more hour of the same station: four new batch files in the last day's folder.
    read -r from to < <("$PY" -c "import datetime as d; t=d.datetime(2025,1,1,tzinfo=d.timezone.utc)+d.timedelta(days=$days); f='%Y-%m-%dT%H:%M:%SZ'; print(t.strftime(f), (t+d.timedelta(hours=1)).strftime(f))")
    "$BIN" simulate --env-file "$WORK/$days.env" --output "$lake" --from "$from" --to "$to" >/dev/null 2>&1
    sleep 2.1
    t2=$(ms); r4=$("$BIN" sync --env-file "$WORK/$days.env" | requests); t3=$(ms)
    printf '%-6s %8s | %-26s | %-26s\n' "$days" "$files" "$r0, $((t1 - t0)) ms" "$r4, $((t3 - t2)) ms"
done
printf '\nPython collector (docs/ARCHITECTURE.md §7), a year of files, nothing new: 36 LIST pages + MD5 of ~35k local files.\n'
printf 'Wall times include process start and reading the configuration; moto_server on loopback.\n'

# --- One new day on a store with and without create-only puts ----------------------------------
die() { printf 'run-sync.sh: %s\n' "$*" >&2; exit 1; }
say() { printf '  %s\n' "$*"; }
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() {
    "$PY" - "$1" <<'PYEOF' || die "$2 did not come up at $1"
import sys, time, urllib.request, urllib.error
for _ in range(150):
    try:
        urllib.request.urlopen(sys.argv[1], timeout=2); sys.exit(0)
    except urllib.error.HTTPError:
        sys.exit(0)
    except Exception:
        time.sleep(0.2)
sys.exit(1)
PYEOF
}
source "$ROOT/Tests/Interop/s3/swift_peer.sh"
start_swift "$WORK/swift"
"$PY" - "$SWIFT" <<'PYEOF'
import sys, boto3
from botocore.config import Config
boto3.client("s3", endpoint_url=sys.argv[1], aws_access_key_id="test:tester", aws_secret_access_key="testing",
             region_name="us-east-1", config=Config(s3={"addressing_style": "path"})).create_bucket(Bucket="bench")
PYEOF

printf '\n%-8s | %-24s | %-34s | %s\n' store "first sync (96 files)" "one new day (96 files, 1 folder)" "bound N + D + 3"
for store in swift moto; do
    if [[ $store == swift ]]; then endpoint=$SWIFT key=test:tester secret=testing; else endpoint=http://127.0.0.1:$PORT key=k secret=s; fi
    lake=$WORK/day-$store
    cat >"$WORK/day-$store.env" <<EOF
OPENSENSOR_STATION_ID=$STATION
OPENSENSOR_OUTPUT_DIR=$lake
OPENSENSOR_STORAGE_PROVIDER=minio
OPENSENSOR_STORAGE_ENDPOINT=$endpoint
OPENSENSOR_STORAGE_REGION=us-east-1
OPENSENSOR_STORAGE_BUCKET=bench
OPENSENSOR_STORAGE_PREFIX=new-day
OPENSENSOR_AWS_ACCESS_KEY_ID=$key
OPENSENSOR_AWS_SECRET_ACCESS_KEY=$secret
OPENSENSOR_LOG_LEVEL=ERROR
EOF
    "$BIN" simulate --env-file "$WORK/day-$store.env" --output "$lake" --from 2025-03-01T00:00:00Z --days 1 >/dev/null 2>&1
    sleep 2.1
    t0=$(ms); r1=$("$BIN" sync --env-file "$WORK/day-$store.env" | requests); t1=$(ms)
    "$BIN" simulate --env-file "$WORK/day-$store.env" --output "$lake" --from 2025-03-02T00:00:00Z --days 1 >/dev/null 2>&1
    sleep 2.1
    t2=$(ms); r2=$("$BIN" sync --env-file "$WORK/day-$store.env" | requests); t3=$(ms)
    printf '%-8s | %-24s | %-34s | %s\n' "$store" "$r1, $((t1 - t0)) ms" "$r2, $((t3 - t2)) ms" "$((96 + 1 + 3))"
done
printf '\nThe first sync includes the probe (3 requests, once per destination). Swift: one listing per\n'
printf 'day folder, then one put per file; moto_server: one create-only put per file.\n'
