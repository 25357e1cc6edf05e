"""`opensensor compact` against the peers: day files read exactly by pyarrow, DuckDB and polars;
an hourly SQL over the daily lake gives the raw lake's rows; `query` answers byte-identical
before and after compaction; a second run writes nothing; kill -9 at random moments of a run
leaves only whole day files, and a rerun finishes the work; a late batch re-compacts its day.

Usage: check_compact.py OPENSENSOR_BIN WORK_DIR
Prints one line per failure and a closing `N passed, M failed`; exits 1 on any failure.
"""
import glob, os, random, re, shutil, signal, subprocess, sys, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import checks  # noqa: E402
from checks import check  # noqa: E402

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pyarrow as pa

BIN, WORK = sys.argv[1], sys.argv[2]
LAKE = os.path.join(WORK, "lake")
DAILY = LAKE + "-daily"


def run(*args, ok=True):
    # The working directory is WORK, so no stray .env is read.
    p = subprocess.run([BIN, *args], cwd=WORK, capture_output=True, text=True)
    if ok and p.returncode != 0:
        sys.exit(f"opensensor {' '.join(args)} exited {p.returncode}: {p.stderr}")
    return p


def day_files(root):
    return sorted(glob.glob(os.path.join(root, "station=*/year=*/month=*/day=*/*.parquet")))


def raw_day(folder):
    """The rows of a raw day folder's batch files, sorted by timestamp (stable, name order)."""
    files = sorted(glob.glob(os.path.join(folder, "data_*.parquet")))
    table = pa.concat_tables([pq.ParquetFile(f).read() for f in files])
    return table.sort_by([("timestamp", "ascending")])


# Three days of two simulated stations.
run("simulate", "--output", LAKE, "--from", "2025-06-01T00:00:00Z", "--days", "3", "--stations", "2")
QUERIES = [["--every", "1h"], ["--every", "15m", "--columns", "temperature,pm25"], ["--every", "1d"],
           ["--every", "1h", "--from", "2025-06-01T05:00:00Z", "--to", "2025-06-02T07:30:00Z"]]
before = [run("query", "--data", LAKE, "--format", "csv", *q).stdout for q in QUERIES]

p = run("compact", "--data", LAKE)
check("6 day files written" in p.stdout, f"first compact: {p.stdout.strip()}")
files = day_files(DAILY)
check(len(files) == 6, f"six day files, found {len(files)}")
for f in files:
    rel = os.path.relpath(f, DAILY)
    m = re.match(r"station=([^/]+)/year=(\d{4})/month=(\d\d)/day=(\d\d)/data_(\d{8})\.parquet$", rel)
    check(m is not None and m.group(5) == m.group(2) + m.group(3) + m.group(4), f"day file name {rel}")
    expected = raw_day(os.path.join(LAKE, os.path.dirname(rel)))
    got = pq.ParquetFile(f).read()
    check(got.schema.names == expected.schema.names and got.equals(expected.cast(got.schema)),
          f"pyarrow reads {rel} as the sorted batch rows ({got.num_rows} vs {expected.num_rows})")
    check(pl.read_parquet(f).equals(pl.from_arrow(expected)), f"polars reads {rel} exactly")
    duck = duckdb.sql(f"SELECT * FROM read_parquet('{f}', hive_partitioning = false)").to_arrow_table()
    check(duck.equals(expected.cast(duck.schema)), f"DuckDB reads {rel} exactly")
    ts = got.column("timestamp").to_pylist()
    check(ts == sorted(ts), f"{rel} is sorted by timestamp")

# An hourly question as OpenSensor.Space asks it, over the raw and the daily lake.
HOURLY = """SELECT station, date_trunc('hour', timestamp) AS hour, count(*) AS n,
    avg(temperature) AS temperature, avg(humidity) AS humidity, avg(pressure) AS pressure, avg(pm25) AS pm25,
    min(pm10) AS pm10_min, max(pm10) AS pm10_max
    FROM read_parquet('{root}/**/*.parquet', hive_partitioning = true) GROUP BY ALL ORDER BY station, hour"""
raw_rows = duckdb.sql(HOURLY.format(root=LAKE)).fetchall()
daily_rows = duckdb.sql(HOURLY.format(root=DAILY)).fetchall()
check(len(raw_rows) == len(daily_rows) == 2 * 72, f"hourly rows: raw {len(raw_rows)}, daily {len(daily_rows)}")


def close(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return a == b or abs(a - b) <= 1e-9 * max(abs(a), abs(b))
    return a == b


check(all(len(r) == len(d) and all(close(x, y) for x, y in zip(r, d)) for r, d in zip(raw_rows, daily_rows)),
      "the hourly SQL gives the same rows over the raw and the daily lake (averages to 1e-9)")

after = [run("query", "--data", LAKE, "--format", "csv", *q).stdout for q in QUERIES]
for q, b, a in zip(QUERIES, before, after):
    check(a == b and len(a) > 100, f"query {' '.join(q)} byte-identical after compaction")

mtimes = {f: os.stat(f).st_mtime_ns for f in day_files(DAILY)}
p = run("compact", "--data", LAKE)
check("0 day files written" in p.stdout and "6 up to date" in p.stdout, f"second compact writes nothing: {p.stdout.strip()}")
check(mtimes == {f: os.stat(f).st_mtime_ns for f in day_files(DAILY)}, "second compact leaves the day files alone")

# A late batch: its day is compacted again and the answer includes it.
late_dir = os.path.join(LAKE, os.path.dirname(os.path.relpath(files[0], DAILY)))
late = os.path.join(late_dir, "data_0015-1.parquet")
shutil.copyfile(os.path.join(late_dir, "data_0015.parquet"), late)
os.utime(late)
p = run("compact", "--data", LAKE)
check("1 day files written" in p.stdout and "1 replaced" in p.stdout, f"late batch re-compacts its day: {p.stdout.strip()}")
check(pq.ParquetFile(files[0]).read().num_rows == raw_day(late_dir).num_rows, "the replaced day file holds the late batch")
os.remove(late)

# kill -9 at random moments of a run over a bigger lake, then a rerun.
BIG = os.path.join(WORK, "big")
run("simulate", "--output", BIG, "--from", "2025-07-01T00:00:00Z", "--days", "12", "--stations", "2")
rng = random.Random(7)
# A whole run's time sets the moments to kill at, so runs die mid-way on a fast machine and on a
# busy one; a run that finishes anyway is started over from no day files, so there is work left.
started = time.monotonic()
run("compact", "--data", BIG, "--workers", "2")
whole = time.monotonic() - started
shutil.rmtree(BIG + "-daily")
kills = 0
for attempt in range(8):
    proc = subprocess.Popen([BIN, "compact", "--data", BIG, "--workers", "2"], cwd=WORK,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(rng.uniform(0.1, 0.6) * whole)
    killed = proc.poll() is None
    if killed:
        proc.send_signal(signal.SIGKILL)
        kills += 1
    proc.wait()
    for f in day_files(BIG + "-daily"):
        rel = os.path.relpath(f, BIG + "-daily")
        try:
            n = pq.ParquetFile(f).read().num_rows
        except Exception as e:  # noqa: BLE001
            n = f"unreadable: {e}"
        check(n == raw_day(os.path.join(BIG, os.path.dirname(rel))).num_rows, f"after kill -9 {attempt}: {rel} is whole ({n})")
    visible = [f for f in glob.glob(os.path.join(BIG + "-daily", "**", "*"), recursive=True)
               if os.path.isfile(f) and not f.endswith(".parquet")]
    check(not visible, f"after kill -9 {attempt}: no visible partial file ({visible[:3]})")
    if not killed:
        shutil.rmtree(BIG + "-daily")
check(kills >= 3, f"at least three runs killed mid-way ({kills})")
p = run("compact", "--data", BIG)
check(len(day_files(BIG + "-daily")) == 24, f"the rerun finishes: {len(day_files(BIG + '-daily'))} day files; {p.stdout.strip()}")
p = run("compact", "--data", BIG)
check("0 day files written" in p.stdout, f"and a run after it writes nothing: {p.stdout.strip()}")
for f in day_files(BIG + "-daily"):
    rel = os.path.relpath(f, BIG + "-daily")
    expected = raw_day(os.path.join(BIG, os.path.dirname(rel)))
    got = pq.ParquetFile(f).read()
    check(got.equals(expected.cast(got.schema)), f"after the kills, {rel} holds its day exactly")

# Bad input names what was wrong.
p = run("compact", "--data", LAKE, "--from", "2025-13-01", ok=False)
check(p.returncode != 0 and "--from" in p.stderr, f"a bad --from is refused naming it: {p.stderr.strip()}")

checks.finish("compact: ")
