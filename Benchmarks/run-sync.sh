#!/usr/bin/env bash
# What a sync costs as history grows: requests and wall time of `opensensor sync` with nothing
# new and with 4 new files (one more hour of batches), after 1, 30 and 365 simulated days of
# one station, against moto_server on 127.0.0.1. The Python collector's figures are those of
# DESIGN.md §7 (it LISTs the whole prefix and hashes every local file on each sync).
#
# Usage: Benchmarks/run-sync.sh [days...]   (default: 1 30 365; a year takes a few minutes,
# mostly the first full upload). Needs the peers venv (scripts/test creates .venv).
# OPENSENSOR_BIN=path uses that binary instead of building one.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=$ROOT/.venv/bin/python
[[ -x $PY && -x $ROOT/.venv/bin/moto_server ]] || { echo "run scripts/test once first (it creates .venv with moto_server)" >&2; exit 1; }
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
"$ROOT/.venv/bin/moto_server" -H 127.0.0.1 -p "$PORT" >"$WORK/moto.log" 2>&1 &
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
printf '\nPython collector (DESIGN.md §7), a year of files, nothing new: 36 LIST pages + MD5 of ~35k local files.\n'
printf 'Wall times include process start and reading the configuration; moto_server on loopback.\n'
