"""`opensensor compact` over a bucket against a real peer: the lake uploaded to the peer is
compacted from `s3://BUCKET/lake` into `s3://BUCKET/lake-daily`, and every day file read back
from the bucket holds exactly the rows of the day file `compact` writes from the same lake on
disk; the day with a corrupt batch file fails in both, named by its key; a second run writes
nothing; the bucket's root compacts into `daily`.

Usage: check_compact_remote.py BIN WORK LAKE ENDPOINT BUCKET KEY SECRET NAME"""
import io, os, re, subprocess, sys
import boto3
from botocore.config import Config
import pyarrow.parquet as pq

BIN, WORK, LAKE, ENDPOINT, BUCKET, KEY, SECRET, NAME = sys.argv[1:9]

def env(remote):
    e = {k: v for k, v in os.environ.items() if not k.startswith("OPENSENSOR_")}
    e["HOME"] = WORK
    if remote:
        e.update(OPENSENSOR_STORAGE_PROVIDER="s3", OPENSENSOR_STORAGE_ENDPOINT=ENDPOINT,
                 OPENSENSOR_STORAGE_REGION="us-east-1",
                 OPENSENSOR_AWS_ACCESS_KEY_ID=KEY, OPENSENSOR_AWS_SECRET_ACCESS_KEY=SECRET)
    return e

def compact(args, remote):
    return subprocess.run([BIN, "compact", "--grace-minutes", "0", *args], cwd=WORK, env=env(remote),
                          capture_output=True, text=True, timeout=600)

def fail(message):
    sys.exit(f"[{NAME}] {message}")

def failed_days(p):
    return sorted(re.findall(r"^error: (station=\S+ \d{4}-\d\d-\d\d):", p.stderr, re.M)) or \
        sorted(re.findall(r"^error: (\S+):", p.stderr, re.M))

local_daily = os.path.join(WORK, f"daily-{NAME}")
local = compact(["--data", LAKE, "--to", local_daily], remote=False)
remote = compact(["--data", f"s3://{BUCKET}/lake"], remote=True)
# One day holds a corrupt batch file: both runs compact the rest and exit 1 naming that day.
for what, p in (("folder", local), ("bucket", remote)):
    if p.returncode != 1 or "data_2330.parquet" not in p.stderr:
        fail(f"compact over the {what} exited {p.returncode}, expected 1 with the corrupt batch file named:\n{p.stdout}{p.stderr}")
if failed_days(local) != failed_days(remote):
    fail(f"failed days differ: folder {failed_days(local)}, bucket {failed_days(remote)}")
written = re.search(r"(\d+) day files written", remote.stdout)
if not written or written.group(1) != re.search(r"(\d+) day files written", local.stdout).group(1):
    fail(f"day files written differ:\n folder: {local.stdout} bucket: {remote.stdout}")

s3 = boto3.client("s3", endpoint_url=ENDPOINT, aws_access_key_id=KEY, aws_secret_access_key=SECRET,
                  region_name="us-east-1", config=Config(s3={"addressing_style": "path"}))
keys = []
for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix="lake-daily/"):
    keys += [o["Key"] for o in page.get("Contents", [])]
on_disk = sorted(os.path.relpath(os.path.join(r, f), local_daily)
                 for r, _, fs in os.walk(local_daily) for f in fs if f.endswith(".parquet"))
if sorted(k[len("lake-daily/"):] for k in keys) != on_disk:
    fail(f"day files in the bucket {sorted(keys)} are not those on disk {on_disk}")
if not on_disk:
    fail("no day files were written")
for rel in on_disk:
    body = s3.get_object(Bucket=BUCKET, Key="lake-daily/" + rel)["Body"].read()
    got, want = pq.read_table(io.BytesIO(body)), pq.read_table(os.path.join(local_daily, rel))
    if not got.equals(want):
        fail(f"{rel}: the bucket's day file differs from the folder's ({got.num_rows} / {want.num_rows} rows)")

again = compact(["--data", f"s3://{BUCKET}/lake"], remote=True)
if not again.stdout.startswith(f"s3://{BUCKET}/lake → s3://{BUCKET}/lake-daily: 0 day files written"):
    fail(f"a second run over the bucket wrote again: {again.stdout}{again.stderr}")

# A lake at the bucket's root has its day files under `daily`; this bucket's root holds no
# station folders (the lake is under `lake/`), so there is nothing to compact there.
root = compact(["--data", f"s3://{BUCKET}"], remote=True)
if root.returncode != 0 or not root.stdout.startswith(f"s3://{BUCKET} → s3://{BUCKET}/daily: 0 day files written"):
    fail(f"compact of the bucket's root: exit {root.returncode}: {root.stdout}{root.stderr}")
print(f"  [remote] {NAME}: compact over the bucket wrote the {len(on_disk)} day files the folder gets, row for row; "
      f"the corrupt day failed in both; a second run wrote nothing")
