#!/usr/bin/env bash
# The S3 client against real peers: OpenStack Swift's S3 API (strict: SigV4, payload hashes,
# Content-MD5, clock skew) and moto_server (conditional puts), each also behind our
# fault-injection proxy (Tests/Interop/s3/fault_proxy.py); then DuckDB's httpfs reads a Hive
# lake our client uploaded to Swift. Every server listens on 127.0.0.1 on a free port and is
# stopped by PID on exit. Runs as root in CI (installs Swift's Debian packages when absent).
#
# Environment: OPENSENSOR_REPO (repo root), PEERS_PYTHON (venv with pyarrow and moto[server]),
# SCRATCH (SwiftPM scratch path; default $OPENSENSOR_REPO/.build).
set -euo pipefail
REPO=${OPENSENSOR_REPO:?OPENSENSOR_REPO must name the repository root}
PY=${PEERS_PYTHON:?PEERS_PYTHON must name the peers venv python}
SCRATCH=${SCRATCH:-$REPO/.build}
HERE=$REPO/Tests/Interop
WORK=$(mktemp -d /tmp/opensensor-s3.XXXXXX)
pids=()

die() { printf 'run-s3.sh: FAILED: %s\n' "$*" >&2; exit 1; }
say() { printf '  [s3] %s\n' "$*"; }
cleanup() {
    status=$?
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    if ((status != 0)); then  # keep the servers' logs for the post-mortem
        rm -rf /tmp/opensensor-s3-failed && cp -r "$WORK" /tmp/opensensor-s3-failed 2>/dev/null || true
        printf 'run-s3.sh: servers'"'"' logs kept in /tmp/opensensor-s3-failed\n' >&2
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() {  # url, what: wait until the server answers HTTP at all (any status)
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

# --- Tools --------------------------------------------------------------------------------
MOTO=$(dirname "$PY")/moto_server
[[ -x $MOTO ]] || die "moto_server is missing from the peers venv (Tests/Interop/requirements.txt lists moto[server])"

# --- OpenStack Swift, single replica on loopback (docs/test-peers.md) ---------------------
source "$HERE/s3/swift_peer.sh"
start_swift "$WORK/swift"
say "OpenStack Swift at $SWIFT"

# --- moto_server ---------------------------------------------------------------------------
MOTO_PORT=$(free_port)
"$MOTO" -H 127.0.0.1 -p "$MOTO_PORT" >"$WORK/moto.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$MOTO_PORT/" "moto_server"
say "moto_server at http://127.0.0.1:$MOTO_PORT"

# --- Fault-injection proxies ----------------------------------------------------------------
MP=$(free_port); SP=$(free_port); XP=$(free_port)
"$PY" "$HERE/s3/fault_proxy.py" "$MP" "$MOTO_PORT" "$WORK/moto-proxy.json" 5 >"$WORK/moto-proxy.log" 2>&1 &
pids+=($!)
"$PY" "$HERE/s3/fault_proxy.py" "$SP" "$SWIFT_PORT" "$WORK/swift-proxy.json" 7 >"$WORK/swift-proxy.log" 2>&1 &
pids+=($!)
# A server that ignores If-None-Match: moto_server behind a proxy that strips the header.
"$PY" "$HERE/s3/fault_proxy.py" "$XP" "$MOTO_PORT" "$WORK/strip-proxy.json" 0 strip-if-none-match >"$WORK/strip-proxy.log" 2>&1 &
pids+=($!)
for n in moto swift strip; do
    for _ in $(seq 1 50); do [[ -s $WORK/$n-proxy.json ]] && break; sleep 0.1; done
done

# --- A small Parquet file for the DuckDB check -----------------------------------------------
"$PY" - "$WORK/fixture.parquet" <<'PYEOF'
import sys, datetime
import pyarrow as pa, pyarrow.parquet as pq
ts = [datetime.datetime(2025, 8, 30, 14, 30, tzinfo=datetime.timezone.utc) + datetime.timedelta(seconds=5 * i) for i in range(180)]
table = pa.table({"timestamp": pa.array(ts, pa.timestamp("ms", tz="UTC")),
                  "temperature": pa.array([20.0 + i / 100 for i in range(180)], pa.float32())})
pq.write_table(table, sys.argv[1], compression="snappy")
PYEOF

# --- The live suite --------------------------------------------------------------------------
BUCKET=opensensor-live-$RANDOM
mkdir -p "$WORK/markers"
say "swift test --filter S3ObjectStoreTests (live)"
(
    cd "$REPO"
    OPENSENSOR_S3_LIVE_SWIFT=$SWIFT OPENSENSOR_S3_LIVE_MOTO=http://127.0.0.1:$MOTO_PORT \
    OPENSENSOR_S3_LIVE_MOTO_PROXY=http://127.0.0.1:$MP OPENSENSOR_S3_LIVE_MOTO_PROXY_STATS=$WORK/moto-proxy.json \
    OPENSENSOR_S3_LIVE_SWIFT_PROXY=http://127.0.0.1:$SP OPENSENSOR_S3_LIVE_SWIFT_PROXY_STATS=$WORK/swift-proxy.json \
    OPENSENSOR_S3_LIVE_SWIFT_KEY=test:tester OPENSENSOR_S3_LIVE_SWIFT_SECRET=testing \
    OPENSENSOR_S3_LIVE_BUCKET=$BUCKET OPENSENSOR_S3_LIVE_PARQUET=$WORK/fixture.parquet \
    OPENSENSOR_S3_LIVE_MARKERS=$WORK/markers \
        swift test --scratch-path "$SCRATCH" --filter S3ObjectStoreTests 2>&1
) | tee "$WORK/swift-test.log" | grep -E '✘|error:|Test run with|passed after|failed after' | grep -vE '^􀟈|started' | tail -60 || true
grep -q 'Test run with .* passed' "$WORK/swift-test.log" || { tail -80 "$WORK/swift-test.log"; die "swift test --filter S3ObjectStoreTests"; }

# The live tests must really have run: each leaves a marker.
checks="roundTrip overwrite missingObjects ranges listing delete hiveAndUnicodeKeys emptyObject conditionalPuts largeObject"
expected="swift-wrong-secret swift-missing-bucket swift-clock-skew swift-presigned swift-duckdb-upload faults-moto faults-swift"
for c in $checks; do expected+=" swift-$c moto-$c"; done
missing=()
for m in $expected; do [[ -e $WORK/markers/$m ]] || missing+=("$m"); done
((${#missing[@]} == 0)) || die "live tests did not run: ${missing[*]}"
say "all $(echo $expected | wc -w) live tests ran"
"$PY" -c 'import json,sys; [print("  [s3] fault proxy (%s): %d requests, faults %s" % (n, s["requests"], s["faults"])) for n in ("moto","swift") for s in [json.load(open(sys.argv[1] + "/" + n + "-proxy.json"))]]' "$WORK"

# --- DuckDB httpfs reads the lake from Swift ---------------------------------------------------
# The httpfs extension must match DuckDB exactly (1.5.5); the peers venv has a newer duckdb for
# the other tests, so this check gets a venv of its own.
DVENV=/tmp/opensensor-duckdb-1.5.5
if [[ ! -x $DVENV/bin/python ]] || ! "$DVENV/bin/python" -c 'import duckdb, duckdb_extension_httpfs' 2>/dev/null; then
    say "creating $DVENV (duckdb==1.5.5, duckdb-extension-httpfs==1.5.5)"
    rm -rf "$DVENV"
    python3 -m venv "$DVENV" || die "python3 -m venv"
    "$DVENV/bin/pip" install -q --disable-pip-version-check duckdb==1.5.5 duckdb-extension-httpfs==1.5.5 \
        || die "pip install duckdb==1.5.5 duckdb-extension-httpfs==1.5.5"
fi
"$DVENV/bin/python" - "$SWIFT_PORT" "$BUCKET" <<'PYEOF' || die "DuckDB httpfs could not read the lake from Swift"
import glob, os, sys
import duckdb, duckdb_extension_httpfs
port, bucket = sys.argv[1], sys.argv[2]
ext = glob.glob(os.path.join(os.path.dirname(duckdb_extension_httpfs.__file__), "extensions", "*", "httpfs.duckdb_extension"))
assert ext, "httpfs.duckdb_extension not found in the wheel"
con = duckdb.connect()
con.execute(f"LOAD '{ext[0]}'")
con.execute(f"CREATE SECRET s (TYPE s3, KEY_ID 'test:tester', SECRET 'testing', REGION 'us-east-1', "
            f"ENDPOINT '127.0.0.1:{port}', URL_STYLE 'path', USE_SSL false)")
rows = con.execute(f"""SELECT station, year, month, day, count(*), round(min(temperature), 2)
    FROM read_parquet('s3://{bucket}/lake/**/*.parquet', hive_partitioning=true)
    GROUP BY ALL ORDER BY day""").fetchall()
print("  [s3] DuckDB httpfs read:", rows)
assert len(rows) == 2, rows
for r in rows:
    assert r[0] == "0190a4c2-7b1e-7c3d-8e9f-0a1b2c3d4e5f" and r[1] == 2025 and int(r[2]) == 8, r
    assert r[4] == 180 and r[5] == 20.0, r
assert [int(r[3]) for r in rows] == [30, 31], rows
PYEOF

# --- `opensensor sync` and auto-sync, the release binary end to end ---------------------------
BIN=${OPENSENSOR_BIN:?OPENSENSOR_BIN must name the release binary}
SYNC_BUCKET=opensensor-sync-$RANDOM
mkdir -p "$WORK/sync-moto" "$WORK/sync-swift"
"$PY" "$HERE/s3/check_sync.py" "$BIN" "$WORK/sync-moto" "http://127.0.0.1:$MOTO_PORT" "http://127.0.0.1:$MP" \
    "$WORK/moto-proxy.json" test test "$SYNC_BUCKET" moto || die "opensensor sync against moto_server"
"$PY" "$HERE/s3/check_sync.py" "$BIN" "$WORK/sync-swift" "$SWIFT" "http://127.0.0.1:$SP" \
    "$WORK/swift-proxy.json" test:tester testing "$SYNC_BUCKET" swift || die "opensensor sync against OpenStack Swift"
# Never lose the only copy: retention after `--verify` found differences; a server ignoring
# If-None-Match (moto_server behind the stripping proxy) has nothing replaced.
mkdir -p "$WORK/safety-moto"
"$PY" "$HERE/s3/check_safety.py" "$BIN" "$WORK/safety-moto" "http://127.0.0.1:$MOTO_PORT" "http://127.0.0.1:$XP" \
    "$WORK/strip-proxy.json" test test "$SYNC_BUCKET" moto || die "sync safety against moto_server"
mkdir -p "$WORK/safety-swift"
"$PY" "$HERE/s3/check_safety.py" "$BIN" "$WORK/safety-swift" "$SWIFT" - - test:tester testing "$SYNC_BUCKET" swift \
    || die "sync safety against OpenStack Swift"
"$DVENV/bin/python" - "$SWIFT_PORT" "$SYNC_BUCKET" "$WORK/sync-swift/lake" <<'PYEOF' || die "DuckDB httpfs could not read the synced lake"
import glob, os, sys
import duckdb, duckdb_extension_httpfs
port, bucket, local = sys.argv[1:4]
ext = glob.glob(os.path.join(os.path.dirname(duckdb_extension_httpfs.__file__), "extensions", "*", "httpfs.duckdb_extension"))
con = duckdb.connect()
con.execute(f"LOAD '{ext[0]}'")
con.execute(f"CREATE SECRET s (TYPE s3, KEY_ID 'test:tester', SECRET 'testing', REGION 'us-east-1', "
            f"ENDPOINT '127.0.0.1:{port}', URL_STYLE 'path', USE_SSL false)")
q = "SELECT station, year, month, day, count(*), epoch_ms(min(timestamp)), epoch_ms(max(timestamp)), round(avg(temperature), 6) FROM read_parquet('{}', hive_partitioning=true) GROUP BY ALL ORDER BY ALL"
remote = con.execute(q.format(f"s3://{bucket}/sync-swift/**/*.parquet")).fetchall()
here = con.execute(q.format(f"{local}/**/*.parquet")).fetchall()
print("  [s3] DuckDB httpfs read the synced lake:", [(r[3], r[4]) for r in remote])
assert remote == here and len(remote) == 3, (remote, here)
PYEOF
say "passed"
