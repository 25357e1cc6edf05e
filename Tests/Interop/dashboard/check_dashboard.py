"""`opensensor dashboard` over HTTP and in a real browser.

Two phases, so that run-dashboard.sh owns the server process (started and stopped by PID):

  check_dashboard.py build OPENSENSOR_BIN WORK        writes the lakes and WORK/lake.json
  check_dashboard.py check OPENSENSOR_BIN WORK URL    every check against the running server

The lakes (WORK/out and WORK/out-health), all ending near the real "now" so the presets have data:
  A  8 days simulated, plus a health lake (pyarrow; the newest file through `parquet write`)
  B  8 days simulated, one file in the last 24 h overwritten with garbage (must be skipped)
  C  three good batches and a newer garbage file (the newest file is unreadable)
  D  the last hour of yesterday only: its newest batch is data_0000, which closes the day
Live: after the browser checks, B gets a new batch while the server runs.

The reference answers come from `opensensor query` (byte for byte) and pyarrow (latest rows).
Prints one line per failure and a closing `N passed, M failed`; exits 1 on any failure.
"""
import csv, glob, gzip, io, json, os, re, struct, subprocess, sys, time, urllib.error, urllib.parse, urllib.request
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import checks  # noqa: E402
from checks import check  # noqa: E402
from dashboard_process import DashboardProcess  # noqa: E402
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

MIN = 60_000
DAY = 86_400_000
# Fixed UUIDs (the configuration accepts only UUIDs), so failures name stable stations.
A, B, C, D, E = (f"0190b6c4-1c2d-7e3f-8a4b-00000000000{x}" for x in "abcde")
SENSOR_CHARTS = ["temperature", "humidity", "pressure", "gas", "light", "proximity", "pm", "particles"]
HEALTH_CHARTS = ["cpu-temp", "load", "memory", "disk", "wifi", "ntp"]
HEADLINES = ["temperature", "humidity", "pressure", "pm25", "pm10", "lux", "oxidised", "reducing", "nh3"]
PRESETS = ["1h", "24h", "7d", "30d"]
IST = 330  # Asia/Kolkata, minutes east of UTC; no daylight saving time
BERLIN_FALL_BACK = 1_792_890_000_000  # 2026-10-25T01:00:00Z: 03:00 CEST becomes 02:00 CET



def iso(ms):
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def f32(x):
    return struct.unpack("<f", struct.pack("<f", float(x)))[0]


def run(bin_, *args, env=None, cwd=None):
    p = subprocess.run([bin_, *args], cwd=cwd, capture_output=True, env=env)
    if p.returncode != 0:
        sys.exit(f"opensensor {' '.join(args)} exited {p.returncode}: {p.stderr.decode(errors='replace')}")
    return p.stdout


def simulate(bin_, work, station, seed, start, end, background=False):
    # The working directory is WORK, so no stray .env is read.
    env = dict(os.environ, OPENSENSOR_STATION_ID=station)
    args = [bin_, "simulate", "--output", os.path.join(work, "out"), "--from", iso(start), "--to", iso(end), "--seed", str(seed)]
    p = subprocess.Popen(args, cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if background:
        return p
    finish(p, args)


def finish(p, args):
    _, err = p.communicate()
    if p.returncode != 0:
        sys.exit(f"{' '.join(args[1:3])} exited {p.returncode}: {err.decode(errors='replace')}")


def part(root, station, ms):
    d = datetime.fromtimestamp(ms / 1000, timezone.utc)
    return os.path.join(root, f"station={station}/year={d.year:04d}/month={d.month:02d}/day={d.day:02d}")


def stem(prefix, boundary_ms):
    m = boundary_ms % DAY // MIN
    return f"{prefix}_{m // 60:02d}{m % 60:02d}"


# ---------------------------------------------------------------------------------------------
# build
# ---------------------------------------------------------------------------------------------

def build(bin_, work):
    import pyarrow as pa, pyarrow.parquet as pq
    now = int(time.time() * 1000) // MIN * MIN
    t0 = now - 20 * MIN  # the lake ends here; the live check adds t0..now later
    start = now - 8 * DAY
    out, health = os.path.join(work, "out"), os.path.join(work, "out-health")
    jobs = [simulate(bin_, work, s, seed, start, t0, background=True) for s, seed in ((A, 1), (B, 2))]
    for p in jobs:
        finish(p, ["", "simulate", ""])
    midnight = now // DAY * DAY
    simulate(bin_, work, D, 4, midnight - 60 * MIN, midnight)
    # E: the 25 hours around Berlin's 2026 change from summer to winter time (01:00Z on Oct 25).
    simulate(bin_, work, E, 5, BERLIN_FALL_BACK - 13 * 3_600_000, BERLIN_FALL_BACK + 12 * 3_600_000)

    # B: a batch about six hours back becomes garbage; the charts get a gap there.
    files_b = sorted(glob.glob(f"{out}/station={B}/**/data_*.parquet", recursive=True), key=newest_key)
    victim = files_b[-25]
    with open(victim, "wb") as f:
        f.write(b"PAR1 this is not a Parquet file")

    # C: three good batches of B's last day, then an unreadable newer one.
    good = [f for f in files_b[-8:-5]]
    for f in good:
        rel = os.path.relpath(f, f"{out}/station={B}")
        dst = os.path.join(out, f"station={C}", rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with open(f, "rb") as src, open(dst, "wb") as d:
            d.write(src.read())
    last = max(good, key=newest_key)
    garbage = os.path.join(os.path.dirname(os.path.join(out, f"station={C}", os.path.relpath(last, f"{out}/station={B}"))),
                           "data_2359.parquet" if not last.endswith("data_0000.parquet") else "data_0000-9.parquet")
    with open(garbage, "wb") as f:
        f.write(b"PAR1\0\0\0\0truncated")

    # A's health lake: one row a minute in 15-minute batches named by their closing boundary,
    # an hour of null CPU temperatures (a gap) and a column that is always null.
    schema = pa.schema([("timestamp", pa.timestamp("ms", tz="UTC"))]
                       + [(c, pa.float64()) for c in ("cpu_temp_c", "cpu_load_1min", "cpu_load_5min", "cpu_load_15min",
                                                      "memory_total_mb", "memory_available_mb", "memory_percent_used",
                                                      "disk_total_gb", "disk_free_gb", "disk_percent_used",
                                                      "wifi_quality_percent", "ntp_offset_ms", "uptime_seconds",
                                                      "battery_percent", "cpu_voltage_v")]
                       + [("wifi_signal_dbm", pa.int32()), ("clock_synced", pa.bool_())]
                       + [(c, pa.string()) for c in ("wifi_ssid", "ip_address", "power_source", "throttled_hex")])
    gap = (t0 - 3 * 3_600_000, t0 - 2 * 3_600_000)

    def health_row(t):
        k = (t - start) // MIN
        return {"timestamp": t, "cpu_temp_c": None if gap[0] <= t < gap[1] else 45 + (k % 97) / 10,
                "cpu_load_1min": (k % 13) / 10, "cpu_load_5min": (k % 29) / 20, "cpu_load_15min": (k % 41) / 30,
                "memory_total_mb": 3906.0, "memory_available_mb": 2000 + k % 500, "memory_percent_used": 30 + (k % 300) / 10,
                "disk_total_gb": 29.5, "disk_free_gb": 20 - k / 100000, "disk_percent_used": 32.0, "wifi_quality_percent": 70.0,
                "ntp_offset_ms": None if k % 7 == 0 else (k % 11 - 5) / 3, "uptime_seconds": float(k * 60),
                "battery_percent": None, "cpu_voltage_v": 0.85, "wifi_signal_dbm": -55 - k % 17, "clock_synced": k % 50 != 0,
                "wifi_ssid": "lab", "ip_address": "192.0.2.7", "power_source": "mains", "throttled_hex": "0x0"}

    b = start // (15 * MIN) * (15 * MIN)
    while b < t0:
        rows = [health_row(t) for t in range(max(b, start), min(b + 15 * MIN, t0), MIN)]
        b += 15 * MIN
        if not rows:
            continue
        d = part(health, A, rows[0]["timestamp"])
        os.makedirs(d, exist_ok=True)
        name = os.path.join(d, stem("health", b) + ".parquet")
        if b >= t0:  # the newest batch goes through our own writer
            csv_path = os.path.join(work, "health.csv")
            with open(csv_path, "w", newline="") as f:
                w = csv.writer(f)
                w.writerow(schema.names)
                for r in rows:
                    w.writerow([iso(r["timestamp"]) if n == "timestamp" else "" if r[n] is None
                                else str(r[n]).lower() if isinstance(r[n], bool) else r[n] for n in schema.names])
            run(bin_, "parquet", "write", "--schema", "health", "--input", csv_path, "--output", name, cwd=work)
        else:
            pq.write_table(pa.Table.from_pylist(rows, schema=schema), name)
    with open(os.path.join(work, "lake.json"), "w") as f:
        json.dump({"now": now, "t0": t0, "start": start, "victim": os.path.relpath(victim, out)}, f)
    print(f"lake: stations A={A} B={B} C={C} D={D}, {iso(start)} .. {iso(t0)}; unreadable: {os.path.relpath(victim, out)}")


def newest_key(path):
    """Layout order: day, then the closing boundary, midnight (0000) last, then the attempt."""
    m = re.search(r"year=(\d+)/month=(\d+)/day=(\d+)/\w+?_(\d{4})(?:-(\d+))?\.parquet$", path)
    y, mo, d, hhmm, att = m.groups()
    minute = int(hhmm[:2]) * 60 + int(hhmm[2:]) or 1440
    return (int(y), int(mo), int(d), minute, int(att or 0))


# ---------------------------------------------------------------------------------------------
# check
# ---------------------------------------------------------------------------------------------

def get(url, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


def last_row(root, station, prefix):
    """The row with the greatest timestamp among the station's readable files, and its file:
    what 'the newest reading' means, found without the dashboard's rules."""
    import pyarrow.parquet as pq
    files = sorted(glob.glob(f"{root}/station={station}/**/{prefix}_*.parquet", recursive=True), key=newest_key)
    best = None
    for f in files[-6:]:  # the newest batches by layout; the last readings are among them
        try:
            t = pq.read_table(f)
        except Exception:
            continue
        rows = t.to_pylist()
        for r in rows:
            ms = int(r["timestamp"].timestamp() * 1000)
            if best is None or ms >= best[0]:
                best = (ms, r, os.path.relpath(f, root))
    return best


def width_text(ms):
    if ms % DAY == 0:
        return f"{ms // DAY}d"
    if ms % 3_600_000 == 0:
        return f"{ms // 3_600_000}h"
    return f"{ms // MIN}m"


def svg_blocks(html):
    return re.findall(r"<svg\b.*?</svg>", html, flags=re.S)


def chart_attrs(html, chart_id):
    m = re.search(r'<svg [^>]*id="chart-' + re.escape(chart_id) + r'"[^>]*>', html)
    if not m:
        return None
    attrs = dict(re.findall(r'([\w:-]+)="([^"]*)"', m.group(0)))
    return attrs


def chart_series(html, chart_id):
    block = re.search(r'<svg [^>]*id="chart-' + re.escape(chart_id) + r'".*?</svg>', html, flags=re.S).group(0)
    return [dict(re.findall(r'([\w:-]+)="([^"]*)"', p)) for p in re.findall(r"<path [^>]*class=\"series[^>]*>", block)]


def expected_from_csv(body, column, step):
    """Points (buckets with an average) and runs (unbroken stretches) of `column` in a series CSV."""
    rows = list(csv.DictReader(io.StringIO(body)))
    points = runs = 0
    prev = None
    for r in rows:
        t = int(datetime.strptime(r["time"], "%Y-%m-%dT%H:%M:%S.%f%z").timestamp() * 1000)
        if r[f"{column}_avg"] == "":
            prev = None
            continue
        points += 1
        if prev is None or t - prev != step:
            runs += 1
        prev = t
    return points, runs


class Checker:
    def __init__(self, bin_, work, url):
        self.bin, self.work, self.url = bin_, work, url.rstrip("/")
        self.out, self.health = os.path.join(work, "out"), os.path.join(work, "out-health")
        with open(os.path.join(work, "lake.json")) as f:
            self.meta = json.load(f)
        self.pages = {}  # (station, range) -> server HTML, for the browser checks
        self.csv_cache = {}

    def query(self, *args):
        return run(self.bin, "query", *args, cwd=self.work)

    # --- Hardening ----------------------------------------------------------------------------

    def hardening(self):
        """A page elsewhere must not read the data through DNS rebinding (Host), sniff or frame
        it (headers), or exhaust the server (range cap, bounded reads, idle timeout)."""
        import socket, threading
        u = self.url
        port = urllib.parse.urlsplit(u).port
        # A silent connection is closed by the server after its idle timeout (30 s); timed
        # alongside the other checks.
        idle = {}
        def silent():
            t = time.time()
            with socket.create_connection(("127.0.0.1", port), timeout=120) as sock:
                try:
                    idle["data"] = sock.recv(1)
                except OSError as e:
                    idle["data"] = repr(e)
            idle["seconds"] = time.time() - t
        waiter = threading.Thread(target=silent)
        waiter.start()

        status, _, body = get(u + "/api/stations", {"Host": f"rebind.attacker.example:{port}"})
        text = body.decode(errors="replace")
        check(status == 421 and "rebind.attacker.example" in text and "--allow-host" in text and A not in text,
              f"Host: rebind.attacker.example: {status} {text[:200]!r}, expected 421 naming the host and --allow-host")
        for host in (f"localhost:{port}", f"127.0.0.1:{port}", "LOCALHOST"):
            status, _, _ = get(u + "/api/stations", {"Host": host})
            check(status == 200, f"Host: {host}: {status}, expected 200")

        for path in ("/", f"/stations/{A}?range=24h", "/api/stations", f"/api/stations/{A}/series?chart=pm&format=csv",
                     "/no/such/page", f"/stations/{A}?range=2h"):
            req = urllib.request.Request(u + path)
            try:
                r = urllib.request.urlopen(req, timeout=120)
            except urllib.error.HTTPError as e:
                r = e
            with r:
                page = r.read().decode(errors="replace")
                nosniff, csp = r.headers.get("X-Content-Type-Options"), r.headers.get("Content-Security-Policy") or ""
            check(nosniff == "nosniff", f"GET {path}: X-Content-Type-Options {nosniff!r}, expected nosniff")
            check(csp.startswith("default-src 'none'") and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp,
                  f"GET {path}: Content-Security-Policy {csp!r}")
            if page.startswith("<!DOCTYPE html>"):
                m = re.search(r"script-src 'nonce-([0-9a-f]{32})'", csp)
                check(m is not None and f'<script nonce="{m.group(1)}">' in page and f'<style nonce="{m.group(1)}">' in page,
                      f"GET {path}: the page's script and style do not carry the policy's nonce ({csp!r})")

        t0 = self.meta["t0"]
        to = iso(t0)[:10]
        year_ago = datetime.fromtimestamp(t0 / 1000, timezone.utc).date() - timedelta(days=366)
        status, _, body = get(u + f"/api/stations/{A}/series?chart=pm&range=custom&from={year_ago}&to={to}&format=csv")
        check(status == 200, f"a 366-day custom range: {status} {body[:200]!r}, expected 200")
        status, _, body = get(u + f"/api/stations/{A}/series?chart=pm&range=custom&from={year_ago - timedelta(days=1)}&to={to}")
        check(status == 400 and b"at most 366 days" in body, f"a 367-day custom range: {status} {body[:200]!r}, expected 400")
        status, _, body = get(u + f"/api/stations/{A}/series?chart=pm&range=custom&from=2016-01-01&to={to}")
        check(status == 400 and b"at most 366 days" in body, f"a ten-year custom range: {status} {body[:200]!r}, expected 400")

        # 300 one-day requests with their columns in different orders, 24 at a time (within the
        # 2 running + 32 waiting the server allows): the cache keys do not depend on the order
        # and only two reads run at once, so memory stays put (before: 24 → 91 MB).
        pid = os.environ.get("DASHBOARD_PID")
        def rss():
            with open(f"/proc/{pid}/status") as f:
                return next(int(l.split()[1]) for l in f if l.startswith("VmRSS:")) / 1024
        import itertools
        from concurrent.futures import ThreadPoolExecutor
        cols = ["temperature", "humidity", "pressure", "pm25", "pm10", "lux"]
        orders = list(itertools.islice(itertools.permutations(cols), 300))
        day = datetime.fromtimestamp(t0 / 1000, timezone.utc).date() - timedelta(days=3)
        before = rss() if pid else 0
        peak = before
        def one(order):
            return get(u + f"/api/stations/{A}/series?columns={','.join(order)}&range=custom&from={day}&to={day + timedelta(days=1)}&format=csv")[0]
        with ThreadPoolExecutor(24) as pool:
            futures = [pool.submit(one, o) for o in orders]
            while not all(f.done() for f in futures):
                if pid:
                    peak = max(peak, rss())
                time.sleep(0.05)
            codes = [f.result() for f in futures]
        after = rss() if pid else 0
        check(all(c == 200 for c in codes), f"300 reordered one-day requests: answers {sorted(set(codes))}, expected 200")
        print(f"check_dashboard: 300 reordered one-day requests, 24 at a time: {codes.count(200)} answered, "
              f"{codes.count(503)} busy; RSS {before:.0f} MB before, peak {peak:.0f} MB, {after:.0f} MB after")
        if pid:
            check(peak - before < 40, f"300 reordered one-day requests: RSS grew {peak - before:.0f} MB (from {before:.0f} to {peak:.0f})")

        # A burst beyond the waiting room is refused at once, not queued without end.
        with ThreadPoolExecutor(80) as pool:
            burst = list(pool.map(one, orders[:160]))
        check(set(burst) <= {200, 503} and 200 in burst, f"a burst of 160 requests, 80 at a time: answers {sorted(set(burst))}")
        print(f"check_dashboard: a burst of 160 requests, 80 at a time: {burst.count(200)} answered, {burst.count(503)} refused busy (503)")

        waiter.join(120)
        check(idle.get("data") == b"" and 20 <= idle.get("seconds", 0) <= 90,
              f"a silent connection: closed after {idle.get('seconds', 0):.0f} s with {idle.get('data')!r}, expected the ~30 s idle timeout")
        print(f"check_dashboard: a silent connection was closed after {idle.get('seconds', 0):.1f} s")

        # At most 64 connections: with 64 open, the next one is not served until one closes.
        held = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(64)]
        time.sleep(0.5)
        probe = socket.create_connection(("127.0.0.1", port), timeout=3)
        probe.sendall(f"GET /api/stations HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n".encode())
        try:
            early = probe.recv(64)
        except socket.timeout:
            early = None
        for sock in held[:8]:
            sock.close()
        probe.settimeout(20)
        try:
            late = probe.recv(64)
        except socket.timeout:
            late = b""
        for sock in held[8:] + [probe]:
            sock.close()
        check(early is None and late.startswith(b"HTTP/1.1 200"),
              f"65 connections: the 65th answered {early!r} while 64 were open (expected nothing), then {late!r} (expected 200)")

    # --- HTTP ---------------------------------------------------------------------------------

    def http_routes(self):
        u = self.url
        for path, ctype in (("/", "text/html"), (f"/stations/{A}", "text/html"), (f"/stations/{B}?range=7d", "text/html"),
                            ("/api/stations", "application/x-ndjson"), ("/api/stations?format=csv", "text/csv"),
                            (f"/api/stations/{A}/latest", "application/x-ndjson"), (f"/api/stations/{A}/latest?format=csv", "text/csv"),
                            (f"/api/stations/{A}/latest?health=1", "application/x-ndjson"),
                            (f"/api/stations/{A}/series?chart=pm", "application/x-ndjson"),
                            (f"/api/stations/{A}/series?chart=load&format=csv", "text/csv"),
                            (f"/api/stations/{B}/series?columns=temperature,pm25&range=1h&format=csv", "text/csv")):
            status, got, body = get(u + path)
            check(status == 200 and got.split(";")[0] == ctype and len(body) > 0,
                  f"GET {path}: {status} {got!r} ({len(body)} bytes), expected 200 {ctype}")
        for path in (f"/stations/not-a-station", f"/api/stations/not-a-station/latest", f"/api/stations/not-a-station/series",
                     "/no/such/page", "/api/nothing", f"/api/stations/{B}/latest?health=1"):
            status, _, body = get(u + path)
            check(status == 404, f"GET {path}: {status}, expected 404: {body[:200]!r}")
        day = iso(self.meta["t0"])[:10]
        bad = ((f"/stations/{A}?range=2h", "range"), (f"/api/stations/{A}/series?range=week", "range"),
               (f"/stations/{A}?range=custom&from=yesterday&to={day}", "from"),
               (f"/stations/{A}?range=custom&to={day}", "from"),
               (f"/api/stations/{A}/series?range=custom&from={day}&to=2026-13-45T99:00", "to"),
               (f"/stations/{A}?range=custom&from={day}T12:00:00Z&to={day}T11:00:00Z", "to"),
               (f"/api/stations/{A}/series?range=custom&from={day}T12:00:00Z&to={day}T12:00:00Z", "to"),
               (f"/stations/{A}?tz=abc", "tz"), (f"/stations/{A}?tz=900", "tz"), (f"/api/stations/{A}/series?tz=-721", "tz"),
               ("/api/stations?format=xml", "format"), (f"/api/stations/{A}/latest?format=table", "format"),
               (f"/api/stations/{A}/series?chart=temperature&format=parquet", "format"),
               (f"/api/stations/{A}/series?chart=co2", "chart"), (f"/api/stations/{A}/latest?health=maybe", "health"),
               (f"/api/stations/{A}/series?health=2", "health"), (f"/api/stations/{A}/series?columns=temperature,,pm25", "columns"))
        for path, param in bad:
            status, ctype, body = get(u + path)
            text = body.decode(errors="replace")
            if "text/html" in ctype:
                m = re.search(r'<p class="error">(.*?)</p>', text, flags=re.S)
                text = m.group(1) if m else text
            check(status == 400 and re.search(r"\b" + param + r"\b", text) is not None,
                  f"GET {path}: {status}, expected 400 naming '{param}': {text[:200]!r}")
        # Compression: with Accept-Encoding: gzip, pages and series come gzipped (Python's gzip
        # module reads them back); without it they come plain. A pinned series must come back byte
        # for byte; a live page carries ages that move every second, so it must come back whole.
        def gzipped(path):
            req = urllib.request.Request(u + path, headers={"Accept-Encoding": "gzip"})
            with urllib.request.urlopen(req, timeout=120) as r:
                return r.headers.get("Content-Encoding"), r.read()

        t0 = self.meta["t0"]
        pinned = f"/api/stations/{A}/series?chart=pm&range=custom&from={iso(t0 - 7 * DAY)}&to={iso(t0)}&format=csv"
        encoding, packed = gzipped(pinned)
        _, _, plain = get(u + pinned)
        check(encoding == "gzip" and gzip.decompress(packed) == plain,
              f"GET {pinned} with Accept-Encoding: gzip: {encoding!r}, {len(packed)} bytes, expected gzip of the {len(plain)}-byte plain answer")
        page = f"/stations/{A}?range=24h"
        encoding, packed = gzipped(page)
        _, _, plain = get(u + page)
        unpacked = gzip.decompress(packed) if encoding == "gzip" else b""
        check(unpacked.startswith(b"<!DOCTYPE html>") and unpacked.endswith(b"</html>\n") and abs(len(unpacked) - len(plain)) < 200,
              f"GET {page} with Accept-Encoding: gzip: {encoding!r}, {len(packed)} bytes unpacking to {len(unpacked)}, plain {len(plain)}")
        print(f"check_dashboard: {page}: {len(plain)} bytes plain, {len(packed)} gzipped")
        # The corrupt batch of B is skipped: its pages still answer.
        for r in ("24h", "7d"):
            status, _, body = get(f"{u}/stations/{B}?range={r}")
            check(status == 200 and b'class="chart"' in body, f"B ({self.meta['victim']} unreadable) {r}: {status}")
        # C's newest file is unreadable: the page must still answer, not fail on it.
        status, _, body = get(f"{u}/stations/{C}")
        m = re.search(r'<p class="error">(.*?)</p>', body.decode(errors="replace"), flags=re.S)
        check(status == 200, f"/stations/{C} (newest file unreadable): {status}, expected 200: {m and m.group(1)!r}")
        status, _, body = get(f"{u}/api/stations/{C}/latest")
        check(status < 500, f"/api/stations/{C}/latest (newest file unreadable): {status} {body[:200]!r}")

    def series_equal_query(self):
        """Each chart's CSV/JSON link on a page, byte for byte against `opensensor query` with the
        range and width the page drew (data-from, data-to, data-step)."""
        t0 = self.meta["t0"]
        cases = [(A, f"range={r}") for r in PRESETS] + [(B, "range=24h"), (D, "range=30d")]
        # A custom range off the bucket grid: the server widens it to whole buckets.
        cases.append((A, "range=custom&from=" + iso(t0 - 5 * 3_600_000 + 7 * MIN + 3000) + "&to=" + iso(t0 - 3 * 3_600_000 + 41_000)))
        cases.append((B, "range=custom&from=" + iso(t0 - 2 * DAY)[:10] + "&to=" + iso(t0)[:10]))
        for station, q in cases:
            status, _, raw = get(f"{self.url}/stations/{station}?{q}")
            if not check(status == 200, f"/stations/{station}?{q}: {status}"):
                continue
            html = raw.decode()
            self.pages[(station, q)] = html
            charts = SENSOR_CHARTS + (HEALTH_CHARTS if station == A else [])
            check(len(re.findall(r'<svg [^>]*class="chart"', html)) == len(charts),
                  f"{station} {q}: {len(charts)} charts expected")
            for chart in charts:
                a = chart_attrs(html, chart)
                if not check(a is not None, f"{station} {q}: no svg#chart-{chart}"):
                    continue
                frm, to, step = int(a["data-from"]), int(a["data-to"]), int(a["data-step"])
                cols = [s["data-series"] for s in chart_series(html, chart)]
                link = re.search(r'<figure id="fig-' + chart + r'".*?<figcaption><a href="([^"]+)">CSV</a>', html, flags=re.S)
                if not check(link is not None, f"{station} {q} {chart}: no CSV link"):
                    continue
                href = link.group(1).replace("&amp;", "&")
                check(f"from={iso(frm)}&to={iso(to)}" in href, f"{station} {q} {chart}: the CSV link {href} pins the drawn range")
                health = chart in HEALTH_CHARTS
                args = (["--health", "--data", self.health] if health else ["--data", self.out]) + [
                    "--station", station, "--from", iso(frm), "--to", iso(to), "--every", width_text(step), "--columns", ",".join(cols)]
                fmts = ("csv", "json") if chart in ("temperature", "cpu-temp") else ("csv",)
                for fmt in fmts:
                    status, _, body = get(self.url + href.replace("format=csv", f"format={fmt}"))
                    want = self.query(*args, "--format", fmt)
                    if not check(status == 200 and body == want,
                                 f"{station} {q} {chart} {fmt}: API ({status}, {len(body)} bytes) differs from "
                                 f"`opensensor query {' '.join(args)} --format {fmt}` ({len(want)} bytes)"):
                        diff_hint(body, want)
                    if fmt == "csv":
                        self.csv_cache[(station, chart, frm, to)] = body.decode()
                        if chart == "temperature" and "custom" not in q:
                            check(len(want.splitlines()) > 1, f"{station} {q}: the temperature chart has data")
            # The footer's command line names the same width.
            a = chart_attrs(html, "temperature")
            check(a is not None and f"--every {width_text(int(a['data-step']))} " in html,
                  f"{station} {q}: footer command names the chart's width")
            # Server-side SVG is well-formed XML as sent.
            bad = 0
            for block in svg_blocks(html):
                try:
                    ET.fromstring(block)
                except ET.ParseError as e:
                    bad += 1
                    if bad == 1:
                        print(f"  {station} {q}: {e}: {block[:120]}")
            check(bad == 0 and len(svg_blocks(html)) >= len(charts) + len(HEADLINES),
                  f"{station} {q}: {bad} of {len(svg_blocks(html))} SVGs not well-formed XML")
            # Points and subpaths in the page's SVG against the API's buckets.
            for chart in charts:
                a = chart_attrs(html, chart)
                key = (station, chart, int(a["data-from"]), int(a["data-to"]))
                if key not in self.csv_cache:
                    continue
                body, step = self.csv_cache[key], int(a["data-step"])
                for s in chart_series(html, chart):
                    col = s["data-series"]
                    n, runs = expected_from_csv(body, col, step)
                    d = s.get("d", "")
                    check(int(s.get("data-points", -1)) == n and len(re.findall("[ML]", d)) == n and d.count("M") == runs,
                          f"{station} {q} {chart}/{col}: data-points={s.get('data-points')}, {len(re.findall('[ML]', d))} M/L, "
                          f"{d.count('M')} M; expected {n} points in {runs} runs")

    def latest_equal_pyarrow(self):
        for station in (A, B, D):
            want = last_row(self.out, station, "data")
            status, _, body = get(f"{self.url}/api/stations/{station}/latest")
            if not check(status == 200 and want is not None, f"/api/stations/{station}/latest: {status} {body[:200]!r}"):
                continue
            got = json.loads(body)
            ms, row, path = want
            bad = [c for c, v in row.items() if c != "timestamp" and v is not None and
                   (got.get(c) is None or f32(got[c]) != f32(v))]
            check(got["timestamp"] == iso(ms) and got["file"] == path and not bad,
                  f"/api/stations/{station}/latest: {got['timestamp']} from {got['file']}, pyarrow's newest reading "
                  f"{iso(ms)} in {path}; differing columns {bad}")
        ms, row, path = last_row(self.health, A, "health")
        status, _, body = get(f"{self.url}/api/stations/{A}/latest?health=1")
        got = json.loads(body) if status == 200 else {}
        bad = [c for c, v in row.items() if c != "timestamp" and isinstance(v, (int, float)) and not isinstance(v, bool) and
               (got.get(c) is None or float(got[c]) != float(v))]
        bad += [c for c, v in row.items() if v is None and c in got and got[c] is not None]
        check(status == 200 and got.get("timestamp") == iso(ms) and not bad,
              f"health latest of {A}: {got.get('timestamp')} vs {iso(ms)} ({path}); differing {bad}")

    # --- browser ------------------------------------------------------------------------------

    def driver(self, tz):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        opts = webdriver.ChromeOptions()
        opts.binary_location = "/usr/bin/chromium"
        for a in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900",
                  "--hide-scrollbars"):
            opts.add_argument(a)
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        # Chromium takes its time zone from TZ, inherited through chromedriver.
        service = Service("/usr/bin/chromedriver", env=dict(os.environ, TZ=tz))
        return webdriver.Chrome(options=opts, service=service)

    def console_errors(self, drv, what):
        severe = [e for e in drv.get_log("browser") if e.get("level") == "SEVERE"]
        check(not severe, f"{what}: console errors {severe[:3]}")

    def shot(self, drv, name):
        import base64
        data = drv.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})["data"]
        path = os.path.join(self.artifacts, name)
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        check(os.path.getsize(path) > 5000, f"screenshot {path} is {os.path.getsize(path)} bytes")

    def no_overflow(self, drv, what):
        sw, iw = drv.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
        check(sw <= iw, f"{what}: horizontal overflow, scrollWidth {sw} > innerWidth {iw}")

    def browser(self):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait
        os.makedirs(self.artifacts, exist_ok=True)
        drv = self.driver("UTC")
        try:
            drv.set_page_load_timeout(120)
            drv.get(self.url + "/")
            self.console_errors(drv, "front page")
            check(drv.execute_script("return document.documentElement.dataset.tz") == "0", "front page in UTC: data-tz 0")
            rows = {r.get_attribute("data-station"): r for r in drv.find_elements(By.CSS_SELECTOR, "tr.station")}
            for s in (A, B):
                links = rows[s].find_elements(By.CSS_SELECTOR, f'a[href="/stations/{s}"]') if s in rows else []
                check(len(links) == 1, f"front page lists {s} with a link")
            check(A in rows and "health" in rows[A].text and B in rows and "health" not in rows[B].text,
                  "front page tags the station with health data, only it")
            self.no_overflow(drv, "front page, desktop")
            self.shot(drv, "front-desktop.png")
            rows[A].find_element(By.TAG_NAME, "a").click()
            WebDriverWait(drv, 60).until(lambda d: A in d.current_url)
            check(A in drv.find_element(By.TAG_NAME, "h1").text, "the front page's link opens the station page")

            for station in (A, B):
                want_ms, want_row, _ = last_row(self.out, station, "data")
                for r in PRESETS:
                    drv.get(f"{self.url}/stations/{station}?range={r}")
                    what = f"{station} {r} (browser)"
                    self.console_errors(drv, what)
                    self.browser_charts(drv, station, f"range={r}", what)
                    bigs = drv.execute_script(
                        "return [...document.querySelectorAll('.big')].map(b => [b.dataset.column, b.dataset.value])")
                    check([c for c, _ in bigs] == HEADLINES, f"{what}: big numbers {[c for c, _ in bigs]}")
                    bad = [(c, v, want_row.get(c)) for c, v in bigs if v is None or want_row.get(c) is None or f32(v) != f32(want_row[c])]
                    check(not bad, f"{what}: big numbers differ from pyarrow's newest row ({iso(want_ms)}): {bad[:3]}")
                    n_health = len(drv.find_elements(By.CSS_SELECTOR, "section.charts.health svg.chart"))
                    check(n_health == (len(HEALTH_CHARTS) if station == A else 0), f"{what}: {n_health} health charts")
                    self.no_overflow(drv, what + ", desktop")
                    if station == A and r == "24h":
                        self.shot(drv, "station-desktop.png")
                        ticks_utc = self.ticks(drv)
            # A phone.
            drv.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True})
            for path, name in (("/", "front-phone.png"), (f"/stations/{A}?range=24h", "station-phone.png"),
                               (f"/stations/{B}?range=7d", None)):
                drv.get(self.url + path)
                check(drv.execute_script("return window.innerWidth") <= 400, f"{path}: phone viewport applied")
                self.no_overflow(drv, f"{path}, phone 390x844")
                self.console_errors(drv, f"{path}, phone")
                if name:
                    self.shot(drv, name)
        finally:
            drv.quit()

        # The viewer's time zone: the script sets the cookie and reloads once; the axes follow.
        drv = self.driver("Asia/Kolkata")
        try:
            drv.get(f"{self.url}/stations/{A}?range=24h")
            try:
                WebDriverWait(drv, 30).until(lambda d: d.execute_script("return document.documentElement.dataset.tz") == str(IST))
            except Exception:
                pass
            check(drv.execute_script("return document.documentElement.dataset.tz") == str(IST),
                  f"Asia/Kolkata: html[data-tz] {drv.execute_script('return document.documentElement.dataset.tz')!r}, expected {IST}")
            self.console_errors(drv, "Asia/Kolkata station page")
            ticks_ist = self.ticks(drv)
            for label, ticks, off in (("UTC", ticks_utc, 0), ("Asia/Kolkata", ticks_ist, IST)):
                wrong = [(t, text) for t, text in ticks
                         if text != datetime.fromtimestamp((t + off * MIN) / 1000, timezone.utc).strftime("%H:%M")
                         or (t + off * MIN) % 3_600_000 != 0]
                check(len(ticks) >= 3 and not wrong, f"24h x-axis in {label}: labels not the local round hours of data-t: {wrong[:3]}")
            # Round local hours in India fall on UTC half hours: the same labels, other instants.
            check({t for t, _ in ticks_utc}.isdisjoint({t for t, _ in ticks_ist}),
                  f"x-axis ticks move with the time zone: UTC {ticks_utc[:2]}, Asia/Kolkata {ticks_ist[:2]}")
            label = drv.execute_script("return document.querySelector('#chart-temperature .x-axis .axis-label').textContent")
            check("+05:30" in label, f"Asia/Kolkata axis label {label!r}")
            big_time = drv.execute_script("return document.querySelector('header time').textContent")
            want_ms, _, _ = last_row(self.out, A, "data")
            local = datetime.fromtimestamp((want_ms + IST * MIN) / 1000, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
            check(big_time == local, f"Asia/Kolkata last-reading time {big_time!r}, expected {local!r}")
        finally:
            drv.quit()

        # Across a daylight-saving change (the browser names its zone; the server reads the
        # zone's rules): both sides labelled in their own offset, ticks on round local hours.
        from zoneinfo import ZoneInfo
        berlin = ZoneInfo("Europe/Berlin")
        drv = self.driver("Europe/Berlin")
        try:
            path = f"/stations/{E}?range=custom&from=2026-10-24T14:00&to=2026-10-25T14:00"
            drv.get(self.url + path)
            try:
                WebDriverWait(drv, 30).until(lambda d: d.execute_script("return document.documentElement.dataset.zone") == "Europe/Berlin")
            except Exception:
                pass
            zone = drv.execute_script("return document.documentElement.dataset.zone")
            check(zone == "Europe/Berlin", f"Europe/Berlin: html[data-zone] {zone!r}")
            self.console_errors(drv, "Europe/Berlin station page")
            inputs = drv.execute_script("return [...document.querySelectorAll('form.custom input[type=datetime-local]')].map(i => i.value)")
            check(inputs == ["2026-10-24T14:00", "2026-10-25T14:00"],
                  f"Europe/Berlin: the custom range's local times come back as typed across the change: {inputs}")
            ticks = self.ticks(drv)

            def label(t, text):
                d = datetime.fromtimestamp(t / 1000, berlin)
                forms = {"%H:%M": d.strftime("%H:%M"), "day time": f"{d:%b} {d.day} {d:%H:%M}", "day": f"{d:%b} {d.day}"}
                return text in forms.values() and d.minute == 0 and d.second == 0

            wrong = [(t, text) for t, text in ticks if not label(t, text)]
            gaps = sorted({b - a for (a, _), (b, _) in zip(ticks, ticks[1:])})
            check(len(ticks) >= 3 and not wrong, f"Europe/Berlin across the change: ticks not labelled with round local hours: {wrong[:3]}")
            check(len(gaps) == 2 and gaps[1] - gaps[0] == 3_600_000,
                  f"Europe/Berlin: one gap between ticks an hour longer (clocks set back), the rest equal: {gaps}")
            axis = drv.execute_script("return document.querySelector('#chart-temperature .x-axis .axis-label').textContent")
            check("Europe/Berlin (UTC+02:00 → +01:00)" in axis, f"Europe/Berlin axis label {axis!r}")
            self.browser_charts(drv, E, "range=custom", "Europe/Berlin across the change")
            self.shot(drv, "station-berlin-dst.png")
        finally:
            drv.quit()

    def ticks(self, drv):
        return drv.execute_script("return [...document.querySelectorAll('#chart-temperature .x-axis text.tick')]"
                                  ".map(t => [Number(t.dataset.t), t.textContent])")

    def browser_charts(self, drv, station, q, what):
        """Each chart as the browser holds it: points and subpaths against the API's buckets, and
        its serialization parsed as XML."""
        charts = drv.execute_script(
            "return [...document.querySelectorAll('svg.chart')].map(s => ({id: s.id, step: Number(s.dataset.step),"
            " from: Number(s.dataset.from), to: Number(s.dataset.to), xml: s.outerHTML,"
            " series: [...s.querySelectorAll('path.series')].map(p => [p.dataset.series, p.dataset.points, p.getAttribute('d') || ''])}))")
        want_charts = SENSOR_CHARTS + (HEALTH_CHARTS if station == A else [])
        check([c["id"] for c in charts] == [f"chart-{c}" for c in want_charts], f"{what}: charts {[c['id'] for c in charts]}")
        bad_xml = 0
        for c in charts:
            try:
                ET.fromstring(c["xml"])
            except ET.ParseError:
                bad_xml += 1
            chart = c["id"][len("chart-"):]
            key = (station, chart, c["from"], c["to"])
            if key not in self.csv_cache:  # the range moved on since the HTTP checks
                status, _, body = get(f"{self.url}/api/stations/{station}/series?chart={chart}&range=custom"
                                      f"&from={iso(c['from'])}&to={iso(c['to'])}&format=csv")
                if not check(status == 200, f"{what} {chart}: series API {status}"):
                    continue
                self.csv_cache[key] = body.decode()
            body = self.csv_cache[key]
            for col, points, d in c["series"]:
                n, runs = expected_from_csv(body, col, c["step"])
                check(points == str(n) and len(re.findall("[ML]", d)) == n and d.count("M") == runs,
                      f"{what} {chart}/{col}: data-points {points}, {len(re.findall('[ML]', d))} M/L, {d.count('M')} M; "
                      f"API has {n} points in {runs} runs")
        check(bad_xml == 0, f"{what}: {bad_xml} charts' outerHTML not well-formed XML")
        sparks = drv.execute_script("return [...document.querySelectorAll('svg.spark')].map(s => [s.dataset.series, s.dataset.points])")
        temp = next((c for c in charts if c["id"] == "chart-temperature"), None)
        if temp:
            pts = dict((col, p) for col, p, _ in temp["series"])
            check(len(sparks) == len(HEADLINES) and dict(sparks).get("temperature") == pts.get("temperature"),
                  f"{what}: sparklines {sparks[:2]} vs chart {pts}")

    # --- live ---------------------------------------------------------------------------------

    def live(self):
        before = json.loads(get(f"{self.url}/api/stations/{B}/latest")[2])
        html_before = get(f"{self.url}/stations/{B}?range=1h")[2].decode()
        pts_before = int(chart_series(html_before, "temperature")[0]["data-points"])
        now = int(time.time() * 1000) // 1000 * 1000
        simulate(self.bin, self.work, B, 2, self.meta["t0"], now)
        ms, row, path = last_row(self.out, B, "data")
        status, _, body = get(f"{self.url}/api/stations/{B}/latest")
        got = json.loads(body) if status == 200 else {}
        check(ms > int(datetime.strptime(before["timestamp"], "%Y-%m-%dT%H:%M:%S.%f%z").timestamp() * 1000),
              "live: the new batch is newer than what the server showed")
        check(got.get("timestamp") == iso(ms) and got.get("file") == path and f32(got.get("temperature", 0)) == f32(row["temperature"]),
              f"live: latest after a new batch {got.get('timestamp')} ({got.get('file')}), expected {iso(ms)} ({path})")
        front = get(self.url + "/")[2].decode()
        m = re.search(r'<tr class="station" data-station="' + B + r'">.*?data-t="(\d+)"', front)
        check(m is not None and int(m.group(1)) == ms, f"live: front page shows B's reading at {m and iso(int(m.group(1)))}, expected {iso(ms)}")
        listing = [json.loads(l) for l in get(self.url + "/api/stations")[2].decode().splitlines()]
        b = next((s for s in listing if s["station"] == B), {})
        check(b.get("last_reading") == iso(ms) and b.get("age_seconds", 9999) < 120, f"live: /api/stations says {b}")
        html_after = get(f"{self.url}/stations/{B}?range=1h")[2].decode()
        pts_after = int(chart_series(html_after, "temperature")[0]["data-points"])
        check(pts_after > pts_before, f"live: 1h temperature chart {pts_before} -> {pts_after} points")


    def open_batch(self):
        """A collector that has just started (`start --simulate`, no batch file yet) and a dashboard
        on its output folder: the station is listed from its journal, and its last-hour page,
        left open in Chromium, shows each new reading within two read intervals without a
        reload, with no console errors. Both processes are stopped by PID."""
        from selenium.webdriver.common.by import By
        interval = 2
        out = os.path.join(self.work, "live-out")
        env = {k: v for k, v in os.environ.items() if not k.startswith("OPENSENSOR_")}
        station = "0190b6c4-1c2d-7e3f-8a4b-0000000000ee"
        env.update(OPENSENSOR_READ_INTERVAL=str(interval), OPENSENSOR_STATION_ID=station, HOME=self.work)
        log = open(os.path.join(self.work, "open-batch.log"), "w+")
        collector = subprocess.Popen([self.bin, "start", "--simulate", "--output", out], cwd=self.work, env=env,
                                     stdout=log, stderr=subprocess.STDOUT)
        # The dashboard serves a folder that exists: the collector makes it as it starts.
        for _ in range(300):
            if os.path.isdir(out) or collector.poll() is not None:
                break
            time.sleep(0.1)
        server = DashboardProcess(self.bin, ["--data", out], self.work, env, os.path.join(self.work, "open-batch-dashboard.log"))
        drv = None
        try:
            url = server.url
            check(url is not None, f"open batch: the dashboard did not start: {server.log()[-1500:]}")
            if url is None:
                return
            # The first readings reach the journal after the collector's warm-up.
            page = f"{url}/stations/{station}?range=1h"
            deadline = time.time() + 120
            while time.time() < deadline and get(f"{url}/api/stations/{station}/latest")[0] != 200:
                time.sleep(0.5)
            status, _, body = get(f"{url}/api/stations/{station}/latest")
            latest = json.loads(body) if status == 200 else {}
            check(latest.get("file") == "journal", f"open batch: latest comes from the journal before any batch file: {status} {latest}")
            check(not glob.glob(os.path.join(out, "station=*", "**", "*.parquet"), recursive=True), "open batch: no batch file yet")
            drv = self.driver("UTC")
            drv.set_page_load_timeout(120)
            drv.get(page)
            drv.execute_script("window.__notReloaded = true")

            def shown():
                return drv.execute_script(
                    "var t=document.querySelector('[data-part=last] time'),v=document.querySelector('.big[data-column=temperature]');"
                    "return [t?+t.dataset.t:0, v?v.dataset.value||'':'', document.querySelectorAll('[data-part=charts] svg').length]")
            first_t, first_v, charts = shown()
            check(first_t > 0 and charts > 0, f"open batch: the page shows a reading ({first_t}) and its charts ({charts})")
            seen = []  # (reading time, when the page showed it)
            end = time.time() + 6 * interval
            while time.time() < end:
                t, v, _ = shown()
                if t > (seen[-1][0] if seen else first_t):
                    seen.append((t, time.time() * 1000, v))
                time.sleep(0.1)
            delays = [w - t for t, w, _ in seen]
            # Two read intervals, with a second of slack for a busy machine.
            check(len(seen) >= 2 and max(delays) <= 2 * interval * 1000 + 1000,
                  f"open batch: readings shown {len(seen)} times in {6 * interval} s, delays {[round(d) for d in delays]} ms "
                  f"(at most {2 * interval} s + 1 s)")
            check(len({v for _, _, v in seen} | {first_v}) > 1, "open batch: the big temperature number changed")
            check(drv.execute_script("return window.__notReloaded === true"), "open batch: the page updated without a reload")
            self.console_errors(drv, "open batch")
            if delays:
                print(f"  [dashboard] open batch: {len(seen)} new readings shown without a reload, "
                      f"{round(min(delays))}–{round(max(delays))} ms after they were taken (read interval {interval} s)")
        finally:
            if drv is not None:
                drv.quit()
            server.stop()
            collector.terminate()
            try:
                collector.wait(timeout=30)
            except subprocess.TimeoutExpired:
                collector.kill()
                collector.wait()
            check(collector.returncode == 0, f"open batch: the collector exited {collector.returncode} with a dashboard reading its journal")


def diff_hint(a, b):
    la, lb = a.splitlines(), b.splitlines()
    for i, (x, y) in enumerate(zip(la, lb)):
        if x != y:
            print(f"  line {i + 1}: API {x[:160]!r}\n  line {i + 1}: CLI {y[:160]!r}")
            return
    print(f"  API {len(la)} lines, CLI {len(lb)} lines")


def main():
    mode, bin_, work = sys.argv[1:4]
    if mode == "build":
        build(bin_, work)
        return
    c = Checker(bin_, work, sys.argv[4])
    c.artifacts = os.environ.get("OPENSENSOR_ARTIFACTS") or "/tmp/opensensor-dashboard-artifacts"
    steps = [("HTTP routes and errors", c.http_routes), ("hardening", c.hardening), ("series API = opensensor query", c.series_equal_query),
             ("latest API = pyarrow", c.latest_equal_pyarrow), ("browser", c.browser), ("live update", c.live),
             ("open batch", c.open_batch)]
    only = os.environ.get("DASHBOARD_CHECKS")  # e.g. "browser,live" while developing
    for name, step in steps:
        if only and not any(o in name for o in only.split(",")):
            continue
        t = time.time()
        before = checks.failed
        step()
        print(f"  [dashboard] {name}: {'ok' if checks.failed == before else f'{checks.failed - before} failed'} ({time.time() - t:.1f} s)", flush=True)
    print(f"screenshots in {c.artifacts}")
    checks.finish()


if __name__ == "__main__":
    main()
