#!/usr/bin/env bash
# SD-card wear: the bytes, write requests and cache flushes that reach the block device in a
# day of `opensensor start --simulate`, next to the Python collector's pattern (one Parquet file
# per 15 minutes, written to its final path, no fsync), on ext4 made on loop devices and mounted
# as Raspberry Pi OS's fstab mounts its root (defaults,noatime; ext4's 5 s commit interval).
# Counters: /sys/block/loopN/stat, fields 5 (write requests), 7 (sectors) and 16 (flushes).
#
# Why not just one simulated day at a high --speed: what a write that is not fsynced costs
# depends on wall time. ext4 commits its journal every 5 s, writes dirty pages back after 30 s
# and metadata to its home blocks 30 s after the commit; appends 5 s apart each pay for that on a
# real station, while at --speed 500 a hundred of them share it. So the main figure runs at real
# speed and scales two windows of one station to a day (Benchmarks/wear_report.py):
#   steady:   WEAR_WINDOW s between batch boundaries (from 00:04:40) → per-reading cost × 86400/W
#   boundary: WEAR_WINDOW s from 00:14:40, across 00:15 → minus the steady rate, the cost of one
#             batch (batch file, journal trim, health file, log lines, the sync 20 s later) × 96
# Each window follows a staged restart: the collector runs fast from 00:00 and is killed
# (SIGKILL), so the measured run finds a realistic journal (the 00:15 batch holds ~180
# readings) and the day's folders (as 95 of a day's 96 batches do); the file systems are then
# synced, and the counters read while the collector runs, 40 s after its start (start-up
# writes reach the device by then and are no daily cost), so what is in flight at both edges
# roughly cancels. The Python pattern: WEAR_PY_FILES files WEAR_PY_GAP s apart, far enough apart
# that no two share a commit or a writeback (as 15 min apart), × 96 / files.
# Also a whole simulated day at WEAR_DAY_SPEED (counted from start to unmount) next to 96 Python
# files back to back: what time compression shows, and the du of what a day produces.
#
# Where the bytes go (WEAR_SPLIT=1): the same windows again with journal, batch files, health
# files, sync ledgers and logs each on a file system of its own, mounted over the folders the
# collector uses. Each then pays its own journal commits, which one file system shares, so the
# parts add up to more than the one-file-system total; they show the shares.
#
# Environment (all optional):
#   WEAR_SYNC_SECONDS="0 60"   OPENSENSOR_JOURNAL_SYNC_SECONDS values, one table row each
#   WEAR_WINDOW=150            seconds per window (≥ 120; the steady one is capped at 600; a longer
#                              boundary window spans more boundaries: 1020 → 2, 3720 → 5). Use
#                              at least the largest setting, so each window holds a sync.
#   WEAR_SPEED=1               speed of the windows (above 1, commits merge: under-counts)
#   WEAR_DAY_SPEED=400         speed of the whole-day run; 0 skips it
#   WEAR_SPLIT=1               also measure the split by component
#   WEAR_WITH_SYNC=1           auto-sync to moto_server on 127.0.0.1 (default when the peers
#                              venv has it), so the sync ledgers are written as on a synced station
#   WEAR_PY_FILES=2 WEAR_PY_GAP=75  the Python sample (a file's metadata reaches its home blocks
#                              ~65 s after the write: commit, writeback at 30 s, commit,
#                              checkpoint at 30 s; closer files would share blocks)
#   WEAR_PY_COMPRESSION=zstd   the Python collector's default codec
#   WEAR_MOUNT_OPTS=defaults,noatime   WEAR_IMAGE_SIZE=1G (≥ 512M keeps mkfs's 4 KiB blocks)
#   OPENSENSOR_BIN=path        the binary (default: build the release binary)
#   PEERS_PYTHON=path          a python with polars and pyarrow (default: the peers venv)
#   WEAR_RESULTS=path          keep the raw measurements (JSON lines) there
# Needs root (losetup, mount) and mkfs.ext4. Default run: about 4 minutes; the loop devices and
# mounts are removed on exit, whatever happens.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SETTINGS=${WEAR_SYNC_SECONDS:-0 60}
WINDOW=${WEAR_WINDOW:-150}
SPEED=${WEAR_SPEED:-1}
DAY_SPEED=${WEAR_DAY_SPEED:-400}
SPLIT=${WEAR_SPLIT:-1}
PY_FILES=${WEAR_PY_FILES:-2}
PY_GAP=${WEAR_PY_GAP:-75}
MOUNT_OPTS=${WEAR_MOUNT_OPTS:-defaults,noatime}
IMAGE_SIZE=${WEAR_IMAGE_SIZE:-1G}
PY=${PEERS_PYTHON:-}
for p in "$PY" "$HOME/.cache/opensensor-test/venv/bin/python" "$ROOT/.venv/bin/python"; do
    [[ -n $p && -x $p ]] && { PY=$p; break; }
done
[[ -n $PY && -x $PY ]] || { echo "run-wear: no python with polars and pyarrow: set PEERS_PYTHON or run scripts/test once (it creates .venv)" >&2; exit 1; }
"$PY" -c 'import polars, pyarrow' 2>/dev/null || { echo "run-wear: $PY lacks polars or pyarrow" >&2; exit 1; }
MOTO=$(dirname "$PY")/moto_server
WITH_SYNC=${WEAR_WITH_SYNC:-$([[ -x $MOTO ]] && echo 1 || echo 0)}
[[ $WITH_SYNC == 0 || -x $MOTO ]] || { echo "run-wear: WEAR_WITH_SYNC=1 needs moto_server beside $PY" >&2; exit 1; }
[[ $EUID == 0 ]] || { echo "run-wear: needs root (losetup, mount)" >&2; exit 1; }
for tool in mkfs.ext4 losetup mount umount mountpoint ps bc; do
    command -v "$tool" >/dev/null || { echo "run-wear: $tool not found (apt-get install e2fsprogs mount)" >&2; exit 1; }
done
[[ $WINDOW =~ ^[0-9]+$ ]] && ((WINDOW >= 120)) || { echo "run-wear: WEAR_WINDOW must be a whole number of seconds ≥ 120, got '$WINDOW'" >&2; exit 1; }
for s in $SETTINGS; do
    [[ $s =~ ^[0-9]+$ ]] || { echo "run-wear: WEAR_SYNC_SECONDS holds '$s', expected whole seconds" >&2; exit 1; }
done

BIN=${OPENSENSOR_BIN:-}
if [[ -z $BIN ]]; then
    (cd "$ROOT" && swift build -c release --static-swift-stdlib --product opensensor >/dev/null)
    BIN=$ROOT/.build/release/opensensor
fi
[[ -x $BIN ]] || { echo "run-wear: no executable at $BIN" >&2; exit 1; }

WORK=$(mktemp -d /tmp/opensensor-wear.XXXXXX)
RESULTS=$WORK/results.jsonl
: >"$RESULTS"
: >"$WORK/pids"
MOUNTS=()
LOOPS=()
# True while `pid` is this script's descendant: a pid written to the list may since have ended and
# been reused by another process, which must not be killed.
ours() {
    local p=$1 hops=0
    while [[ -n $p && $p -gt 1 && $hops -lt 64 ]]; do
        [[ $p == "$$" ]] && return 0
        p=$(ps -o ppid= -p "$p" 2>/dev/null | tr -d ' ')
        hops=$((hops + 1))
    done
    return 1
}
cleanup() {
    local p m d victims=()
    # Only processes this script started, by pid, judged before any is killed (a child whose
    # parent is killed first is re-parented and would no longer look like ours).
    while read -r p; do [[ $p != "$$" ]] && ours "$p" && victims+=("$p"); done <"$WORK/pids"
    ((${#victims[@]} == 0)) || kill -9 "${victims[@]}" 2>/dev/null || true
    wait 2>/dev/null || true
    for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
        m=${MOUNTS[i]}
        if mountpoint -q "$m"; then umount "$m" 2>/dev/null || umount -l "$m" || echo "run-wear: could not unmount $m" >&2; fi
    done
    for d in "${LOOPS[@]}"; do losetup -d "$d" 2>/dev/null || true; done
    # Never remove the work folder while anything is still mounted inside it.
    if grep -q " $WORK/" /proc/mounts; then
        echo "run-wear: left $WORK in place: something is still mounted in it" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

DAY=2025-06-01
STATION=0190f5a0-7777-7000-8000-00000000ea12
PREFILL_SPEED=60
# Virtual seconds between a measured run's start and its window: what start-up writes without
# fsync (log lines, the recovered journal) reaches the device within ~35 s and is no daily cost.
LEAD=40

# mkfs on the image file, so that mkfs's own writes never reach the counters; inode tables and
# the journal are initialised by mkfs rather than by ext4lazyinit in the background (a card's
# root file system finished that long ago).
new_fs() {  # mountpoint → the loop device's name (loopN) in NEWDEV; runs in this shell, so
    local mnt=$1 img  # that cleanup knows every loop device and mount
    img=$WORK/images/$(echo "${mnt#"$WORK"/}" | tr / _).img
    mkdir -p "$WORK/images" "$mnt"
    truncate -s "$IMAGE_SIZE" "$img"
    mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$img"
    local dev
    dev=$(losetup -f --show "$img")
    LOOPS+=("$dev")
    mount -o "$MOUNT_OPTS" "$dev" "$mnt"
    MOUNTS+=("$mnt")
    rmdir "$mnt/lost+found"  # not part of a lake; only fsck uses it
    NEWDEV=$(basename "$dev")
}

bind() {  # source target
    mkdir -p "$1" "$2"
    mount --bind "$1" "$2"
    MOUNTS+=("$2")
}

# Completed write requests, sectors written (512 B) and flush requests of a block device
# (Documentation/block/stat.rst: fields 5, 7 and 16).
counters() {
    local f
    read -r -a f <"/sys/block/$1/stat"
    echo "${f[4]} $((f[6] * 512)) ${f[15]:-0}"
}

iso() { date -u -d "$DAY $1" +%Y-%m-%dT%H:%M:%SZ; }

collector_env() {  # run-dir setting output health logs sync-prefix|-
    local run=$1 setting=$2
    cat >"$run/env" <<EOF
OPENSENSOR_STATION_ID=$STATION
OPENSENSOR_OUTPUT_DIR=$3
OPENSENSOR_HEALTH_DIR=$4
OPENSENSOR_LOG_DIR=$5
OPENSENSOR_LOG_LEVEL=INFO
OPENSENSOR_WARMUP_READINGS=0
OPENSENSOR_JOURNAL_SYNC_SECONDS=$setting
EOF
    if [[ $6 != - ]]; then
        cat >>"$run/env" <<EOF
OPENSENSOR_SYNC_ENABLED=true
OPENSENSOR_STORAGE_PROVIDER=minio
OPENSENSOR_STORAGE_ENDPOINT=http://127.0.0.1:$MOTO_PORT
OPENSENSOR_STORAGE_BUCKET=wear
OPENSENSOR_STORAGE_PREFIX=$6
OPENSENSOR_AWS_ACCESS_KEY_ID=k
OPENSENSOR_AWS_SECRET_ACCESS_KEY=s
EOF
    fi
}

# Lays out one run's file systems: "combined" puts output, health and logs on one (as on a Pi,
# where all three live under the station's folder on the root file system); "split" gives each
# component its own. Writes <run>/devs ("component loopN" lines) and <run>/env.
layout() {  # run-dir layout setting sync-prefix|-
    local run=$1 kind=$2 setting=$3 prefix=$4 out health logs
    mkdir -p "$run"
    if [[ $kind == combined ]]; then
        new_fs "$run/fs"
        echo "all $NEWDEV" >"$run/devs"
        echo "$run/fs" >"$run/mounts"
        out=$run/fs/station/output health=$run/fs/station/output-health logs=$run/fs/station/logs
        mkdir -p "$out" "$health" "$logs"
    else
        out=$run/out health=$run/out-health logs=$run/logs
        new_fs "$out"
        echo "batches $NEWDEV" >"$run/devs"
        mkdir -p "$out/.opensensor/$STATION" "$out/.opensensor/sync"
        new_fs "$out/.opensensor/$STATION"
        echo "journal $NEWDEV" >>"$run/devs"
        new_fs "$health"
        echo "health $NEWDEV" >>"$run/devs"
        mkdir -p "$health/.opensensor/sync"
        new_fs "$logs"
        echo "logs $NEWDEV" >>"$run/devs"
        new_fs "$run/ledgers"
        echo "ledger $NEWDEV" >>"$run/devs"
        printf '%s\n' "$out" "$out/.opensensor/$STATION" "$health" "$logs" "$run/ledgers" >"$run/mounts"
        bind "$run/ledgers/data" "$out/.opensensor/sync"
        bind "$run/ledgers/health" "$health/.opensensor/sync"
    fi
    collector_env "$run" "$setting" "$out" "$health" "$logs" "$prefix"
    echo "$out" >"$run/output"
}

start_collector() {  # run-dir stderr-file args... → pid in $COLLECTOR
    (cd "$1" && set -a && . ./env && set +a && exec "$BIN" start --simulate "${@:3}" 2>"$2" >/dev/null) &
    COLLECTOR=$!
    echo "$COLLECTOR" >>"$WORK/pids"
}

json_counts() {  # "ios bytes flushes" → JSON fields
    local a
    read -r -a a <<<"$1"
    echo "\"w_ios\": ${a[0]}, \"w_bytes\": ${a[1]}, \"flushes\": ${a[2]}"
}

# One window: stage a restart (high speed from 00:00, SIGKILL), then run at WEAR_SPEED from
# `start` and read the counters at start+LEAD and start+LEAD+seconds.
window_run() {  # run-dir setting layout window(steady|boundary) start(HH:MM:SS) seconds boundaries
    local run=$1 setting=$2 kind=$3 window=$4 start=$5 seconds=$6 boundaries=$7
    local out journal pre comp dev base end jb je real
    out=$(cat "$run/output")
    journal=$out/.opensensor/$STATION/readings.journal
    pre=$(($(date -u -d "$DAY $start" +%s) - $(date -u -d "$DAY 00:00:00" +%s) - 10))
    # The staged run never syncs: the measured run's start-up sync takes what there is.
    grep -v '^OPENSENSOR_SYNC_ENABLED=' "$run/env" >"$run/env.pre"
    (cd "$run" && set -a && . ./env.pre && set +a && exec "$BIN" start --simulate --speed "$PREFILL_SPEED" \
        --start "$(iso 00:00:00)" 2>"$run/prefill.stderr" >/dev/null) &
    local prefill=$!
    echo "$prefill" >>"$WORK/pids"
    sleep "$(echo "$pre / $PREFILL_SPEED" | bc -l)"
    kill -9 "$prefill" 2>/dev/null || true
    wait "$prefill" 2>/dev/null || true
    [[ -s $journal ]] || { echo "run-wear: the staged run left no journal at $journal (see $run/prefill.stderr)" >&2; return 1; }
    # What the set-up and the staged run left dirty must not land in the window.
    while read -r m; do sync -f "$m"; done <"$run/mounts"

    start_collector "$run" "$run/stderr" --speed "$SPEED" --start "$(iso "$start")"
    local pid=$COLLECTOR
    sleep "$(echo "$LEAD / $SPEED" | bc -l)"
    declare -A base
    while read -r comp dev; do base[$comp]=$(counters "$dev"); done <"$run/devs"
    jb=$(stat -c %s "$journal")
    sleep "$(echo "$seconds / $SPEED" | bc -l)"
    while read -r comp dev; do
        end=$(counters "$dev")
        read -r -a b <<<"${base[$comp]}"
        read -r -a e <<<"$end"
        echo "{\"kind\": \"window\", \"setting\": $setting, \"layout\": \"$kind\", \"window\": \"$window\", \"seconds\": $seconds, \"boundaries\": $boundaries, \"component\": \"$comp\", $(json_counts "$((e[0] - b[0])) $((e[1] - b[1])) $((e[2] - b[2]))")}" >>"$run/result"
    done <"$run/devs"
    je=$(stat -c %s "$journal")
    kill -TERM "$pid"
    wait "$pid" || echo "run-wear: collector of $run exited with $? (see $run/stderr)" >&2
    local readings unknown=false
    readings=$(grep 'stopped' "$run/stderr" | grep -o 'readings=[0-9]*' | tail -1 | cut -d= -f2)
    grep -q 'OPENSENSOR_JOURNAL_SYNC_SECONDS' "$run/stderr" && unknown=true
    echo "{\"kind\": \"journal_growth\", \"setting\": $setting, \"layout\": \"$kind\", \"window\": \"$window\", \"seconds\": $seconds, \"bytes\": $((je - jb)), \"readings\": ${readings:-0}, \"key_warning\": $unknown}" >>"$run/result"
}

# A whole simulated day at DAY_SPEED on one file system, counted from before start to after
# unmount; then the sizes of what it left.
day_run() {  # run-dir setting
    local run=$1 setting=$2 out dev t0 t1
    out=$(cat "$run/output")
    dev=$(awk '{print $2}' "$run/devs")
    local base
    base=$(counters "$dev")
    t0=$(date +%s.%N)
    start_collector "$run" "$run/stderr" --speed "$DAY_SPEED" --start "$(iso 00:00:00)" --stop-after 1d
    wait "$COLLECTOR" || echo "run-wear: day run of $run exited with $? (see $run/stderr)" >&2
    t1=$(date +%s.%N)
    sync -f "$run/fs"
    local fs=$run/fs/station sizes
    sizes=$(cd "$fs" && "$PY" - <<'PY'
import glob, json, os
def total(pattern):
    files = [f for f in glob.glob(pattern, recursive=True) if os.path.isfile(f)]
    return len(files), sum(os.path.getsize(f) for f in files)
out = {}
for name, pattern in [("batches", "output/station=*/**/data_*.parquet"), ("health", "output-health/station=*/**/health_*.parquet"),
                      ("journal", "output/.opensensor/*/readings.journal"), ("ledger", "output*/.opensensor/sync/*.ledger"),
                      ("logs", "logs/opensensor.log*")]:
    n, b = total(pattern)
    out[name] = {"files": n, "bytes": b}
print(json.dumps(out))
PY
)
    umount "$run/fs"
    local readings
    readings=$(grep 'stopped' "$run/stderr" | grep -o 'readings=[0-9]*' | tail -1 | cut -d= -f2)
    read -r -a b <<<"$base"
    read -r -a e <<<"$(counters "$dev")"
    echo "{\"kind\": \"day\", \"setting\": $setting, \"speed\": $DAY_SPEED, $(json_counts "$((e[0] - b[0])) $((e[1] - b[1])) $((e[2] - b[2]))"), \"readings\": ${readings:-0}, \"wall_s\": $(echo "$t1 - $t0" | bc -l), \"sizes\": $sizes}" >>"$run/result"
}

python_run() {  # run-dir mode(spaced|all)
    local run=$1 mode=$2 dev out
    dev=$(awk '{print $2}' "$run/devs")
    out=$run/fs/station/output
    "$PY" "$ROOT/Benchmarks/wear_python.py" prepare "$WORK/source" "$out"
    sync -f "$run/fs"
    read -r -a b <<<"$(counters "$dev")"
    local args=(all) info
    [[ $mode == spaced ]] && args=(spaced "$PY_FILES" "$PY_GAP")
    "$PY" "$ROOT/Benchmarks/wear_python.py" "${args[0]}" "$WORK/source" "$out" "${args[@]:1}" >"$run/python.json" &
    echo $! >>"$WORK/pids"
    wait $!
    info=$(cat "$run/python.json")
    if [[ $mode == all ]]; then
        sync -f "$run/fs"
        umount "$run/fs"
    fi
    read -r -a e <<<"$(counters "$dev")"
    echo "{\"kind\": \"python\", \"mode\": \"$mode\", $(json_counts "$((e[0] - b[0])) $((e[1] - b[1])) $((e[2] - b[2]))"), \"written\": $info}" >>"$run/result"
}

if [[ $WITH_SYNC == 1 ]]; then
    MOTO_PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    "$MOTO" -H 127.0.0.1 -p "$MOTO_PORT" >"$WORK/moto.log" 2>&1 &
    echo $! >>"$WORK/pids"
    "$PY" - "$MOTO_PORT" <<'PY'
import sys, time
import boto3
s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{sys.argv[1]}", aws_access_key_id="k",
                  aws_secret_access_key="s", region_name="us-east-1")
for _ in range(150):
    try:
        s3.create_bucket(Bucket="wear"); break
    except Exception:
        time.sleep(0.2)
else:
    sys.exit("run-wear: moto_server did not answer on 127.0.0.1")
PY
fi

# The Python side's rows: the simulated station's own day of batches.
"$BIN" simulate --output "$WORK/source" --from "$(iso 00:00:00)" --days 1 >/dev/null 2>&1

# Window placement (virtual time on DAY): the steady window starts at 00:04:40 and ends by
# 00:14:40; the boundary window starts at 00:14:40 and holds every boundary at least 100 s
# before its end: the batch, the sync 20 s after it, and their metadata's writeback to its home
# blocks ~65 s later.
STEADY=$((WINDOW < 600 ? WINDOW : 600))
BOUNDARIES=$(((WINDOW - 120) / 900 + 1))
layouts=(combined)
[[ $SPLIT == 1 ]] && layouts+=(split)
jobs_started=()
for setting in $SETTINGS; do
    for kind in "${layouts[@]}"; do
        for window in steady boundary; do
            run=$WORK/s$setting-$kind-$window
            prefix=-
            [[ $WITH_SYNC == 1 ]] && prefix=s$setting-$kind-$window
            layout "$run" "$kind" "$setting" "$prefix"
            if [[ $window == steady ]]; then
                window_run "$run" "$setting" "$kind" steady 00:04:00 "$STEADY" 0 &
            else
                window_run "$run" "$setting" "$kind" boundary 00:14:00 "$WINDOW" "$BOUNDARIES" &
            fi
            echo $! >>"$WORK/pids"
            jobs_started+=($!)
        done
    done
    if [[ $DAY_SPEED != 0 ]]; then
        run=$WORK/s$setting-day
        prefix=-
        [[ $WITH_SYNC == 1 ]] && prefix=s$setting-day
        layout "$run" combined "$setting" "$prefix"
        day_run "$run" "$setting" &
        echo $! >>"$WORK/pids"
        jobs_started+=($!)
    fi
done
for mode in spaced all; do
    run=$WORK/python-$mode
    mkdir -p "$run"
    new_fs "$run/fs"
    echo "all $NEWDEV" >"$run/devs"
    python_run "$run" "$mode" &
    echo $! >>"$WORK/pids"
    jobs_started+=($!)
done
eta=$(echo "(840 / $PREFILL_SPEED + ($LEAD + $WINDOW) / $SPEED + 10) / 1" | bc)
[[ $DAY_SPEED != 0 ]] && eta=$(echo "e = 86400 / $DAY_SPEED + 5; if (e > $eta) e else $eta" | bc | cut -d. -f1)
echo "run-wear: measuring on ${#LOOPS[@]} loop devices, about $eta s" >&2
failed=0
for j in "${jobs_started[@]}"; do wait "$j" || failed=1; done
cat "$WORK"/*/result >"$RESULTS" 2>/dev/null || true
[[ -n ${WEAR_RESULTS:-} ]] && cp "$RESULTS" "$WEAR_RESULTS"
"$PY" "$ROOT/Benchmarks/wear_report.py" "$RESULTS" --mount-options "$MOUNT_OPTS" --binary "$BIN" --with-sync "$WITH_SYNC"
exit $failed
