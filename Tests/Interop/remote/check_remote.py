"""`query --data s3://…` against a real peer: the lake `opensensor simulate` wrote, uploaded to
the peer, must give exactly what `query` gives over the folder, with at most one request per
object plus the listings; asked again, every object comes from the cache; a corrupt object is
skipped with a warning naming its key.

Usage: check_remote.py BIN WORK LAKE ENDPOINT BUCKET KEY SECRET NAME [daily]
KEY and SECRET empty: the bucket is read unsigned (a public bucket). With `daily`, the bucket also
holds day files under `lake-daily` (compact wrote them): the answers must not change, and the
whole-range question must fetch fewer than half the objects the batch files alone would take."""
import os, re, subprocess, sys

BIN, WORK, LAKE, ENDPOINT, BUCKET, KEY, SECRET, NAME = sys.argv[1:9]
DAILY = sys.argv[9:10] == ["daily"]
CACHE = os.path.join(WORK, "cache-" + NAME)

def env(remote):
    e = {k: v for k, v in os.environ.items() if not k.startswith("OPENSENSOR_")}
    e["HOME"] = WORK
    if remote:
        e.update(OPENSENSOR_STORAGE_PROVIDER="s3", OPENSENSOR_STORAGE_ENDPOINT=ENDPOINT,
                 OPENSENSOR_STORAGE_REGION="us-east-1", OPENSENSOR_CACHE_DIR=CACHE)
        if KEY:
            e.update(OPENSENSOR_AWS_ACCESS_KEY_ID=KEY, OPENSENSOR_AWS_SECRET_ACCESS_KEY=SECRET)
    return e

def query(data, args, remote):
    p = subprocess.run([BIN, "query", "--data", data, *args], cwd=WORK, env=env(remote), capture_output=True, text=True,
                       timeout=300)
    if p.returncode != 0:
        sys.exit(f"[{NAME}] query {data} {args} failed ({p.returncode}): {p.stderr}")
    return p.stdout, p.stderr

def counts(stderr):
    m = re.search(r"(\d+) listings, (\d+) object requests \((\d+) bytes\), (\d+) objects from the cache", stderr)
    if not m:
        sys.exit(f"[{NAME}] no request counts on stderr: {stderr}")
    return tuple(int(x) for x in m.groups())

def objects(lo=None, hi=None):
    n = 0
    for root, _, files in os.walk(LAKE):
        for f in files:
            if f.endswith(".parquet"):
                n += 1
    return n

remote = f"s3://{BUCKET}/lake"
cases = [
    ["--every", "1h"],
    ["--every", "15m", "--from", "2025-06-02", "--to", "2025-06-03", "--columns", "temperature,pm25", "--format", "csv"],
    ["--every", "1d", "--format", "json"],
    ["--every", "30m", "--from", "2025-06-01T06:00:00Z", "--to", "2025-06-02T18:00:00Z"],
]
total = objects()
for i, args in enumerate(cases):
    local_out, local_err = query(LAKE, args, remote=False)
    cold_out, cold_err = query(remote, args, remote=True)
    if cold_out != local_out:
        sys.exit(f"[{NAME}] query {args}: the bucket's answer differs from the folder's\n--- folder\n{local_out[:2000]}\n--- bucket\n{cold_out[:2000]}")
    listings, requests, nbytes, hits = counts(cold_err)
    if requests > total:
        sys.exit(f"[{NAME}] query {args}: {requests} object requests for a lake of {total} objects")
    if DAILY and i == 0 and requests >= total / 2:
        sys.exit(f"[{NAME}] query {args}: {requests} object requests of {total}: the day files were not read")
    warm_out, warm_err = query(remote, args, remote=True)
    w_listings, w_requests, _, w_hits = counts(warm_err)
    if warm_out != local_out or w_requests != 0 or w_hits != requests + hits:
        sys.exit(f"[{NAME}] query {args} asked again: {w_requests} object requests, {w_hits} from the cache (expected 0 and {requests + hits})")
    # The local corrupt file shows as a warning, so compare warnings by the file's name.
    print(f"  [remote/{NAME}] query {' '.join(args)}: identical; cold {listings} listings + {requests} objects "
          f"({nbytes} bytes) of {total}, warm {w_listings} listings + 0 objects ({w_hits} from the cache)")
    if i == 0:
        bad = [l for l in cold_err.splitlines() if l.startswith("warning: skipped")]
        want = f"warning: skipped {remote}/station="
        if len(bad) != 1 or not bad[0].startswith(want) or "data_2330.parquet" not in bad[0]:
            sys.exit(f"[{NAME}] the corrupt object was not skipped with a warning naming its key: {cold_err}")
        print(f"  [remote/{NAME}] corrupt object skipped: {bad[0]}")

# A bucket that does not exist is an error naming it, not an empty answer.
p = subprocess.run([BIN, "query", "--data", f"s3://{BUCKET}-missing/lake"], cwd=WORK, env=env(True), capture_output=True,
                   text=True, timeout=300)
if p.returncode == 0 or f"{BUCKET}-missing" not in p.stderr:
    sys.exit(f"[{NAME}] a missing bucket gave exit {p.returncode}: {p.stdout[:500]} {p.stderr[:500]}")
print(f"  [remote/{NAME}] missing bucket: {p.stderr.strip().splitlines()[-1][:160]}")
