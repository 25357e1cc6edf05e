"""Files written by `opensensor parquet write` must read back exactly in pyarrow, DuckDB,
polars and fastparquet: float32 bit for bit, nulls in place, timestamps as UTC milliseconds,
for every codec; pyarrow's view of the statistics must match the data; bad CSV input must
fail with the line and column named and leave no file. Day files (`--day-file`) must read back
exactly in pyarrow, DuckDB and polars, with BYTE_STREAM_SPLIT floats, zstd and row groups
inside 6-hour UTC spans, and fastparquet must refuse them (the README's reader contract).

Usage: check_readers.py OPENSENSOR_BIN FIXTURES_DIR WORK_DIR
Prints one line per failure and a closing `N passed, M failed`.
"""
import csv, io, math, os, random, struct, subprocess, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import checks  # noqa: E402
from checks import check  # noqa: E402
from datetime import datetime, timezone

import duckdb
import fastparquet
import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

BIN, FIXTURES, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(WORK, exist_ok=True)

SENSOR = [("timestamp", "ts")] + [(c, "float") for c in (
    "temperature raw_temperature pressure humidity raw_humidity oxidised reducing nh3 lux proximity "
    "pm1 pm25 pm10 particles_03um particles_05um particles_10um particles_25um particles_50um particles_100um").split()]
HEALTH = [("timestamp", "ts")] + [(c, "double") for c in (
    "cpu_temp_c cpu_load_1min cpu_load_5min cpu_load_15min memory_total_mb memory_available_mb "
    "memory_percent_used disk_total_gb disk_free_gb disk_percent_used wifi_quality_percent ntp_offset_ms "
    "uptime_seconds battery_percent cpu_voltage_v").split()] + [("wifi_signal_dbm", "int32"), ("clock_synced", "bool")] + [
    (c, "string") for c in "wifi_ssid ip_address power_source throttled_hex".split()]
SCHEMAS = {"sensor": SENSOR, "health": HEALTH}
CODECS = ["snappy", "zstd", "gzip", "none"]



def parse_ts(s):
    d = datetime.strptime(s.replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S.%f%z" if "." in s else "%Y-%m-%dT%H:%M:%S%z")
    return int(round(d.timestamp() * 1000))


def expected_columns(path, schema):
    """The values the CSV means, column by column, as canonical Python values:
    float32 → its bit pattern (int), double → bit pattern, ints, bools, strings, ms ints; None is null."""
    with open(path, newline="", encoding="utf-8") as f:
        text = f.read()
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    # csv.reader loses the quoted/unquoted distinction; re-scan for quoted empty cells ("").
    raw_lines = text.splitlines()[1:]
    out = {name: [] for name, _ in schema}
    for r_i, row in enumerate(body):
        quoted_empty = set()
        if r_i < len(raw_lines):
            cells = raw_lines[r_i].split(",")
            quoted_empty = {i for i, c in enumerate(cells) if c == '""'}
        for name, kind in schema:
            if name not in header:
                out[name].append(None)
                continue
            i = header.index(name)
            v = row[i]
            if v == "" and not (kind == "string" and i in quoted_empty):
                out[name].append(None)
            elif kind == "float":
                out[name].append(struct.unpack("<I", struct.pack("<f", np.float32(float(v))))[0])
            elif kind == "double":
                out[name].append(struct.unpack("<Q", struct.pack("<d", float(v)))[0])
            elif kind == "int32":
                out[name].append(int(v))
            elif kind == "bool":
                out[name].append(v.lower() in ("true", "1"))
            elif kind == "ts":
                out[name].append(parse_ts(v))
            else:
                out[name].append(v)
    return out, len(body)


def canon(kind, v):
    """A reader's value in the canonical form of expected_columns."""
    if v is None:
        return None
    if kind == "float":
        return struct.unpack("<I", struct.pack("<f", float(v)))[0]
    if kind == "double":
        return struct.unpack("<Q", struct.pack("<d", float(v)))[0]
    if kind == "ts":
        return int(v)
    if kind == "int32":
        return int(v)
    if kind == "bool":
        return bool(v)
    return v


def same(kind, a, b):
    if kind in ("float", "double") and a is not None and b is not None:
        fmt = "<I" if kind == "float" else "<Q"
        fa = struct.unpack("<f" if kind == "float" else "<d", struct.pack(fmt, a))[0]
        fb = struct.unpack("<f" if kind == "float" else "<d", struct.pack(fmt, b))[0]
        if math.isnan(fa) and math.isnan(fb):
            return True  # NaN payloads are not part of the contract
    return a == b


def read_pyarrow(p, schema):
    t = pq.read_table(p)
    out = {}
    for name, kind in schema:
        col = t.column(name)
        if kind == "ts":
            check(str(col.type) == "timestamp[ms, tz=UTC]", f"{p}: pyarrow type of {name} is {col.type}")
            col = col.cast(pa.int64())
        out[name] = [canon(kind, v) for v in col.to_pylist()]
    return out


def read_duckdb(p, schema):
    cols = ", ".join(f"epoch_ms({n})" if k == "ts" else f'"{n}"' for n, k in schema)
    rows = duckdb.sql(f"select {cols} from read_parquet('{p}')").fetchall()
    return {name: [canon(kind, r[i]) for r in rows] for i, (name, kind) in enumerate(schema)}


def read_polars(p, schema):
    df = pl.read_parquet(p)
    out = {}
    for name, kind in schema:
        s = df[name]
        if kind == "ts":
            check(str(s.dtype) == "Datetime(time_unit='ms', time_zone='UTC')", f"{p}: polars type of {name} is {s.dtype}")
            s = s.cast(pl.Int64)
        if kind == "float":
            check(s.dtype == pl.Float32, f"{p}: polars type of {name} is {s.dtype}")
        out[name] = [canon(kind, v) for v in s.to_list()]
    return out


def read_fastparquet(p, schema):
    df = fastparquet.ParquetFile(p).to_pandas()
    out = {}
    for name, kind in schema:
        s = df[name]
        vals = []
        for v in s.tolist():
            if v is None or (v is not None and not isinstance(v, (str, bool)) and _isna(v)):
                vals.append(None)
            elif kind == "ts":
                vals.append(int(v.value // 1_000_000))
            else:
                vals.append(canon(kind, v))
        out[name] = vals
    return out


def _isna(v):
    try:
        import pandas as pd
        return pd.isna(v)
    except Exception:
        return False


def compare(reader, p, schema, exp, got, nan_is_null=False):
    for name, kind in schema:
        e, g = exp[name], got[name]
        if len(e) != len(g):
            check(False, f"{reader} {p} {name}: {len(g)} values, expected {len(e)}")
            continue
        bad = None
        for i, (a, b) in enumerate(zip(e, g)):
            if nan_is_null and kind in ("float", "double") and a is not None:
                fa = struct.unpack("<f" if kind == "float" else "<d", struct.pack("<I" if kind == "float" else "<Q", a))[0]
                if math.isnan(fa):
                    a = None  # pandas cannot tell NaN from null in a float column
            if not same(kind, a, b):
                bad = (i, a, b)
                break
        check(bad is None, f"{reader} {os.path.basename(p)} column {name} row {bad[0] if bad else ''}: got {bad[2] if bad else ''}, expected {bad[1] if bad else ''}")


def check_statistics(p, schema, exp):
    md = pq.ParquetFile(p).metadata
    offset = 0
    for g in range(md.num_row_groups):
        rg = md.row_group(g)
        n = rg.num_rows
        for ci, (name, kind) in enumerate(schema):
            st = rg.column(ci).statistics
            vals = exp[name][offset:offset + n]
            nulls = sum(v is None for v in vals)
            check(st is not None and st.null_count == nulls, f"stats {os.path.basename(p)} rg{g} {name}: null_count {st and st.null_count} != {nulls}")
            real = [v for v in vals if v is not None]
            if kind in ("float", "double"):
                f, q = ("<f", "<I") if kind == "float" else ("<d", "<Q")
                real = [struct.unpack(f, struct.pack(q, v))[0] for v in real]
                real = [v for v in real if not math.isnan(v)]
            if kind == "ts":
                real = [datetime.fromtimestamp(v / 1000, tz=timezone.utc) for v in real]
            if not real:
                check(st is None or not st.has_min_max, f"stats {os.path.basename(p)} rg{g} {name}: min/max present without values")
                continue
            ok = st.has_min_max and st.min == min(real) and st.max == max(real)
            if ok and kind in ("float", "double"):
                # A zero min is written as -0.0 and a zero max as +0.0 (parquet-format).
                if min(real) == 0:
                    ok = math.copysign(1, st.min) < 0
                if max(real) == 0:
                    ok = ok and math.copysign(1, st.max) > 0
            if kind == "ts" and ok:
                ok = st.min == min(real)
            check(ok, f"stats {os.path.basename(p)} rg{g} {name}: min/max {st.min if st.has_min_max else None}/{st.max if st.has_min_max else None}, data {min(real)}/{max(real)}")
        offset += n


def write(csv_path, out, codec, schema_name, extra=()):
    return subprocess.run([BIN, "parquet", "write", "--input", csv_path, "--output", out, "--compression", codec,
                           "--schema", schema_name, *extra], capture_output=True, text=True)


def roundtrip(csv_path, schema_name, extra=()):
    schema = SCHEMAS[schema_name]
    exp, nrows = expected_columns(csv_path, schema)
    for codec in CODECS:
        out = os.path.join(WORK, os.path.basename(csv_path).replace(".csv", f".{codec}.parquet"))
        r = write(csv_path, out, codec, schema_name, extra)
        check(r.returncode == 0, f"parquet write {csv_path} {codec}: exit {r.returncode}: {r.stderr.strip()}")
        if r.returncode != 0:
            continue
        compare("pyarrow", out, schema, exp, read_pyarrow(out, schema))
        compare("duckdb", out, schema, exp, read_duckdb(out, schema))
        compare("polars", out, schema, exp, read_polars(out, schema))
        compare("fastparquet", out, schema, exp, read_fastparquet(out, schema), nan_is_null=True)
        check_statistics(out, schema, exp)
        check(pq.ParquetFile(out).metadata.num_rows == nrows, f"{out}: row count")


DAY_SPAN_MS = 6 * 3600 * 1000
day_split_chunks = 0


def day_roundtrip(csv_path, schema_name, extra=()):
    """A day file of the CSV: exact in pyarrow, DuckDB and polars; its layout as promised."""
    global day_split_chunks
    schema = SCHEMAS[schema_name]
    exp, nrows = expected_columns(csv_path, schema)
    out = os.path.join(WORK, os.path.basename(csv_path).replace(".csv", ".day.parquet"))
    r = subprocess.run([BIN, "parquet", "write", "--input", csv_path, "--output", out, "--day-file",
                        "--schema", schema_name, *extra], capture_output=True, text=True)
    name = os.path.basename(out)
    check(r.returncode == 0, f"parquet write --day-file {csv_path}: exit {r.returncode}: {r.stderr.strip()}")
    if r.returncode != 0:
        return
    compare("pyarrow", out, schema, exp, read_pyarrow(out, schema))
    compare("duckdb", out, schema, exp, read_duckdb(out, schema))
    compare("polars", out, schema, exp, read_polars(out, schema))
    check_statistics(out, schema, exp)
    md = pq.ParquetFile(out).metadata
    check(md.num_rows == nrows, f"{name}: {md.num_rows} rows, expected {nrows}")
    split = 0
    for g in range(md.num_row_groups):
        for ci, (col, kind) in enumerate(schema):
            c = md.row_group(g).column(ci)
            check(c.compression in ("ZSTD", "UNCOMPRESSED"), f"{name} rg{g} {col}: codec {c.compression}")
            if kind in ("float", "double") and "RLE_DICTIONARY" not in c.encodings:
                check("BYTE_STREAM_SPLIT" in c.encodings and "PLAIN" not in c.encodings,
                      f"{name} rg{g} {col}: encodings {c.encodings}, expected BYTE_STREAM_SPLIT")
            # A split chunk fastparquet would have to decode: one with a value that is not null.
            split += "BYTE_STREAM_SPLIT" in c.encodings and c.statistics.null_count < c.num_values
    day_split_chunks += split
    # Row groups: each inside one 6-hour UTC span, spans not decreasing (the CSVs are in time
    # order; a row limit may cut a span in several groups).
    stamps = exp["timestamp"]
    real = [t for t in stamps if t is not None]
    check(real == sorted(real), f"{csv_path}: the fixture is not in time order")
    offset, last = 0, None
    for g in range(md.num_row_groups):
        n = md.row_group(g).num_rows
        spans = {t // DAY_SPAN_MS for t in stamps[offset:offset + n] if t is not None}
        check(len(spans) <= 1, f"{name} rg{g}: rows of {len(spans)} 6-hour spans")
        if spans:
            check(last is None or min(spans) >= last, f"{name} rg{g}: span {min(spans)} after {last}")
            last = max(spans)
        offset += n
    # fastparquet cannot read BYTE_STREAM_SPLIT: a day file with split values must fail there.
    if split:
        try:
            fastparquet.ParquetFile(out).to_pandas()
            check(False, f"fastparquet read {name}: the day files' reader contract (README) needs updating")
        except Exception as e:  # noqa: BLE001 — any refusal is the expected outcome
            check("Encoding 9" in str(e) or "BYTE_STREAM_SPLIT" in str(e).upper(),
                  f"fastparquet on {name} failed for another reason than BYTE_STREAM_SPLIT: {type(e).__name__}: {e}")


def write_csv(name, header, rows):
    p = os.path.join(WORK, name)
    with open(p, "w", encoding="utf-8") as f:
        f.write(",".join(header) + "\n")
        for r in rows:
            f.write(",".join(r) + "\n")
    return p


def edge_cases():
    rnd = random.Random(42)
    names = [n for n, _ in SENSOR]
    ts0 = 1748736000000

    def iso(ms):
        return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"

    specials = ["nan", "inf", "-inf", "-0.0", "0.0", "3.4028234663852886e+38", "1.401298464324817e-45", "-1.5", ""]
    rows = []
    for i in range(300):
        r = [iso(ts0 + i * 5003)]
        for j, n in enumerate(names[1:]):
            if n == "pm1":
                r.append("")  # all-null column
            elif n == "lux":
                r.append(specials[i % len(specials)])
            elif n == "proximity":
                r.append(rnd.choice(["0.0", "-0.0"]))  # zero min and max of both signs
            else:
                r.append("" if rnd.random() < 0.1 else repr(float(np.float32(rnd.uniform(-50, 1100)))))
        rows.append(r)
    yield write_csv("edge-sensor.csv", names, rows), "sensor", ()
    yield write_csv("edge-empty.csv", names, []), "sensor", ()
    yield write_csv("edge-one-row.csv", names, [rows[0]]), "sensor", ()
    yield write_csv("edge-subset.csv", ["pm25", "timestamp"], [["7.0", iso(ts0)], ["", iso(ts0 + 5000)]]), "sensor", ()
    yield write_csv("edge-all-null.csv", names, [[""] * len(names) for _ in range(20)]), "sensor", ()
    many = [[iso(ts0 + i * 5000)] + [repr(float(np.float32(rnd.gauss(20, 3)))) for _ in names[1:]] for i in range(2500)]
    yield write_csv("edge-row-groups.csv", names, many), "sensor", ("--row-group-size", "1000")

    hnames = [n for n, _ in HEALTH]
    hrows = []
    ssids = ['"home, 2.4GHz"', '""', "", "café", '"say ""hi"""', "x" * 300]
    for i in range(200):
        r = [iso(ts0 + i * 60000)]
        for n, kind in HEALTH[1:]:
            if kind == "double":
                r.append("" if rnd.random() < 0.15 else repr(rnd.choice([rnd.uniform(-1e6, 1e6), 0.0, -0.0, float("nan")])))
            elif kind == "int32":
                r.append("" if i % 7 == 0 else str(rnd.choice([-2147483648, 2147483647, rnd.randint(-90, -30)])))
            elif kind == "bool":
                r.append(["true", "false", ""][i % 3])
            elif n == "wifi_ssid":
                r.append(ssids[i % len(ssids)])
            else:
                r.append(rnd.choice(["", "192.168.1.20", "0x50005", "mains", "ü∑ 雨"]))
        hrows.append(r)
    yield write_csv("edge-health.csv", hnames, hrows), "health", ()
    yield write_csv("edge-health-one.csv", hnames, [hrows[1]]), "health", ()


def bad_inputs():
    names = [n for n, _ in SENSOR]
    good = ["2025-06-01T00:00:00.000Z"] + ["1.0"] * (len(names) - 1)
    cases = [
        ("unknown-column", ["timestamp", "temprature"], [["2025-06-01T00:00:00.000Z", "1"]], ["line 1", "temprature"]),
        ("ragged", names, [good, good[:-1]], ["line 3", "cells"]),
        ("bad-number", names, [good, good[:5] + ["12,5x"[:2] + "x"] + good[6:]], ["line 3", "humidity", "12x"]),
        ("bad-time", names, [good, ["2025-13-01T00:00:00Z"] + good[1:]], ["line 3", "timestamp"]),
        ("sub-millisecond", names, [["2025-06-01T00:00:00.0001Z"] + good[1:]], ["line 2", "timestamp"]),
    ]
    for name, header, rows, needles in cases:
        p = write_csv(f"bad-{name}.csv", header, rows)
        out = os.path.join(WORK, f"bad-{name}.parquet")
        r = write(p, out, "snappy", "sensor")
        check(r.returncode != 0, f"bad input {name}: exit code 0")
        check(all(n in r.stderr for n in needles), f"bad input {name}: message {r.stderr.strip()!r} lacks {needles}")
        leftovers = [f for f in os.listdir(WORK) if f.startswith(f"bad-{name}.parquet") or f.startswith(f".bad-{name}.parquet")]
        check(not leftovers, f"bad input {name}: left {leftovers}")


def check_inspect(p):
    """`parquet inspect --json` agrees with pyarrow's view of the file."""
    import json
    r = subprocess.run([BIN, "parquet", "inspect", "--json", p], capture_output=True, text=True)
    check(r.returncode == 0, f"inspect {p}: exit {r.returncode}: {r.stderr.strip()}")
    if r.returncode != 0:
        return
    j = json.loads(r.stdout)
    md = pq.ParquetFile(p).metadata
    check(j["num_rows"] == md.num_rows and len(j["row_groups"]) == md.num_row_groups, f"inspect {p}: rows/row groups")
    check(j["file_size"] == os.path.getsize(p), f"inspect {p}: file size")
    check(j["created_by"] == md.created_by and md.created_by.startswith("opensensor version "), f"inspect {p}: created_by {md.created_by}")
    for g in range(md.num_row_groups):
        for i in range(md.num_columns):
            c, jc = md.row_group(g).column(i), j["row_groups"][g]["columns"][i]
            ok = (jc["name"] == c.path_in_schema and jc["physical_type"] == c.physical_type
                  and set(jc["encodings"]) == set(c.encodings) and jc["codec"] == c.compression
                  and jc["compressed_size"] == c.total_compressed_size and jc["uncompressed_size"] == c.total_uncompressed_size
                  and jc["null_count"] == c.statistics.null_count)
            check(ok, f"inspect {os.path.basename(p)} rg{g} {c.path_in_schema}: {jc} vs pyarrow {c}")
    r = subprocess.run([BIN, "parquet", "inspect", os.path.join(FIXTURES, "readings-180.csv")], capture_output=True, text=True)
    check(r.returncode != 0 and "PAR1" in r.stderr, f"inspect of a CSV: exit {r.returncode}, {r.stderr.strip()!r}")


cases = list(edge_cases())
for fixture in ("readings-180.csv", "readings-day.csv"):
    roundtrip(os.path.join(FIXTURES, fixture), "sensor")
for path, schema_name, extra in cases:
    roundtrip(path, schema_name, extra)
bad_inputs()

for fixture in ("readings-180.csv", "readings-day.csv"):
    day_roundtrip(os.path.join(FIXTURES, fixture), "sensor")
for path, schema_name, extra in cases:
    day_roundtrip(path, schema_name, extra)
check(day_split_chunks > 0, "no day file used BYTE_STREAM_SPLIT: the day-file checks prove nothing")
# A day of readings must really have several row groups, or the span check proves nothing
# (readings-day.csv runs from 00:00 a few minutes past midnight: five spans).
rg = pq.ParquetFile(os.path.join(WORK, "readings-day.day.parquet")).metadata.num_row_groups
check(rg == 5, f"readings-day.day.parquet: {rg} row groups, expected 5")

check_inspect(os.path.join(WORK, "readings-180.snappy.parquet"))
check_inspect(os.path.join(WORK, "edge-row-groups.zstd.parquet"))
check_inspect(os.path.join(WORK, "edge-health.gzip.parquet"))
r = subprocess.run([BIN, "--version"], capture_output=True, text=True)
check(r.returncode == 0 and r.stdout.strip().count(".") == 2, f"--version printed {r.stdout!r}")

# The row-group case must really have several row groups, or it proves nothing.
rg = pq.ParquetFile(os.path.join(WORK, "edge-row-groups.snappy.parquet")).metadata.num_row_groups
check(rg == 3, f"edge-row-groups: {rg} row groups, expected 3")

checks.finish("parquet readers: ")
