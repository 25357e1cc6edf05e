"""Checks for Tests/Interop/run-metrics.sh, against the lake as pyarrow reads it.

    check_metrics.py prom-equal PROM_URL OUT STATION   the station's and the dashboard's newest
                                                       temperature in Prometheus equal the lake's
    check_metrics.py pushes RECORDS OUT STATION INTERVAL_S STOP_ISO
                                                       every push's headers and body, one per closed
                                                       interval, averages equal the lake's
    check_metrics.py rows OUT STATION EXPECTED         the lake holds exactly EXPECTED readings
"""
import glob
import json
import math
import sys
import urllib.parse
import urllib.request
from datetime import datetime, timezone

import pyarrow.parquet as pq


def fail(msg):
    print(f"check_metrics.py: FAILED: {msg}", file=sys.stderr)
    sys.exit(1)


def lake(out, station):
    files = sorted(glob.glob(f"{out}/station={station}/**/*.parquet", recursive=True))
    if not files:
        fail(f"no batch files under {out}/station={station}")
    rows = []
    for f in files:
        t = pq.read_table(f)
        cols = t.to_pydict()
        for i in range(t.num_rows):
            rows.append({k: cols[k][i] for k in cols})
    rows.sort(key=lambda r: r["timestamp"])
    return rows


def millis(ts):
    return round((ts.replace(tzinfo=timezone.utc) if ts.tzinfo is None else ts).timestamp() * 1000)


def query(prom, q):
    url = prom + "/api/v1/query?" + urllib.parse.urlencode({"query": q})
    with urllib.request.urlopen(url, timeout=10) as r:
        data = json.load(r)
    if data.get("status") != "success":
        fail(f"query {q}: {data}")
    return data["data"]["result"]


def same_float32(a, b):
    return abs(a - b) <= 1e-5 * max(1.0, abs(b))


def prom_equal(prom, out, station):
    rows = lake(out, station)
    by_time = {millis(r["timestamp"]): r for r in rows}
    newest = rows[-1]
    # The station's job: the last scrape's temperature and the reading time it came with. The
    # station has stopped, so its series are marked stale: a range selection still has the samples.
    temps = query(prom, f'last_over_time(opensensor_temperature_celsius{{job="station",station="{station}"}}[5m])')
    times = query(prom, f'last_over_time(opensensor_last_reading_timestamp_seconds{{job="station",station="{station}"}}[5m])')
    if len(temps) != 1 or len(times) != 1:
        fail(f"station job: expected one series each, got {temps} and {times}")
    t_ms = int(round(float(times[0]["value"][1]) * 1000))
    if t_ms not in by_time:
        fail(f"station job: its newest reading at {t_ms} is not in the lake")
    got, want = float(temps[0]["value"][1]), by_time[t_ms]["temperature"]
    if not same_float32(got, want):
        fail(f"station job: temperature {got} at {t_ms}, the lake has {want}")
    print(f"  [metrics] station job: temperature {got} at {t_ms} = the lake's reading at that time")
    # The dashboard's job, scraped after the station stopped: the lake's newest reading.
    temps = query(prom, f'opensensor_temperature_celsius{{job="dashboard",station="{station}"}}')
    times = query(prom, f'opensensor_last_reading_timestamp_seconds{{job="dashboard",station="{station}"}}')
    if len(temps) != 1 or len(times) != 1:
        fail(f"dashboard job: expected one series each, got {temps} and {times}")
    if int(round(float(times[0]["value"][1]) * 1000)) != millis(newest["timestamp"]):
        fail(f"dashboard job: newest reading at {times[0]['value'][1]}, the lake's is {newest['timestamp']}")
    got = float(temps[0]["value"][1])
    if not same_float32(got, newest["temperature"]):
        fail(f"dashboard job: temperature {got}, the lake's newest is {newest['temperature']}")
    print(f"  [metrics] dashboard job: temperature {got} = the lake's newest reading ({newest['timestamp']})")
    for name in ["opensensor_readings_total", "opensensor_sensor_reads_total", "opensensor_batches_written_total",
                 "process_resident_memory_bytes", "opensensor_pressure_pascals", "opensensor_pm25_grams_per_cubic_meter"]:
        if not query(prom, f'last_over_time({name}{{job="station"}}[5m])'):
            fail(f"station job: no {name}")


def mean(values):
    values = [v for v in values if v is not None and not math.isnan(v)]
    return sum(values) / len(values) if values else None


def pushes(records, out, station, interval_s, stop_iso):
    interval = int(interval_s) * 1000
    stop = millis(datetime.fromisoformat(stop_iso.replace("Z", "+00:00")))
    rows = lake(out, station)
    windows = {}
    for r in rows:
        windows.setdefault(millis(r["timestamp"]) // interval * interval, []).append(r)
    closed = sorted(w for w in windows if w + interval <= stop)
    expected = []
    for w in closed:
        rs = windows[w]
        pm = [("P0", mean([r["pm1"] for r in rs])), ("P1", mean([r["pm10"] for r in rs])), ("P2", mean([r["pm25"] for r in rs]))]
        pm = [(k, v) for k, v in pm if v is not None]
        pressure = mean([r["pressure"] for r in rs])
        bme = [("temperature", mean([r["temperature"] for r in rs])), ("humidity", mean([r["humidity"] for r in rs])),
               ("pressure", pressure * 100 if pressure is not None else None)]
        bme = [(k, v) for k, v in bme if v is not None]
        if pm:
            expected.append((w, "1", pm))
        if bme:
            expected.append((w, "11", bme))
    got = [json.loads(line) for line in open(records)]
    if len(got) != len(expected):
        fail(f"{len(got)} pushes, expected {len(expected)} (two per closed interval of {interval_s} s with readings: {len(closed)})")
    for (w, pin, values), req in zip(expected, got):
        h = {k.lower(): v for k, v in req["headers"].items()}
        if req["path"] != "/v1/push-sensor-data/":
            fail(f"path {req['path']}")
        if h.get("x-pin") != pin:
            fail(f"interval {w}: X-Pin {h.get('x-pin')}, expected {pin}")
        if h.get("x-sensor") != "raspi-d3adb33f":
            fail(f"X-Sensor {h.get('x-sensor')}")
        if not h.get("content-type", "").startswith("application/json"):
            fail(f"Content-Type {h.get('content-type')}")
        body = json.loads(req["body"])
        if set(body) != {"software_version", "sensordatavalues"} or not body["software_version"].startswith("opensensor-"):
            fail(f"body keys {req['body']}")
        sent = body["sensordatavalues"]
        if [v["value_type"] for v in sent] != [k for k, _ in values]:
            fail(f"interval {w} pin {pin}: value types {[v['value_type'] for v in sent]}, expected {[k for k, _ in values]}")
        for v, (k, want) in zip(sent, values):
            if not isinstance(v["value"], str):
                fail(f"{k}: value {v['value']!r} is not a string")
            if abs(float(v["value"]) - want) > 0.0051 + 1e-6 * abs(want):
                fail(f"interval {w} {k}: pushed {v['value']}, the lake's average is {want}")
    print(f"  [sensor.community] {len(got)} pushes for {len(closed)} intervals: headers, bodies and averages match the lake")


def row_count(out, station, expected):
    n = len(lake(out, station))
    if n != int(expected):
        fail(f"the lake holds {n} readings, expected {expected}")
    print(f"  [sensor.community] the lake holds all {n} readings")


cmd = sys.argv[1]
if cmd == "prom-equal":
    prom_equal(*sys.argv[2:5])
elif cmd == "pushes":
    pushes(*sys.argv[2:7])
elif cmd == "rows":
    row_count(*sys.argv[2:5])
else:
    fail(f"unknown command {cmd}")
