#!/usr/bin/env python3
"""`opensensor sync` and auto-sync in `start`, end to end, against a live S3 peer.

Usage: check_sync.py OPENSENSOR_BIN WORK PEER_URL PROXY_URL PROXY_STATS KEY SECRET BUCKET NAME

PEER_URL is the peer itself; PROXY_URL the fault-injection proxy in front of it (its STATS
file counts the object writes the peer acknowledged, per path). The binary is pointed at the
proxy; this script checks the bucket through the peer directly with boto3.

Checks: a dry run makes no request; a sync through the faults ends with every local file in
the bucket exactly once and byte-identical (re-running `sync` until it exits 0, as the next
interval would); a sync with nothing new makes no request; a different remote object is
reported and never overwritten (exit 1); `--verify` re-uploads what the bucket lost; wrong
credentials and an unreachable endpoint exit non-zero with a message naming the problem;
`start --simulate` with sync enabled uploads its batches (at start, on boundaries and at
shutdown), and across a midnight writes and uploads the closed day's day file. Prints the bucket prefix of the synced lake for the DuckDB check that follows.
"""
import io
import json
import os
import re
import subprocess
import sys

import boto3
import pyarrow.parquet as pq
from botocore.config import Config

BIN, WORK, PEER, PROXY, STATS, KEY, SECRET, BUCKET, NAME = sys.argv[1:10]
STATION = "0190f5a0-1111-7000-8000-00000000abcd"
checks = 0


def check(cond, what):
    global checks
    if not cond:
        print(f"check_sync.py [{NAME}]: FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    checks += 1


def s3():
    return boto3.client("s3", endpoint_url=PEER, aws_access_key_id=KEY, aws_secret_access_key=SECRET,
                        region_name="us-east-1", config=Config(s3={"addressing_style": "path"}))


def env_file(path, endpoint, prefix, secret=SECRET, extra=""):
    with open(path, "w") as f:
        f.write(f"""OPENSENSOR_STATION_ID={STATION}
OPENSENSOR_OUTPUT_DIR={WORK}/lake
OPENSENSOR_HEALTH_DIR={WORK}/lake-health
OPENSENSOR_LOG_DIR={WORK}/logs
OPENSENSOR_STORAGE_PROVIDER=minio
OPENSENSOR_STORAGE_ENDPOINT={endpoint}
OPENSENSOR_STORAGE_REGION=us-east-1
OPENSENSOR_STORAGE_BUCKET={BUCKET}
OPENSENSOR_STORAGE_PREFIX={prefix}
OPENSENSOR_AWS_ACCESS_KEY_ID={KEY}
OPENSENSOR_AWS_SECRET_ACCESS_KEY={secret}
{extra}""")
    return path


def run(*args, env=None, timeout=300):
    p = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=timeout, env=env)
    return p.returncode, p.stdout, p.stderr


def local_files(root):
    out = {}
    for d, _, files in os.walk(root):
        if "/." in d[len(root):]:
            continue
        for f in files:
            if f.endswith(".parquet"):
                rel = os.path.relpath(os.path.join(d, f), root)
                with open(os.path.join(d, f), "rb") as fh:
                    out[rel] = fh.read()
    return out


def remote_objects(prefix):
    client, out, token = s3(), {}, None
    while True:
        kw = {"Bucket": BUCKET, "Prefix": prefix + "/"}
        if token:
            kw["ContinuationToken"] = token
        page = client.list_objects_v2(**kw)
        for o in page.get("Contents", []):
            if not o["Key"].endswith("/.opensensor-sync-probe"):  # left if its delete met a fault
                out[o["Key"][len(prefix) + 1:]] = o["Size"]
        if not page.get("IsTruncated"):
            return out
        token = page["NextContinuationToken"]


def writes():
    with open(STATS) as f:
        return json.load(f)["writes"]


def requests_in(summary):
    m = re.search(r"\((\d+) requests\)", summary)
    return int(m.group(1)) if m else None


s3().create_bucket(Bucket=BUCKET)
prefix = f"sync-{NAME}"
env = env_file(f"{WORK}/sync.env", PROXY, prefix)

# Two days of one station, as the collector writes them.
code, out, err = run("simulate", "--env-file", env, "--output", f"{WORK}/lake", "--from", "2025-06-01T00:00:00Z", "--days", "2")
check(code == 0, f"simulate: {err}")
local = local_files(f"{WORK}/lake")
check(len(local) == 192, f"expected 192 batch files, got {len(local)}")
with open(f"{WORK}/lake/notes.txt", "w") as f:
    f.write("not part of the layout")
# Being copied in: the layout's name, but no footer yet. Never uploaded.
day2 = f"station={STATION}/year=2025/month=06/day=02"
with open(f"{WORK}/lake/{day2}/data_2330-7.parquet", "wb") as f:
    f.write(local[sorted(local)[0]][:-100])

# Dry run: the list, no request, nothing stored.
before = json.load(open(STATS))["requests"]
code, out, err = run("sync", "--env-file", env, "--dry-run")
check(code == 0, f"sync --dry-run exit {code}: {out}{err}")
check("192 files" in out and "would be uploaded" in out, f"dry run summary: {out}")
check(json.load(open(STATS))["requests"] == before, "a dry run made requests")

# Through the faults: each run uploads what it can; the rest goes up on the next run.
for attempt in range(8):
    code, out, err = run("sync", "--env-file", env)
    print(f"  [{NAME}] sync #{attempt + 1}: exit {code}: {out.splitlines()[0] if out else err.strip()[:200]}")
    if code == 0:
        break
check(code == 0, f"sync never completed: {out}{err}")
remote = remote_objects(prefix)
check(set(remote) == set(local), f"bucket has {len(remote)} objects, {len(set(remote) ^ set(local))} differ from the lake")
client = s3()
for rel, data in local.items():
    body = client.get_object(Bucket=BUCKET, Key=f"{prefix}/{rel}")["Body"].read()
    check(body == data, f"{rel} differs in the bucket")
w = writes()
ours = {k: v for k, v in w.items() if f"/{prefix}/" in k and "sync-probe" not in k}  # not the probe of create-only puts
check(len(ours) == len(local), f"the proxy saw writes for {len(ours)} keys, expected {len(local)}")
overwritten = {k: v for k, v in ours.items() if v != 1}
check(not overwritten, f"objects written more than once: {overwritten}")
check("notes.txt" not in " ".join(remote), "a file outside the layout was uploaded")
check("not complete Parquet files" in out, f"the partial file is not reported: {out}")

# Nothing new: no request at all.
before = json.load(open(STATS))["requests"]
code, out, err = run("sync", "--env-file", env)
check(code == 0 and requests_in(out) == 0, f"a sync with nothing new: {out}{err}")
check(json.load(open(STATS))["requests"] == before, "a sync with nothing new made requests")

# A different object under the key of a new file: reported, never overwritten.
day = f"station={STATION}/year=2025/month=06/day=03"
os.makedirs(f"{WORK}/lake/{day}", exist_ok=True)
ours_bytes = local[sorted(local)[0]]
with open(f"{WORK}/lake/{day}/data_0015.parquet", "wb") as f:
    f.write(ours_bytes)
with open(f"{WORK}/lake/{day}/data_0030.parquet", "wb") as f:
    f.write(ours_bytes)
client.put_object(Bucket=BUCKET, Key=f"{prefix}/{day}/data_0015.parquet", Body=b"someone else's object")
os.utime(f"{WORK}/lake/{day}/data_0015.parquet", (1e9, 1e9))
os.utime(f"{WORK}/lake/{day}/data_0030.parquet", (1e9, 1e9))
for attempt in range(6):
    code, out, err = run("sync", "--env-file", env)
    if "conflict, not overwritten" in out:
        break
check(code == 1, f"a conflict must exit 1, got {code}: {out}{err}")
check(f"{day}/data_0015.parquet" in out and "different object" in out, f"conflict not reported: {out}")
body = client.get_object(Bucket=BUCKET, Key=f"{prefix}/{day}/data_0015.parquet")["Body"].read()
check(body == b"someone else's object", "the conflicting remote object was overwritten")
for attempt in range(6):  # the file beside it may have met a fault: the next syncs retry it
    if code == 0:
        break
    code, out, err = run("sync", "--env-file", env)
check(code == 0 and "earlier conflicts are still unresolved" in out, f"after a conflict: exit {code}: {out}{err}")
got = client.get_object(Bucket=BUCKET, Key=f"{prefix}/{day}/data_0030.parquet")["Body"].read()
check(got == ours_bytes, "the file beside the conflict was not uploaded")

# --verify: the bucket lost an object; it goes up again.
# The owner of the conflicting object removed it: --verify tries the conflict again.
lost = sorted(local)[5]
client.delete_object(Bucket=BUCKET, Key=f"{prefix}/{lost}")
client.delete_object(Bucket=BUCKET, Key=f"{prefix}/{day}/data_0015.parquet")
for attempt in range(6):
    code, out, err = run("sync", "--env-file", env, "--verify")
    if "missing from the bucket, uploaded again: 1" in out and code == 0:
        break
check("missing from the bucket, uploaded again: 1" in out, f"--verify did not find the lost object: {out}{err}")
body = client.get_object(Bucket=BUCKET, Key=f"{prefix}/{lost}")["Body"].read()
check(body == local[lost], "--verify did not restore the lost object")
body = client.get_object(Bucket=BUCKET, Key=f"{prefix}/{day}/data_0015.parquet")["Body"].read()
check(body == ours_bytes, "--verify did not upload the file whose conflict was resolved")

# Wrong credentials, an unreachable endpoint, no bucket: clear messages, non-zero exits.
if NAME == "swift":  # moto_server accepts any credentials
    bad = env_file(f"{WORK}/bad.env", PEER, prefix + "-bad", secret="not-the-secret")
    code, out, err = run("sync", "--env-file", bad, "--no-health")
    text = (out + err).lower()
    check(code != 0 and ("credential" in text or "signature" in text), f"wrong secret: exit {code}: {out}{err}")
    # At most the uploads in flight (4), each a refused create-only put and a HEAD on Swift.
    check(requests_in(out) is not None and requests_in(out) <= 8, f"wrong secret: it kept trying: {out}")
    check("not-the-secret" not in out + err, "the secret appeared in the output")
unreachable = env_file(f"{WORK}/unreachable.env", "http://127.0.0.1:9", prefix + "-x")
code, out, err = run("sync", "--env-file", unreachable, "--no-health", timeout=600)
check(code != 0 and ("connect" in (out + err).lower() or "refused" in (out + err).lower()), f"unreachable: exit {code}: {out}{err}")
missing = env_file(f"{WORK}/missing.env", PEER, prefix + "-m")
with open(missing) as f:
    text = f.read().replace(f"OPENSENSOR_STORAGE_BUCKET={BUCKET}", "OPENSENSOR_STORAGE_BUCKET=no-such-bucket-here")
with open(missing, "w") as f:
    f.write(text)
code, out, err = run("sync", "--env-file", missing, "--no-health")
# It stops at once: at most the uploads in flight (4), each up to 3 requests on a store without
# create-only puts (the refused create, a HEAD, the put).
check(code != 0 and "bucket does not exist" in out + err and requests_in(out) is not None and requests_in(out) <= 12,
      f"missing bucket: exit {code}: {out}{err}")
nobucket = f"{WORK}/nobucket.env"
with open(nobucket, "w") as f:
    f.write(f"OPENSENSOR_STATION_ID={STATION}\nOPENSENSOR_OUTPUT_DIR={WORK}/lake\n")
code, out, err = run("sync", "--env-file", nobucket)
check(code != 0 and "OPENSENSOR_STORAGE_BUCKET" in err, f"no bucket: exit {code}: {out}{err}")

def start_synced(name, speed, start, stop):
    """`start --simulate` into WORK/name, auto-syncing every 15 virtual minutes under
    `name-NAME`: (prefix, exit code, stdout and stderr)."""
    prefix = f"{name}-{NAME}"
    env = env_file(f"{WORK}/{name}.env", PEER, prefix,
                   extra=f"OPENSENSOR_SYNC_ENABLED=true\nOPENSENSOR_SYNC_INTERVAL_MINUTES=15\nOPENSENSOR_HEALTH_ENABLED=false\n"
                         f"OPENSENSOR_OUTPUT_DIR={WORK}/{name}\n")
    code, out, err = run("start", "--simulate", "--env-file", env, "--output", f"{WORK}/{name}", "--speed", speed,
                         "--start", start, "--stop-after", stop, timeout=300)
    return prefix, code, out + err


# Auto-sync inside start: 2 virtual hours at 600x; at start, on boundaries and at shutdown.
auto_prefix, code, log = start_synced("auto", "600", "2025-07-01T00:00:00Z", "2h")
check(code == 0, f"start with sync: exit {code}: {log[-2000:]}")
auto_local = local_files(f"{WORK}/auto")
auto_remote = remote_objects(auto_prefix)
check(len(auto_local) >= 8, f"start wrote {len(auto_local)} files")
check(set(auto_remote) == set(auto_local), f"auto-sync: bucket {sorted(auto_remote)} vs local {sorted(auto_local)}")

# Daily compaction inside start, across a midnight: once the closed day's batch files are
# uploaded, its day file is written beside the raw lake and uploaded beside the raw prefix; the
# raw lake and its keys are unchanged, and the new day gets no day file.
# At 120x a 15-minute interval is 7.5 s, past the 2 s a batch file settles before its upload:
# the sync at 00:15 takes the midnight batch, and the compaction after it the day.
mid_prefix, code, log = start_synced("midnight", "120", "2025-07-01T23:40:00Z", "40m")
check(code == 0, f"start across midnight: exit {code}: {log[-2000:]}")
day_rel = f"station={STATION}/year=2025/month=07/day=01/data_20250701.parquet"
daily_local = local_files(f"{WORK}/midnight-daily")
check(set(daily_local) == {day_rel}, f"day files on disk: {sorted(daily_local)}, expected only {day_rel}")
daily_remote = remote_objects(mid_prefix + "-daily")
check(set(daily_remote) == {day_rel}, f"day files in the bucket: {sorted(daily_remote)}, expected only {day_rel}")
if day_rel in daily_local and day_rel in daily_remote:
    body = s3().get_object(Bucket=BUCKET, Key=f"{mid_prefix}-daily/{day_rel}")["Body"].read()
    check(body == daily_local[day_rel], "the uploaded day file differs from the one on disk")
    raw = [pq.read_table(f"{WORK}/midnight/{k}") for k in local_files(f"{WORK}/midnight") if "/day=01/" in k]
    table = pq.read_table(io.BytesIO(body))
    times = table.column("timestamp").to_pylist()
    check(table.num_rows == sum(t.num_rows for t in raw) and times == sorted(times),
          f"the day file holds {table.num_rows} rows, the day's batch files {sum(t.num_rows for t in raw)}")
mid_local = local_files(f"{WORK}/midnight")
check(set(remote_objects(mid_prefix)) == set(mid_local), "the raw prefix is not the raw lake after compaction")
check("day files written" in log, "no log line for the day file")

# The copy that never finished is dropped, so the local lake reads as the synced one does.
os.remove(f"{WORK}/lake/{day2}/data_2330-7.parquet")
print(f"  [{NAME}] check_sync.py: {checks} checks passed; prefix {prefix}")
