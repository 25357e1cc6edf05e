#!/usr/bin/env bash
# The collector's cost (docs/ARCHITECTURE.md §7): peak RSS and CPU of `start --simulate --speed` over a
# simulated hour (journal fsync per reading, health once a minute, 4 batches), and CPU of
# `simulate` for an hour and a day (virtual clock, no sleeping), next to the Python
# collector's figures in docs/ARCHITECTURE.md §7 (RSS 93-111 MiB, 44.6 ms CPU per simulated hour).
#
#   Benchmarks/run-collector.sh [SPEED]
set -euo pipefail
cd "$(dirname "$0")/.."
speed=${1:-60}
# OPENSENSOR_BIN measures a binary built elsewhere (a before/after comparison); else a fresh release build.
if [[ -z ${OPENSENSOR_BIN:-} ]]; then
    swift build -c release --static-swift-stdlib --product opensensor >/dev/null 2>&1
fi
bin=${OPENSENSOR_BIN:-$PWD/.build/release/opensensor}
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
# A free loopback port for a peer.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
measure "start --simulate --speed $speed, 1 h" "$bin" start --simulate --speed "$speed" --start 2025-06-01T00:00:00Z --stop-after 1h
# With the screen on: every reading drawn and sent to the simulated ST7735, as on a Pi (the bus drops the bytes).
OPENSENSOR_DISPLAY_ENABLED=true \
    measure "start --simulate --speed $speed, 1 h, screen on" "$bin" start --simulate --speed "$speed" --start 2025-06-04T00:00:00Z --stop-after 1h --output screen
# With sync on (docs/ARCHITECTURE.md §7 "RSS while collecting (sync on)"): moto_server from the peers venv
# on loopback receives the batches at start, every 15 virtual minutes and at shutdown.
py=$OLDPWD/.venv/bin/python
if [[ -x $OLDPWD/.venv/bin/moto_server ]]; then
    port=$(free_port)
    "$OLDPWD/.venv/bin/moto_server" -H 127.0.0.1 -p "$port" >moto.log 2>&1 &
    moto=$!
    trap 'kill $moto 2>/dev/null; rm -rf "$work"' EXIT
    "$py" -c "
import time, boto3
for _ in range(100):
    try:
        boto3.client('s3', endpoint_url='http://127.0.0.1:$port', aws_access_key_id='k', aws_secret_access_key='s', region_name='us-east-1').create_bucket(Bucket='bench'); break
    except Exception: time.sleep(0.2)"
    OPENSENSOR_SYNC_ENABLED=true OPENSENSOR_STORAGE_PROVIDER=minio OPENSENSOR_STORAGE_ENDPOINT=http://127.0.0.1:$port \
    OPENSENSOR_STORAGE_BUCKET=bench OPENSENSOR_AWS_ACCESS_KEY_ID=k OPENSENSOR_AWS_SECRET_ACCESS_KEY=s \
        measure "start --simulate --speed $speed, 1 h, sync on" "$bin" start --simulate --speed "$speed" --start 2025-06-02T00:00:00Z --stop-after 1h --output synced
    uploaded=$("$py" -c "
import boto3
c = boto3.client('s3', endpoint_url='http://127.0.0.1:$port', aws_access_key_id='k', aws_secret_access_key='s', region_name='us-east-1')
print(sum(1 for page in c.get_paginator('list_objects_v2').paginate(Bucket='bench') for _ in page.get('Contents', [])))")
    echo "  (sync on: $uploaded objects in the bucket; $(find synced -name '*.parquet' | wc -l) local batch files)"
else
    echo "(no .venv/bin/moto_server: run scripts/test once to measure with sync on)"
fi
# With the outlets on (docs/ARCHITECTURE.md §7 "RSS while collecting, MQTT and metrics on"): Debian's
# Mosquitto on loopback takes every reading and the discovery messages; /metrics is scraped every
# second during the run.
if command -v mosquitto >/dev/null || [[ -x /usr/sbin/mosquitto ]]; then
    mport=$(free_port); hport=$(free_port)
    printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$mport" > mosquitto.conf
    "$(command -v mosquitto || echo /usr/sbin/mosquitto)" -c mosquitto.conf >mosquitto.log 2>&1 &
    broker=$!
    (while sleep 1; do curl -sf "http://127.0.0.1:$hport/metrics" >/dev/null || true; done) &
    scraper=$!
    trap 'kill $broker $scraper ${moto:-} 2>/dev/null; rm -rf "$work"' EXIT
    OPENSENSOR_MQTT_URL=mqtt://127.0.0.1:$mport OPENSENSOR_METRICS_LISTEN=127.0.0.1:$hport \
        measure "start --simulate --speed $speed, 1 h, MQTT and metrics on" "$bin" start --simulate --speed "$speed" --start 2025-06-03T00:00:00Z --stop-after 1h --output outlets
    kill $broker $scraper 2>/dev/null || true
else
    echo "(no mosquitto: apt-get install mosquitto, or run scripts/test once, to measure with MQTT on)"
fi
measure "simulate, 1 h (720 readings, 4 batches)" "$bin" simulate --output sim-h --from 2025-06-01T00:00:00Z --to 2025-06-01T01:00:00Z
measure "simulate, 1 day (17,280 readings, 96 batches)" "$bin" simulate --output sim-d --from 2025-06-01T00:00:00Z --days 1
measure "simulate, 30 days" "$bin" simulate --output sim-m --from 2025-06-01T00:00:00Z --days 30
echo "Python collector (docs/ARCHITECTURE.md §7): 93-111 MiB RSS while collecting; 44.6 ms CPU per simulated hour"
echo "(CPU here has the 10 ms resolution of /usr/bin/time; the batch encode+write alone is in run-parquet.sh)"
