"""`opensensor parquet cat` against pyarrow:

1. `cat` (CSV and JSON) of every pyarrow fixture prints exactly pyarrow's values: floats that
   read back to the same bits, timestamps in ISO-8601 UTC milliseconds, nulls as empty cells
   (CSV) or null (JSON), the empty string as "" (CSV); `--columns` projects and orders.
2. `cat --format csv` of files `parquet write` made, fed back to `parquet write`, gives a file
   pyarrow reads to the same values, bit for bit (NaN, infinities, -0.0, odd strings included).
3. `cat` of a malformed file fails, naming the file.

Usage: check_cat.py OPENSENSOR_BIN FIXTURES_DIR WORK_DIR
Prints one line per failure and a closing `N passed, M failed`.
"""
import json, math, os, random, struct, subprocess, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import checks  # noqa: E402
from checks import check  # noqa: E402
from datetime import datetime, timezone

import pyarrow as pa
import pyarrow.parquet as pq

BIN, FIXTURES, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(WORK, exist_ok=True)


def run(*args):
    return subprocess.run([BIN, *args], capture_output=True)


def parse_csv(text):
    """RFC 4180 records as lists of (text, quoted) cells, so null and "" stay apart."""
    rows, row, i, n = [], [], 0, len(text)
    while i < n:
        quoted = text[i] == '"'
        if quoted:
            i += 1
            cell = []
            while True:
                if text[i] == '"':
                    if i + 1 < n and text[i + 1] == '"':
                        cell.append('"'); i += 2; continue
                    i += 1; break
                cell.append(text[i]); i += 1
            cell = "".join(cell)
        else:
            j = i
            while j < n and text[j] not in ",\r\n":
                j += 1
            cell, i = text[i:j], j
        row.append((cell, quoted))
        if i < n and text[i] == ",":
            i += 1; continue
        if i < n and text[i] == "\r":
            i += 1
        if i < n and text[i] == "\n":
            i += 1
        rows.append(row); row = []
    return rows


def iso_ms(ms):
    d = datetime.fromtimestamp(ms // 1000, tz=timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S") + f".{ms % 1000:03d}Z"


def to_ms(v, unit):
    return v // {"ms": 1, "us": 1000, "ns": 1_000_000}[unit]


def f32_bits(x):
    return struct.unpack("<I", struct.pack("<f", x))[0]


def f64_bits(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


WORDS = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}


def same_real(text, value, single):
    if value is None:
        return False
    x = WORDS.get(text)
    if x is None:
        if text in ("nan", "inf", "-inf"):
            return False
        x = float(text)
    bits = f32_bits if single else f64_bits
    return bits(x) == bits(value) or (math.isnan(x) and math.isnan(value))


def column_values(table, name):
    col = table.column(name)
    t = col.type
    if pa.types.is_timestamp(t):
        return [None if v is None else to_ms(v, t.unit) for v in col.cast(pa.int64()).to_pylist()], "ts"
    if pa.types.is_float32(t):
        return col.to_pylist(), "f32"
    if pa.types.is_floating(t):
        return col.to_pylist(), "f64"
    if pa.types.is_boolean(t):
        return col.to_pylist(), "bool"
    if pa.types.is_integer(t):
        return col.to_pylist(), "int"
    return col.to_pylist(), "str"


def csv_cell_ok(cell, value, kind):
    text, quoted = cell
    if value is None:
        return text == "" and not quoted
    if kind == "ts":
        return text == iso_ms(value)
    if kind in ("f32", "f64"):
        return same_real(text, value, kind == "f32")
    if kind == "bool":
        return text == ("true" if value else "false")
    if kind == "int":
        return text == str(value)
    return text == value and (quoted or value != "")


def json_cell_ok(x, value, kind):
    if value is None:
        return x is None
    if kind == "ts":
        return x == iso_ms(value)
    if kind in ("f32", "f64"):
        if isinstance(x, str):
            return x in WORDS and same_real(x, value, kind == "f32")
        return isinstance(x, (int, float)) and same_real(repr(float(x)), value, kind == "f32")
    if kind == "bool":
        return x is value
    return x == value


# 1. cat of pyarrow's files.
pyarrow_dir = os.path.join(FIXTURES, "pyarrow")
for name in sorted(f for f in os.listdir(pyarrow_dir) if f.endswith(".parquet")):
    path = os.path.join(pyarrow_dir, name)
    table = pq.read_table(path)
    names = table.schema.names
    cols = {n: column_values(table, n) for n in names}
    r = run("parquet", "cat", path)
    check(r.returncode == 0, f"{name}: cat exits {r.returncode}: {r.stderr.decode()[-300:]}")
    if r.returncode == 0:
        rows = parse_csv(r.stdout.decode())
        check([c[0] for c in rows[0]] == names, f"{name}: CSV header {rows[0][:3]}…")
        check(len(rows) - 1 == table.num_rows, f"{name}: {len(rows) - 1} CSV rows, pyarrow {table.num_rows}")
        bad = [(i, n, row[k], cols[n][0][i]) for i, row in enumerate(rows[1:]) for k, n in enumerate(names)
               if i < table.num_rows and not csv_cell_ok(row[k], cols[n][0][i], cols[n][1])]
        check(not bad, f"{name}: CSV cells differ from pyarrow, first {bad[:3]}")
    r = run("parquet", "cat", path, "--format", "json")
    check(r.returncode == 0, f"{name}: cat --format json exits {r.returncode}")
    if r.returncode == 0:
        objs = [json.loads(line) for line in r.stdout.decode().splitlines()]
        check(len(objs) == table.num_rows, f"{name}: {len(objs)} JSON lines, pyarrow {table.num_rows} rows")
        bad = [(i, n, o.get(n, "missing"), cols[n][0][i]) for i, o in enumerate(objs) for n in names
               if i < table.num_rows and not json_cell_ok(o.get(n, "missing"), cols[n][0][i], cols[n][1])]
        check(not bad, f"{name}: JSON values differ from pyarrow, first {bad[:3]}")
        check(all(list(o.keys()) == names for o in objs), f"{name}: JSON keys not in file order")

path = os.path.join(pyarrow_dir, "types_snappy.parquet")
r = run("parquet", "cat", path, "--columns", "s,f32")
rows = parse_csv(r.stdout.decode())
check(r.returncode == 0 and [c[0] for c in rows[0]] == ["s", "f32"] and all(len(x) == 2 for x in rows),
      "--columns s,f32 prints those two columns in that order")
r = run("parquet", "cat", path, "--columns", "nope")
check(r.returncode != 0 and b'no column "nope"' in r.stderr and path.encode() in r.stderr,
      f"--columns nope fails naming the column and file: {r.stderr.decode()[-200:]}")

# 2. Our files through cat → CSV → write.
rnd = random.Random(11)
specials = ["NaN", "Infinity", "-Infinity", "-0.0", "0.1", "1e-45", "3.4028235e+38", "5e-324", "1.7976931348623157e+308"]
strings = ["", "plain", "a,b", 'say "hi"', "two\nlines", "crlf\r\nx", "ünï ✓", " pad "]


def cell_csv(s):
    if s is None:
        return ""
    if s == "" or any(ch in s for ch in ',"\r\n'):
        return '"' + s.replace('"', '""') + '"'
    return s


HEALTH_DOUBLES = ("cpu_temp_c cpu_load_1min cpu_load_5min cpu_load_15min memory_total_mb memory_available_mb "
                  "memory_percent_used disk_total_gb disk_free_gb disk_percent_used wifi_quality_percent ntp_offset_ms "
                  "uptime_seconds battery_percent cpu_voltage_v").split()
header = ["timestamp"] + HEALTH_DOUBLES + ["wifi_signal_dbm", "clock_synced", "wifi_ssid", "ip_address", "power_source", "throttled_hex"]
lines = [",".join(header)]
for i in range(300):
    row = [iso_ms(1_748_736_000_000 + i * 60_000 + rnd.randint(0, 999)) if rnd.random() > 0.05 else None]
    row += [None if rnd.random() < 0.1 else rnd.choice(specials) if rnd.random() < 0.2 else repr(rnd.uniform(-1e4, 1e4)) for _ in HEALTH_DOUBLES]
    row += [None if rnd.random() < 0.1 else str(rnd.randint(-2**31, 2**31 - 1)), rnd.choice([None, "true", "false"])]
    row += [None if rnd.random() < 0.1 else rnd.choice(strings) for _ in range(4)]
    lines.append(",".join(cell_csv(c) for c in row))
health_csv = os.path.join(WORK, "health.csv")
with open(health_csv, "w", newline="") as f:
    f.write("\n".join(lines) + "\n")

sensor_csv = os.path.join(FIXTURES, "readings-180.csv")
for schema, src in [("health", health_csv), ("sensor", sensor_csv)]:
    for codec in ["snappy", "zstd"]:
        first = os.path.join(WORK, f"{schema}-{codec}.parquet")
        r = run("parquet", "write", "--input", src, "--output", first, "--schema", schema, "--compression", codec, "--row-group-size", "70")
        check(r.returncode == 0, f"{schema}/{codec}: parquet write of the source CSV: {r.stderr.decode()[-300:]}")
        if r.returncode:
            continue
        r = run("parquet", "cat", first, "--format", "csv")
        check(r.returncode == 0, f"{schema}/{codec}: cat exits {r.returncode}: {r.stderr.decode()[-300:]}")
        again_csv = os.path.join(WORK, f"{schema}-{codec}.csv")
        with open(again_csv, "wb") as f:
            f.write(r.stdout)
        second = os.path.join(WORK, f"{schema}-{codec}-again.parquet")
        r = run("parquet", "write", "--input", again_csv, "--output", second, "--schema", schema, "--compression", codec)
        check(r.returncode == 0, f"{schema}/{codec}: parquet write of cat's CSV: {r.stderr.decode()[-300:]}")
        if r.returncode:
            continue
        a, b = pq.read_table(first), pq.read_table(second)
        check(a.schema == b.schema, f"{schema}/{codec}: schemas differ after the round trip")
        for name in a.schema.names:
            x, y = a.column(name), b.column(name)
            if pa.types.is_floating(x.type):
                bits = f32_bits if pa.types.is_float32(x.type) else f64_bits
                same = [None if v is None else bits(v) for v in x.to_pylist()] == [None if v is None else bits(v) for v in y.to_pylist()]
            else:
                same = x.to_pylist() == y.to_pylist()
            check(same, f"{schema}/{codec}: column {name} differs after cat → write")

# 3. Malformed input.
bad = os.path.join(FIXTURES, "malformed", "truncated.parquet")
r = run("parquet", "cat", bad)
check(r.returncode != 0 and bad.encode() in r.stderr and b"PAR1" in r.stderr, f"cat of a truncated file: {r.stderr.decode()[-200:]}")
r = run("parquet", "cat", os.path.join(WORK, "missing.parquet"))
check(r.returncode != 0 and b"missing.parquet" in r.stderr, "cat of a missing file names it")

checks.finish()
