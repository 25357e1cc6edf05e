"""The measuring half of Benchmarks/run-dashboard.sh: page and API wall times against a running
`opensensor dashboard`, its peak RSS, and DuckDB answering the page's 30-day question.

Usage: dashboard_side.py URL LAKE STATION SERVER_PID RUNS
Each timing is the median of RUNS requests after one warm-up request.
"""
import re, resource, statistics, sys, time, urllib.request
from datetime import datetime, timezone

import duckdb

url, lake, station, pid, runs = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
COLUMNS = ("temperature raw_temperature pressure humidity raw_humidity oxidised reducing nh3 lux proximity pm1 pm25 "
           "pm10 particles_03um particles_05um particles_10um particles_25um particles_50um particles_100um").split()


def fetch(path, headers=None):
    with urllib.request.urlopen(urllib.request.Request(url + path, headers=headers or {}), timeout=600) as r:
        if r.status != 200:
            sys.exit(f"GET {path}: {r.status}")
        return r.read()


def timed(fn):
    fn()  # warm-up: the page cache, as for a viewer who reloads
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def iso(ms):
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


rows = []
pages = {}
for r in ("1h", "24h", "7d", "30d"):
    seconds, body = timed(lambda: fetch(f"/stations/{station}?range={r}"))
    pages[r] = body.decode()
    rows.append((f"GET /stations/<id>?range={r}", seconds, f"{len(body) / 1024:.0f} KiB"))
# As a browser asks: gzip accepted, and a named zone (daylight saving rules looked up per label).
BROWSER = {"Accept-Encoding": "gzip", "Cookie": "tzname=Europe/Berlin; tz=60"}
for r in ("24h", "30d"):
    seconds, body = timed(lambda: fetch(f"/stations/{station}?range={r}", BROWSER))
    rows.append((f"  the same {r}, gzip + Europe/Berlin", seconds, f"{len(body) / 1024:.0f} KiB"))

# The 30-day page's question, pinned to the range it drew, for the API and for DuckDB alike.
svg = re.search(r'<svg [^>]*class="chart"[^>]*>', pages["30d"]).group(0)
frm, to, step = (int(re.search(f'data-{k}="(\\d+)"', svg).group(1)) for k in ("from", "to", "step"))
api = f"/api/stations/{station}/series?range=custom&from={iso(frm)}&to={iso(to)}&format=csv"
seconds, body = timed(lambda: fetch(api))
ours_groups = len(body.splitlines()) - 1
rows.append(("GET /api/…/series 30d (csv)", seconds, f"{ours_groups} groups"))

with open(f"/proc/{pid}/status") as f:
    hwm = int(re.search(r"VmHWM:\s+(\d+) kB", f.read()).group(1))

aggs = "".join(f", avg({c}), min({c}), max({c})" for c in COLUMNS)
sql = (f"SELECT time_bucket(INTERVAL {step // 1000} SECOND, timestamp) AS time, count(*){aggs} "
       f"FROM read_parquet('{lake}/station={station}/**/*.parquet', hive_partitioning = true) "
       f"WHERE timestamp >= epoch_ms({frm}) AND timestamp < epoch_ms({to}) GROUP BY ALL ORDER BY time")


def duck():
    con = duckdb.connect()  # a fresh connection each time: no metadata cached between runs
    out = con.execute(sql).fetchall()
    con.close()
    return out


seconds, result = timed(duck)
duck_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
rows.append((f"DuckDB {duckdb.__version__}: same 30d question", seconds, f"{len(result)} groups"))
if len(result) != ours_groups:
    print(f"warning: DuckDB has {len(result)} groups, the API {ours_groups}: not the same question?", file=sys.stderr)

print(f"median of {runs} after one warm-up, {step // 60000}-minute buckets for 30 days")
print(f"{'':42} {'wall ms':>9}  {'answer':>12}")
for name, s, extra in rows:
    print(f"{name:42} {s * 1000:9.1f}  {extra:>12}")
print(f"{'peak RSS, opensensor dashboard (VmHWM)':42} {hwm / 1024:9.1f} MiB")
print(f"{'peak RSS, Python + DuckDB (this process)':42} {duck_rss / 1024:9.1f} MiB")
