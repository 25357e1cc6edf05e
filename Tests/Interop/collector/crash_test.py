"""The collector under kill -9 and SIGTERM (docs/ARCHITECTURE.md §4): run `opensensor start --simulate
--speed` and kill it at random moments, restart it, end with SIGTERM; every reading the
collector logged as durable must be in the Parquet files exactly once, and the lake must read
in pyarrow and DuckDB with the contract's layout and schema.

Usage: crash_test.py OPENSENSOR_BIN WORK_DIR [ITERATIONS]"""
import json, os, random, re, signal, subprocess, sys, time, urllib.error, urllib.request
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import checks  # noqa: E402
from checks import check  # noqa: E402
from dashboard_process import DashboardProcess  # noqa: E402
from datetime import datetime, timezone

import duckdb
import pyarrow.parquet as pq

BIN, WORK = sys.argv[1], sys.argv[2]
ITER = int(sys.argv[3]) if len(sys.argv) > 3 else 8
os.makedirs(WORK, exist_ok=True)
out = os.path.join(WORK, "output")


env = dict(os.environ, OPENSENSOR_LOG_LEVEL="DEBUG", OPENSENSOR_WARMUP_READINGS="0",
           OPENSENSOR_STATION_ID="0190a0b0-0000-7000-8000-00000000c0de")
logged = []
rnd = random.Random(7)
pattern = re.compile(r"timestamp=(\S+Z)")
day0 = datetime(2025, 6, 1, tzinfo=timezone.utc).timestamp()


seen_by_status = []  # (time, temperature) of each newest reading `status` read from the journal
seen_by_dashboard = []  # the same, from the dashboard's /api/stations/<id>/latest
STATION = env["OPENSENSOR_STATION_ID"]

# A dashboard on the output folder for the whole test, reading the journal as the collector
# appends, files and is killed; stopped by its PID at the end.
os.makedirs(out, exist_ok=True)
dashboard = DashboardProcess(BIN, ["--data", out], WORK, env, os.path.join(WORK, "dashboard.log"))
dash_url = dashboard.url
check(dash_url is not None, f"the dashboard beside the collector did not start: {dashboard.log()[-1000:]}")


def watch_dashboard():
    try:
        with urllib.request.urlopen(f"{dash_url}/api/stations/{STATION}/latest", timeout=30) as r:
            latest = json.loads(r.read())
    except urllib.error.HTTPError as e:
        check(e.code == 404, f"dashboard latest while running: {e.code}")  # no reading yet
        return
    if latest.get("file") == "journal":
        seen_by_dashboard.append((latest["timestamp"], latest["temperature"]))


def watch_status(p, seconds):
    # `status` reads the journal while the collector appends and files batches (the journal is
    # replaced every few hundred ms at this speed), without its lock: every reading it shows
    # must be a whole one that ends up in a file.
    until = time.time() + seconds
    while time.time() < until and p.poll() is None:
        r = subprocess.run([BIN, "status", "--json"], cwd=WORK, env=env, capture_output=True, text=True)
        check(r.returncode == 0, f"status while running: exit {r.returncode}: {r.stderr[-300:]}")
        n = json.loads(r.stdout)["newest_reading"]
        if n is not None and n["source"] == "journal":
            seen_by_status.append((n["time"], n["values"]["temperature"]))
        if dash_url:
            watch_dashboard()
        time.sleep(0.05)


def run(i, sig):
    # Each run starts on its own virtual day, so runs never overlap in time; a killed run's
    # journal is written out by the next run.
    start = datetime.fromtimestamp(day0 + i * 86400, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    p = subprocess.Popen([BIN, "start", "--simulate", "--speed", "400", "--start", start, "--output", out, "--seed", str(i)],
                         cwd=WORK, env=env, stderr=subprocess.PIPE, text=True)
    watch_status(p, rnd.uniform(0.4, 2.5))
    if sig == signal.SIGTERM:
        st = json.loads(subprocess.run([BIN, "status", "--json"], cwd=WORK, env=env, capture_output=True, text=True).stdout)
        check([c["pid"] for c in st["collectors"]] == [p.pid], f"status while running: {st}")
    p.send_signal(sig)
    _, err = p.communicate(timeout=60)
    got = pattern.findall(err)
    logged.extend(got)
    return p.returncode, err, len(got)


for i in range(ITER):
    rc, err, n = run(i, signal.SIGKILL)
    check(rc == -9, f"run {i}: exit {rc}: {err[-500:]}")
    check(n > 0, f"run {i}: logged no reading")
rc, err, n = run(ITER, signal.SIGTERM)
check(rc == 0, f"SIGTERM: exit {rc}: {err[-500:]}")
check("stopping: writing the open batch" in err, "SIGTERM: no stop message")
# One more start writes out the journal of the last killed run, if any; then stop at once.
rc, err, n = run(ITER + 1, signal.SIGTERM)
check(rc == 0, f"final run: exit {rc}")

files = []
for root, _, names in os.walk(out):
    for n in names:
        if n.endswith(".parquet"):
            files.append(os.path.join(root, n))
        elif "/.opensensor/" not in root + "/":
            check(False, f"unexpected file {os.path.join(root, n)} (a partial or temporary file?)")
check(len(files) > ITER, f"only {len(files)} files")
stamps = []
temperatures = {}
for f in files:
    rel = os.path.relpath(f, out)
    check(re.fullmatch(r"station=0190a0b0-0000-7000-8000-00000000c0de/year=\d{4}/month=\d\d/day=\d\d/data_\d{4}(-\d+)?\.parquet", rel) is not None,
          f"layout: {rel}")
    t = pq.read_table(f)
    check(t.schema.names[0] == "timestamp" and len(t.schema.names) == 20, f"schema of {rel}")
    ts = [v.strftime("%Y-%m-%dT%H:%M:%S.") + f"{v.microsecond // 1000:03d}Z" for v in t.column("timestamp").to_pylist()]
    stamps.extend(ts)
    temperatures.update(zip(ts, t.column("temperature").to_pylist()))
    if ts:
        first = min(t.column("timestamp").to_pylist())
        check(f"year={first.year:04d}/month={first.month:02d}/day={first.day:02d}/" in rel, f"{rel}: partition is not the first reading's date")
dupes = len(stamps) - len(set(stamps))
check(dupes == 0, f"{dupes} readings are in the files more than once")
missing = set(logged) - set(stamps)
check(not missing, f"{len(missing)} logged readings are missing from the files, e.g. {sorted(missing)[:3]}")
check(len(seen_by_status) > ITER, f"status read the running collector's journal only {len(seen_by_status)} times")
for when, temperature in seen_by_status:
    check(when in temperatures, f"status showed a reading at {when} that no file holds")
    filed = temperatures[when]
    check((temperature is None) == (filed is None) and (filed is None or abs(temperature - filed) < 1e-4),
          f"status showed {temperature} °C at {when}, the file holds {filed}")
check(len(seen_by_dashboard) > ITER, f"the dashboard read the running collector's journal only {len(seen_by_dashboard)} times")
for when, temperature in seen_by_dashboard:
    filed = temperatures.get(when, "no file")
    check(filed != "no file" and (temperature is None) == (filed is None) and (filed is None or abs(temperature - filed) < 1e-4),
          f"the dashboard showed {temperature} °C at {when}, the files hold {filed}")
dashboard.stop()
print(f"collector: {len(logged)} readings logged over {ITER} kill -9 and 2 SIGTERM, {len(stamps)} in {len(files)} files; "
      f"status read {len(seen_by_status)} and a dashboard {len(seen_by_dashboard)} of them from the running collector's journal")

HEALTH = ["timestamp", "cpu_temp_c", "cpu_load_1min", "cpu_load_5min", "cpu_load_15min", "memory_total_mb",
          "memory_available_mb", "memory_percent_used", "disk_total_gb", "disk_free_gb", "disk_percent_used",
          "wifi_quality_percent", "ntp_offset_ms", "uptime_seconds", "battery_percent", "cpu_voltage_v",
          "wifi_signal_dbm", "clock_synced", "wifi_ssid", "ip_address", "power_source", "throttled_hex"]
health = [os.path.join(r, n) for r, _, ns in os.walk(out + "-health") for n in ns if n.endswith(".parquet")]
check(len(health) > 0, "no health files")
for f in health:
    rel = os.path.relpath(f, out + "-health")
    check(re.fullmatch(r"station=[0-9a-f-]+/year=\d{4}/month=\d\d/day=\d\d/health_\d{4}(-\d+)?\.parquet", rel) is not None, f"health layout: {rel}")
    t = pq.read_table(f)
    check(t.schema.names == HEALTH, f"health schema of {rel}: {t.schema.names}")
    check(str(t.schema.field("wifi_signal_dbm").type) == "int32" and str(t.schema.field("clock_synced").type) == "bool"
          and str(t.schema.field("memory_total_mb").type) == "double", f"health types of {rel}")
    check(all(v is not None for v in t.column("memory_total_mb").to_pylist()), f"{rel}: memory_total_mb missing")

st = json.loads(subprocess.run([BIN, "status", "--json"], cwd=WORK, env=env, capture_output=True, text=True).stdout)
check(st["collectors"] == [] and st["pending_readings"] == 0, f"status after stop: {st}")
check(st["last_reading"] == max(stamps), f"status last_reading {st['last_reading']} != {max(stamps)}")
info = json.loads(subprocess.run([BIN, "info", "--json"], cwd=WORK, env=env, capture_output=True, text=True).stdout)
check(info["data"]["rows"] == len(stamps) and info["data"]["files"] == len(files), f"info data: {info['data']}")

n = duckdb.sql(f"select count(*) from read_parquet('{out}/**/*.parquet', hive_partitioning=true, hive_types={{'month': 'INTEGER', 'day': 'INTEGER'}})").fetchall()[0][0]
check(n == len(stamps), f"DuckDB counts {n} rows, pyarrow {len(stamps)}")
st = duckdb.sql(f"select distinct station from read_parquet('{out}/**/*.parquet', hive_partitioning=true)").fetchall()
check(st == [("0190a0b0-0000-7000-8000-00000000c0de",)], f"DuckDB stations {st}")

# A broken .env: a clear error naming the file and line, or the key, value and what is allowed.
bad = os.path.join(WORK, "bad-env")
os.makedirs(bad, exist_ok=True)
for content, needles in [('# station\nOPENSENSOR_READ_INTERVAL=5\nOPENSENSOR_OUTPUT_DIR="unterminated\n', [".env:3", "closing"]),
                         ("OPENSENSOR_READ_INTERVAL=500\n", ["OPENSENSOR_READ_INTERVAL=500", "1 to 60"])]:
    with open(os.path.join(bad, ".env"), "w") as f:
        f.write(content)
    r = subprocess.run([BIN, "start", "--simulate", "--stop-after", "1s"], cwd=bad, capture_output=True, text=True,
                       env={k: v for k, v in os.environ.items() if not k.startswith("OPENSENSOR_")})
    check(r.returncode != 0 and all(n in r.stderr for n in needles), f"broken .env: exit {r.returncode}, {r.stderr.strip()!r}")
with open(os.path.join(bad, ".env"), "w") as f:
    f.write("OPENSENSOR_COMPRESION=zstd\n")
r = subprocess.run([BIN, "status"], cwd=bad, capture_output=True, text=True,
                   env={k: v for k, v in os.environ.items() if not k.startswith("OPENSENSOR_")})
check(r.returncode == 0 and "OPENSENSOR_COMPRESSION" in r.stdout + r.stderr, f"unknown key warning: {r.stdout + r.stderr!r}")

# setup --non-interactive: keeps comments and unknown lines, changes only what it answers,
# mode 0600, a UUIDv7 station id; and what it writes is what start reads.
sd = os.path.join(WORK, "setup")
os.makedirs(sd, exist_ok=True)
with open(os.path.join(sd, ".env"), "w") as f:
    f.write("# my station\nMY_OWN=1\nOPENSENSOR_READ_INTERVAL=10\n")
clean = {k: v for k, v in os.environ.items() if not k.startswith("OPENSENSOR_")}
r = subprocess.run([BIN, "setup", "--non-interactive", "--compression", "zstd"], cwd=sd, capture_output=True, text=True, env=clean)
text = open(os.path.join(sd, ".env")).read()
sid = re.search(r"^OPENSENSOR_STATION_ID=(\S+)$", text, re.M)
check(r.returncode == 0 and text.startswith("# my station\nMY_OWN=1\nOPENSENSOR_READ_INTERVAL=10\n")
      and "OPENSENSOR_COMPRESSION=zstd" in text and sid is not None, f"setup wrote {text!r} ({r.stderr.strip()})")
check(oct(os.stat(os.path.join(sd, ".env")).st_mode & 0o777) == "0o600", "setup: .env is not mode 0600")
check(sid is not None and re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", sid.group(1)) is not None,
      f"setup: station id {sid and sid.group(1)} is not a UUIDv7")
info = json.loads(subprocess.run([BIN, "info", "--json"], cwd=sd, capture_output=True, text=True, env=clean).stdout)
check(info["configuration"]["OPENSENSOR_COMPRESSION"] == "zstd:3" and info["configuration"]["OPENSENSOR_READ_INTERVAL"] == "10",
      f"info after setup: {info['configuration']}")

# The README's key table is the code's.
readme = open(os.path.join(os.environ["OPENSENSOR_REPO"], "README.md"), encoding="utf-8").read()
table = readme.split("<!-- keys:begin -->\n")[1].split("\n<!-- keys:end -->")[0]
keys = subprocess.run([BIN, "info", "--keys"], capture_output=True, text=True).stdout.rstrip("\n")
check(table == keys, "README's configuration table differs from `opensensor info --keys`")

checks.finish("collector crash test: ")
