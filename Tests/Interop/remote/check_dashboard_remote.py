"""`dashboard --data s3://…` and `dashboard --stations stations.csv` against a real peer: every API
answer over the bucket equals the answer over the same lake on disk; a registry's approved rows are
its stations (a pending row only with --all), a station whose bucket is missing is listed as
unavailable with the reason while the others work, and a malformed row stops the dashboard with an
error naming its line and field.

Usage: check_dashboard_remote.py BIN WORK LAKE ENDPOINT BUCKET KEY SECRET NAME
KEY and SECRET empty: the bucket is read unsigned (a public bucket)."""
import csv, io, json, os, subprocess, sys, time, urllib.error, urllib.request
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from dashboard_process import DashboardProcess  # noqa: E402

BIN, WORK, LAKE, ENDPOINT, BUCKET, KEY, SECRET, NAME = sys.argv[1:9]


def env(remote):
    e = {k: v for k, v in os.environ.items() if not k.startswith("OPENSENSOR_")}
    e["HOME"] = WORK
    if remote:
        e.update(OPENSENSOR_STORAGE_PROVIDER="s3", OPENSENSOR_STORAGE_ENDPOINT=ENDPOINT,
                 OPENSENSOR_STORAGE_REGION="us-east-1", OPENSENSOR_CACHE_DIR=os.path.join(WORK, "dash-cache-" + NAME))
        if KEY:
            e.update(OPENSENSOR_AWS_ACCESS_KEY_ID=KEY, OPENSENSOR_AWS_SECRET_ACCESS_KEY=SECRET)
    return e


class Server(DashboardProcess):
    """A dashboard on a free port, stopped by its PID; one that does not start ends the check."""

    def __init__(self, args, remote):
        super().__init__(BIN, args, WORK, env(remote), os.path.join(WORK, f"dashboard-{NAME}-{time.monotonic_ns()}.log"))
        if self.url is None:
            self.stop()
            sys.exit(f"[{NAME}] dashboard {args} did not start: {self.log()[-2000:]}")

    def get(self, path):
        try:
            with urllib.request.urlopen(self.url + path, timeout=120) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()


def without_age(path, body):
    """The station list without its `age_seconds`: two servers answer a moment apart, and a
    reading's age is the one thing that may differ."""
    if not path.startswith("/api/stations") or path.startswith("/api/stations/"):
        return body
    if "format=csv" in path:
        rows = list(csv.reader(io.StringIO(body)))
        i = rows[0].index("age_seconds")
        return [r[:i] + r[i + 1:] for r in rows]
    return [{k: v for k, v in json.loads(l).items() if k != "age_seconds"} for l in body.splitlines() if l]


stations = sorted(d.split("=", 1)[1] for d in os.listdir(LAKE) if d.startswith("station="))
remote = f"s3://{BUCKET}/lake"
window = "range=custom&from=2025-06-01T00:00:00Z&to=2025-06-04T00:00:00Z"
paths = ["/api/stations", "/api/stations?format=csv"]
for s in stations:
    paths += [f"/api/stations/{s}/latest", f"/api/stations/{s}/latest?format=csv",
              f"/api/stations/{s}/series?chart=temperature&{window}", f"/api/stations/{s}/series?chart=pm&{window}&format=csv",
              f"/api/stations/{s}/series?columns=humidity,lux&range=custom&from=2025-06-02T06:00:00Z&to=2025-06-02T18:00:00Z&format=csv",
              f"/api/stations/{s}/series?chart=gas&{window}&keep_implausible=1"]

folder, bucket = Server(["--data", LAKE], remote=False), Server(["--data", remote], remote=True)
try:
    for path in paths:
        (fs, fb), (bs, bb) = folder.get(path), bucket.get(path)
        if fs != 200 or bs != 200 or without_age(path, fb) != without_age(path, bb):
            sys.exit(f"[{NAME}] GET {path}: folder {fs}, bucket {bs}; the answers differ\n--- folder\n{fb[:1500]}\n--- bucket\n{bb[:1500]}")
    status, page = bucket.get(f"/stations/{stations[0]}?{window}")
    if status != 200 or 'data-column="temperature"' not in page:
        sys.exit(f"[{NAME}] the station page over the bucket: {status} {page[:500]}")
    print(f"  [dashboard-remote/{NAME}] {len(paths)} API answers over {remote} equal the folder's; the station page renders")
finally:
    folder.stop()
    bucket.stop()

# The registry: an approved station, a pending one, one whose bucket does not exist.
header = "station_id,station_name,sensor_type,latitude,longitude,station_type,storage_url,description,contributor_name,contributor_url,submitted_at,status\n"
registry = os.path.join(WORK, f"stations-{NAME}.csv")
with open(registry, "w") as f:
    f.write(header)
    f.write(f'{stations[0]},"Roof, north",enviroplus,52.52,13.405,outdoor,s3://{BUCKET}/lake/station={stations[0]}/,"Berlin, Mitte",Ana,,2025-05-01,approved\n')
    f.write(f"{stations[1]},Garden,enviroplus,48.1,11.6,indoor,s3://{BUCKET}/lake/station={stations[1]}/,,Bo,,2025-05-02,pending\n")
    f.write(f"lost,Cellar,enviroplus,1,2,indoor,s3://{BUCKET}-missing/lake/station=lost/,,,,2025-05-03,approved\n")
for args, expect in (([], [stations[0], "lost"]), (["--all"], sorted([stations[0], stations[1], "lost"]))):
    net = Server(["--stations", registry, *args], remote=True)
    try:
        status, body = net.get("/api/stations")
        rows = [json.loads(l) for l in body.splitlines() if l]
        got = sorted(r["station"] for r in rows)
        if status != 200 or got != expect:
            sys.exit(f"[{NAME}] registry {args}: stations {got}, expected {expect}: {body[:800]}")
        by = {r["station"]: r for r in rows}
        if by[stations[0]]["unavailable"] is not None or by[stations[0]]["name"] != "Roof, north" or by[stations[0]]["last_reading"] is None:
            sys.exit(f"[{NAME}] registry: the approved station is not served: {by[stations[0]]}")
        reason = by["lost"]["unavailable"] or ""
        if f"{BUCKET}-missing" not in reason:
            sys.exit(f"[{NAME}] registry: the station of a missing bucket is not unavailable with the reason: {by['lost']}")
        status, page = net.get("/")
        if status != 200 or "Roof, north" not in page or "unavailable: " not in page or "Air quality" not in page:
            sys.exit(f"[{NAME}] registry front page: {status} {page[:1500]}")
        local = subprocess.run([BIN, "query", "--data", LAKE, "--station", stations[0], "--every", "1h", "--format", "csv",
                                "--from", "2025-06-01", "--to", "2025-06-04", "--columns", "temperature"],
                               cwd=WORK, env=env(False), capture_output=True, text=True, timeout=300).stdout
        status, series = net.get(f"/api/stations/{stations[0]}/series?columns=temperature&every=1h&{window}&format=csv")
        if status != 200 or series.splitlines()[0] != local.splitlines()[0]:
            sys.exit(f"[{NAME}] registry: the station's series: {status} {series[:300]}")
        print(f"  [dashboard-remote/{NAME}] registry {' '.join(args) or '(approved only)'}: {', '.join(got)}; lost: {reason[:120]}")
    finally:
        net.stop()

# A malformed row: the dashboard does not start, and says where.
bad = os.path.join(WORK, f"stations-bad-{NAME}.csv")
with open(bad, "w") as f:
    f.write(header)
    f.write(f"{stations[0]},Roof,enviroplus,52.52,13.405,outdoor,s3://{BUCKET}/lake/station={stations[0]}/,,,,2025-05-01,approved\n")
    f.write(f"x2,Shed,enviroplus,north,13.4,outdoor,s3://{BUCKET}/lake/station=x2/,,,,2025-05-01,approved\n")
p = subprocess.run([BIN, "dashboard", "--port", "0", "--stations", bad], cwd=WORK, env=env(True), capture_output=True, text=True, timeout=60)
if p.returncode == 0 or "line 3, field 'latitude'" not in p.stderr:
    sys.exit(f"[{NAME}] a malformed registry row: exit {p.returncode}: {p.stderr[:500]}")
print(f"  [dashboard-remote/{NAME}] malformed row: {p.stderr.strip().splitlines()[-1][:160]}")
