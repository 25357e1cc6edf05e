"""`opensensor query --format csv` must give DuckDB's answer to the same question over the same
lake: two simulated stations over two days, plus a station written from a CSV with nulls (one
column null in every row, others in some rows).

Counts, minima and maxima must be equal exactly: a FLOAT minimum printed in its shortest text
must read back to the very float DuckDB returns. Averages may differ in the last bits and are
compared to a relative 1e-9: both sides add the same float32 values in doubles, but in a
different order (we sum per file and then per bucket, DuckDB per thread and row vector), and
floating-point addition is not associative.

Usage: check_duckdb.py OPENSENSOR_BIN WORK_DIR
Prints one line per failure and a closing `N passed, M failed`; exits 1 on any failure.
"""
import csv, io, math, os, struct, subprocess, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import checks  # noqa: E402
from checks import check  # noqa: E402
from datetime import datetime, timezone

import duckdb

BIN, WORK = sys.argv[1], sys.argv[2]
LAKE = os.path.join(WORK, "lake")
SENSOR = ("temperature raw_temperature pressure humidity raw_humidity oxidised reducing nh3 lux proximity "
          "pm1 pm25 pm10 particles_03um particles_05um particles_10um particles_25um particles_50um "
          "particles_100um").split()


def run(*args):
    # The working directory is WORK, so no stray .env is read.
    p = subprocess.run([BIN, *args], cwd=WORK, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"opensensor {' '.join(args)} exited {p.returncode}: {p.stderr}")
    return p.stdout, p.stderr


def iso_ms(text):
    return int(datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp() * 1000 + 0.5)


def as_float32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


# The lake: two simulated stations, and one with nulls written through `parquet write`.
run("simulate", "--output", LAKE, "--from", "2025-06-01T00:00:00Z", "--days", "2", "--stations", "2")
manual = os.path.join(LAKE, "station=manual-nulls/year=2025/month=06/day=01")
os.makedirs(manual)
for n, start in enumerate((0, 900)):  # two 15-minute batches from 10:00
    with open(os.path.join(WORK, f"nulls{n}.csv"), "w") as f:
        f.write("timestamp,temperature,pm25,lux\n")
        for k in range(180):
            s = 36000 + start + k * 5
            t = f"2025-06-01T{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}.{k * 7 % 1000:03d}Z"
            temp = "" if k % 3 == 0 else f"{20 + k / 7:.3f}"
            f.write(f"{t},{temp},{'' if n == 1 else k % 17},\n")  # pm25 null in the whole 2nd batch
    run("parquet", "write", "--input", os.path.join(WORK, f"nulls{n}.csv"),
        "--output", os.path.join(manual, f"data_{1015 + 15 * n}.parquet"))

con = duckdb.connect()
con.execute(f"CREATE VIEW lake AS SELECT station::VARCHAR AS station, epoch_ms(timestamp) AS ms, * EXCLUDE (station) "
            f"FROM read_parquet('{LAKE}/**/*.parquet', hive_partitioning = true)")
stations = [r[0] for r in con.execute("SELECT DISTINCT station FROM lake ORDER BY 1").fetchall()]
check(len(stations) == 3, f"three stations in the lake, found {stations}")
with_nulls = [c for c in SENSOR if con.execute(f"SELECT count(*) - count({c}) FROM lake").fetchone()[0] > 0]
check(len(with_nulls) > 0, "the lake has null values")


def duck(columns, width_ms, station=None, lo=None, hi=None):
    where = ["ms IS NOT NULL"]
    if station:
        where.append(f"station = '{station}'")
    if lo is not None:
        where.append(f"ms >= {lo}")
    if hi is not None:
        where.append(f"ms < {hi}")
    aggs = "".join(f", avg({c}), min({c}), max({c})" for c in columns)
    return con.execute(f"SELECT station, floor(ms / {width_ms})::BIGINT * {width_ms} AS b, count(*){aggs} FROM lake "
                       f"WHERE {' AND '.join(where)} GROUP BY ALL ORDER BY station, b").fetchall()


def compare(name, args, columns, width_ms, station=None, lo=None, hi=None):
    out, _ = run("query", "--data", LAKE, "--format", "csv", *args)
    rows = list(csv.reader(io.StringIO(out)))
    header = ["station", "time", "count"] + [f"{c}_{a}" for c in columns for a in ("avg", "min", "max")]
    check(rows and rows[0] == header, f"{name}: header {rows[0] if rows else None}")
    ours, theirs = rows[1:], duck(columns, width_ms, station, lo, hi)
    check(len(ours) == len(theirs), f"{name}: {len(ours)} groups, DuckDB {len(theirs)}")
    check(len(theirs) > 0, f"{name}: the question has an answer")
    bad = 0
    for o, d in zip(ours, theirs):
        problems = []
        if o[0] != d[0] or iso_ms(o[1]) != d[1] or int(o[2]) != d[2]:
            problems.append(f"key/count {o[:3]} vs {d[:3]}")
        for i, c in enumerate(columns):
            for j, what in enumerate(("avg", "min", "max")):
                cell, want = o[3 + 3 * i + j], d[3 + 3 * i + j]
                if want is None or cell == "":
                    if not (want is None and cell == ""):
                        problems.append(f"{c}_{what}: {cell!r} vs {want!r}")
                elif what == "avg":
                    if not math.isclose(float(cell), want, rel_tol=1e-9, abs_tol=1e-12):
                        problems.append(f"{c}_avg: {cell} vs {want!r}")
                elif as_float32(float(cell)) != want:
                    problems.append(f"{c}_{what}: {cell} vs {want!r}")
        if problems:
            bad += 1
            if bad <= 3:
                print(f"  {name} {o[0]} {o[1]}: {'; '.join(problems)}")
    check(bad == 0, f"{name}: {bad} groups differ from DuckDB")


day = 86_400_000
june1 = 1_748_736_000_000
compare("every 15m, default columns", ["--every", "15m"], SENSOR, 900_000)
compare("every 1h, one station, two columns", ["--every", "1h", "--station", stations[0], "--columns", "temperature,pm25"],
        ["temperature", "pm25"], 3_600_000, station=stations[0])
compare("every 1d, from/to mid-day", ["--every", "1d", "--from", "2025-06-01T06:30:00.250Z", "--to", "2025-06-02T13:00:00Z",
                                      "--columns", "humidity,pressure,lux"],
        ["humidity", "pressure", "lux"], day, lo=june1 + 6 * 3_600_000 + 1_800_250, hi=june1 + day + 13 * 3_600_000)
compare("every 90m, days as bounds", ["--every", "90m", "--from", "2025-06-02", "--to", "2025-06-03", "--columns", "pm10,nh3"],
        ["pm10", "nh3"], 5_400_000, lo=june1 + day, hi=june1 + 2 * day)
compare("nulls, every 5m", ["--every", "5m", "--station", "manual-nulls", "--columns", "temperature,pm25,lux"],
        ["temperature", "pm25", "lux"], 300_000, station="manual-nulls")
compare("columns with nulls, every 1h", ["--every", "1h", "--columns", ",".join(with_nulls)], with_nulls, 3_600_000)

# Bad arguments name the option; unknown columns list the columns.
for args, needle in ((["--every", "7m"], "--every"), (["--columns", "temprature"], "no column 'temprature'"),
                     (["--from", "June"], "--from"), (["--format", "xml"], "--format")):
    p = subprocess.run([BIN, "query", "--data", LAKE, *args], cwd=WORK, capture_output=True, text=True)
    check(p.returncode != 0 and needle in p.stderr, f"query {' '.join(args)}: exit {p.returncode}, stderr {p.stderr!r}")

# An unreadable file is skipped with a warning naming it; the rest is still answered.
bad_file = os.path.join(LAKE, f"station={stations[0]}/year=2025/month=06/day=01/data_0015-1.parquet")
with open(bad_file, "wb") as f:
    f.write(b"PAR1 not really")
out, err = run("query", "--data", LAKE, "--format", "csv", "--station", stations[0], "--every", "1d", "--columns", "pm25")
check("data_0015-1.parquet" in err and "warning" in err, f"warning names the unreadable file: {err!r}")
check(len(out.splitlines()) == 3, f"the rest is answered: {out!r}")
os.remove(bad_file)

checks.finish()
