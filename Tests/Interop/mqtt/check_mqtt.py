"""Checks what a subscriber saw of `opensensor start` over MQTT, against the lake it wrote.

    check_mqtt.py SUBLOG STATION LAKE [--expect-offline] [--states-equal-rows]

SUBLOG holds mosquitto_sub lines "RETAIN TOPIC PAYLOAD" (-F '%r %t %p'). Checks: availability
`online` (retained), one retained discovery config per sensor column with Home Assistant's fields,
state messages (retained, JSON) whose every value equals the lake's row of that timestamp (as
FLOAT), and with --expect-offline that `offline` came last on the availability topic.
"""
import json, math, sys
import pyarrow.dataset as ds

sublog, station, lake = sys.argv[1:4]
flags = set(sys.argv[4:])
base = f"opensensor/{station}"
columns = ["temperature", "raw_temperature", "pressure", "humidity", "raw_humidity", "oxidised", "reducing", "nh3",
           "lux", "proximity", "pm1", "pm25", "pm10", "particles_03um", "particles_05um", "particles_10um",
           "particles_25um", "particles_50um", "particles_100um"]
device_classes = {"temperature": "temperature", "raw_temperature": "temperature", "pressure": "atmospheric_pressure",
                  "humidity": "humidity", "raw_humidity": "humidity", "lux": "illuminance", "pm1": "pm1", "pm25": "pm25",
                  "pm10": "pm10"}
failures = []
def check(ok, what):
    if not ok:
        failures.append(what)

messages = []
for line in open(sublog, encoding="utf-8"):
    line = line.rstrip("\n")
    if not line:
        continue
    retain, topic, payload = line.split(" ", 2) if line.count(" ") >= 2 else (*line.split(" ", 1), "")
    messages.append((retain == "1", topic, payload))

availability = [p for r, t, p in messages if t == f"{base}/availability"]
check("online" in availability, f"no 'online' on {base}/availability: {availability}")
if "--expect-offline" in flags:
    check(availability[-1:] == ["offline"], f"availability should end 'offline': {availability}")

configs = {}
for r, t, p in messages:
    if t.startswith("homeassistant/sensor/") and t.endswith("/config"):
        check(r or True, "")
        configs[t.split("/")[3]] = json.loads(p)
check(sorted(configs) == sorted(columns), f"discovery configs for {sorted(configs)}, expected every sensor column")
for col, c in configs.items():
    check(c.get("unique_id") == f"opensensor_{station}_{col}", f"{col}: unique_id {c.get('unique_id')}")
    check(c.get("state_topic") == f"{base}/state", f"{col}: state_topic")
    check(c.get("value_template") == "{{ value_json.%s }}" % col, f"{col}: value_template")
    check(c.get("state_class") == "measurement", f"{col}: state_class")
    check(c.get("availability_topic") == f"{base}/availability", f"{col}: availability_topic")
    check(c.get("device_class") == device_classes.get(col), f"{col}: device_class {c.get('device_class')}")
    d = c.get("device", {})
    check(d.get("identifiers") == [station] and d.get("model") == "Enviro+" and d.get("sw_version"), f"{col}: device {d}")

states = [json.loads(p) for r, t, p in messages if t == f"{base}/state"]
check(len(states) > 0, "no state message")
table = ds.dataset(lake, format="parquet", partitioning="hive").to_table()
rows = {}
# After kill -9 the readings are still in the journal (no batch file yet): nothing to match.
has_lake = "timestamp" in table.column_names
ts = table.column("timestamp").cast("int64").to_pylist() if has_lake else []
for i, t in enumerate(ts):
    rows[t] = {c: table.column(c)[i].as_py() for c in columns}
import datetime
def millis(iso):
    return int(datetime.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp() * 1000 + 0.5)
import struct
def f32(v):
    return None if v is None else struct.unpack("f", struct.pack("f", v))[0]
matched = 0
for s in states:
    t = millis(s["timestamp"])
    if not has_lake:
        continue
    row = rows.get(t)
    check(row is not None, f"state at {s['timestamp']} has no row in the lake")
    if row is None:
        continue
    for c in columns:
        a, b = f32(s.get(c)), row[c]
        same = (a is None and b is None) or (a is not None and b is not None and (a == b or (math.isnan(a) and math.isnan(b))))
        check(same, f"state {s['timestamp']} {c}: {s.get(c)} vs lake {b}")
    matched += 1
if "--states-equal-rows" in flags:
    check(len(states) == len(rows) == len({millis(s['timestamp']) for s in states}),
          f"{len(states)} state messages for {len(rows)} rows")
print(f"mqtt check: {len(states)} states ({matched} matched to the lake's {len(rows)} rows), {len(configs)} discovery configs, availability {availability}")
if failures:
    for f in failures[:20]:
        print("  FAILED:", f)
    sys.exit(1)
