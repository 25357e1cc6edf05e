#!/usr/bin/env bash
# `query --data s3://BUCKET/PREFIX` against real peers: a simulated lake (with one corrupt batch
# file) uploaded to OpenStack Swift's S3 API (signed requests) and to moto_server read without
# keys (unsigned, as a public bucket is read); Tests/Interop/remote/check_remote.py compares
# every answer with `query` over the same lake on disk and prints the requests each one took;
# Tests/Interop/remote/check_dashboard_remote.py does the same for the dashboard's answers and
# serves a registry (stations.csv) with a pending row, a missing bucket and a malformed row;
# Tests/Interop/remote/check_compact_remote.py compacts the bucket's lake into the bucket and
# compares the day files with those `compact` writes from the folder; then the queries are asked
# again, reading the day files.
# Servers listen on 127.0.0.1 on free ports and are stopped by PID on exit.
set -euo pipefail
REPO=${OPENSENSOR_REPO:?OPENSENSOR_REPO must name the repository root}
PY=${PEERS_PYTHON:?PEERS_PYTHON must name the peers venv python}
BIN=${OPENSENSOR_BIN:?OPENSENSOR_BIN must name the release binary}
HERE=$REPO/Tests/Interop
WORK=$(mktemp -d /tmp/opensensor-remote.XXXXXX)
pids=()

die() { printf 'run-remote.sh: FAILED: %s\n' "$*" >&2; exit 1; }
say() { printf '  [remote] %s\n' "$*"; }
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() {  # url, what: until the server answers HTTP at all (any status); swift_peer.sh uses it
    "$PY" - "$1" <<'PYEOF' || die "$2 did not come up at $1"
import sys, time, urllib.request, urllib.error
for _ in range(150):
    try:
        urllib.request.urlopen(sys.argv[1], timeout=2)
        sys.exit(0)
    except urllib.error.HTTPError:
        sys.exit(0)
    except Exception:
        time.sleep(0.2)
sys.exit(1)
PYEOF
}

MOTO=$(dirname "$PY")/moto_server
[[ -x $MOTO ]] || die "moto_server is missing from the peers venv (Tests/Interop/requirements.txt lists moto[server])"
source "$HERE/s3/swift_peer.sh"
start_swift "$WORK/swift"
say "OpenStack Swift at $SWIFT"
MOTO_PORT=$(free_port)
"$MOTO" -H 127.0.0.1 -p "$MOTO_PORT" >"$WORK/moto.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$MOTO_PORT/" "moto_server"
say "moto_server at http://127.0.0.1:$MOTO_PORT"

# The lake: three simulated days of two stations, and one corrupt batch file.
LAKE=$WORK/lake
(cd "$WORK" && "$BIN" simulate --output "$LAKE" --from 2025-06-01T00:00:00Z --days 3 --stations 2 >/dev/null) || die "simulate"
station=$(ls "$LAKE" | grep '^station=' | head -1)
printf 'PAR1 not a parquet file PAR1' >"$LAKE/$station/year=2025/month=06/day=01/data_2330.parquet.tmp"
mv "$LAKE/$station/year=2025/month=06/day=01/data_2330.parquet.tmp" "$LAKE/$station/year=2025/month=06/day=01/data_2330.parquet"
say "lake: $(find "$LAKE" -name '*.parquet' | wc -l) batch files"

BUCKET=opensensor-remote-$RANDOM
"$PY" - "$LAKE" "$BUCKET" "$SWIFT" "http://127.0.0.1:$MOTO_PORT" <<'PYEOF' || die "upload"
import os, sys, boto3
from botocore.config import Config
lake, bucket, swift, moto = sys.argv[1:5]
# On moto_server the objects are public-read: its unsigned GETs honour object ACLs, as S3's do.
for endpoint, key, secret, extra in ((swift, "test:tester", "testing", {}), (moto, "test", "test", {"ACL": "public-read"})):
    s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=key, aws_secret_access_key=secret,
                      region_name="us-east-1", config=Config(s3={"addressing_style": "path"}))
    s3.create_bucket(Bucket=bucket)
    for root, _, files in os.walk(lake):
        for f in files:
            path = os.path.join(root, f)
            s3.upload_file(path, bucket, "lake/" + os.path.relpath(path, lake), ExtraArgs=extra)
PYEOF

"$PY" "$HERE/remote/check_remote.py" "$BIN" "$WORK" "$LAKE" "$SWIFT" "$BUCKET" test:tester testing swift || die "query over Swift"
"$PY" "$HERE/remote/check_remote.py" "$BIN" "$WORK" "$LAKE" "http://127.0.0.1:$MOTO_PORT" "$BUCKET" "" "" moto-unsigned || die "query over moto_server, unsigned"
"$PY" "$HERE/remote/check_dashboard_remote.py" "$BIN" "$WORK" "$LAKE" "$SWIFT" "$BUCKET" test:tester testing swift || die "dashboard over Swift"
"$PY" "$HERE/remote/check_dashboard_remote.py" "$BIN" "$WORK" "$LAKE" "http://127.0.0.1:$MOTO_PORT" "$BUCKET" "" "" moto-unsigned || die "dashboard over moto_server, unsigned"
"$PY" "$HERE/remote/check_compact_remote.py" "$BIN" "$WORK" "$LAKE" "$SWIFT" "$BUCKET" test:tester testing swift || die "compact over Swift"
# The same questions again, now that the bucket holds day files beside the lake.
"$PY" "$HERE/remote/check_remote.py" "$BIN" "$WORK" "$LAKE" "$SWIFT" "$BUCKET" test:tester testing swift-daily daily || die "query over Swift's day files"
say "ok"
