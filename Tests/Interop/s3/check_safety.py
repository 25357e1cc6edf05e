#!/usr/bin/env python3
"""Never lose the only copy, end to end against a live S3 peer (the release binary).

Usage: check_safety.py OPENSENSOR_BIN WORK PEER_URL STRIP_PROXY_URL STRIP_STATS KEY SECRET BUCKET NAME

1. Retention keeps what is not proven stored. Three simulated days (288 files) are synced; then
   the stored day=01/data_0015.parquet is replaced by other bytes and the local
   day=02/data_0015.parquet is rewritten. `sync --verify` must report the difference and exit 1;
   `start` with OPENSENSOR_RETENTION_DAYS=1 must then delete the other files of June 1 and 2
   but keep those two — the only good copy of each (with daily compaction off: retention alone).
   With compaction on, two synced days of which June 1 holds a batch whose stored copy differs:
   June 1 has no day file and stays whole; June 2's day file is written and uploaded under
   `<prefix>-daily`, and then its batch files go.
2. A server that ignores `If-None-Match: *`: STRIP_PROXY_URL forwards to the peer without that
   header (the peer itself honours it). A second lake synced over the same keys through it must
   report every file as a conflict and replace nothing (STRIP_STATS counts the peer's writes).
   STRIP_PROXY_URL "-" leaves this part out (a peer that cannot run behind the stripping proxy:
   OpenStack Swift checks the signature, which covers the header).
"""
import json
import os
import re
import shutil
import subprocess
import sys

import boto3
from botocore.config import Config

BIN, WORK, PEER, STRIP, STATS, KEY, SECRET, BUCKET, NAME = sys.argv[1:10]
STATION = "0190f5a0-3333-7000-8000-00000000cafe"
checks = 0


def check(cond, what):
    global checks
    if not cond:
        print(f"check_safety.py [{NAME}]: FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    checks += 1


client = boto3.client("s3", endpoint_url=PEER, aws_access_key_id=KEY, aws_secret_access_key=SECRET,
                      region_name="us-east-1", config=Config(s3={"addressing_style": "path"}))


def env_file(path, endpoint, prefix, lake, extra=""):
    with open(path, "w") as f:
        f.write(f"""OPENSENSOR_STATION_ID={STATION}
OPENSENSOR_OUTPUT_DIR={lake}
OPENSENSOR_HEALTH_DIR={lake}-health
OPENSENSOR_HEALTH_ENABLED=false
OPENSENSOR_LOG_DIR={WORK}/logs
OPENSENSOR_STORAGE_PROVIDER=minio
OPENSENSOR_STORAGE_ENDPOINT={endpoint}
OPENSENSOR_STORAGE_REGION=us-east-1
OPENSENSOR_STORAGE_BUCKET={BUCKET}
OPENSENSOR_STORAGE_PREFIX={prefix}
OPENSENSOR_AWS_ACCESS_KEY_ID={KEY}
OPENSENSOR_AWS_SECRET_ACCESS_KEY={SECRET}
{extra}""")
    return path


def run(*args, timeout=300):
    p = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def local_files(root):
    out = {}
    for d, _, files in os.walk(root):
        if "/." in d[len(root):]:
            continue
        for f in files:
            if f.endswith(".parquet"):
                with open(os.path.join(d, f), "rb") as fh:
                    out[os.path.relpath(os.path.join(d, f), root)] = fh.read()
    return out


def stored(prefix):
    out, token = {}, None
    while True:
        kw = {"Bucket": BUCKET, "Prefix": prefix + "/"}
        if token:
            kw["ContinuationToken"] = token
        page = client.list_objects_v2(**kw)
        for o in page.get("Contents", []):
            out[o["Key"][len(prefix) + 1:]] = o["ETag"]
        if not page.get("IsTruncated"):
            return out
        token = page["NextContinuationToken"]


def altered(data):
    """Other bytes of the same size, still framed as Parquet (the sync checks only the magic)."""
    mid = len(data) // 2
    return data[:mid] + bytes([data[mid] ^ 0xFF]) + data[mid + 1:]


def requests_in(summary):
    m = re.search(r"\((\d+) requests\)", summary)
    return int(m.group(1)) if m else None


try:
    client.create_bucket(Bucket=BUCKET)
except client.exceptions.BucketAlreadyOwnedByYou:
    pass

def synced_lake(name, days, extra):
    """`days` simulated days from June 1 in WORK/name, synced under `name-NAME` with retention
    of one day: (lake, prefix, env file, {relative path: bytes})."""
    lake, prefix = f"{WORK}/{name}", f"{name}-{NAME}"
    env = env_file(f"{WORK}/{name}.env", PEER, prefix, lake,
                   "OPENSENSOR_SYNC_ENABLED=true\nOPENSENSOR_RETENTION_DAYS=1\nOPENSENSOR_MIN_FREE_MB=0\n" + extra)
    code, out, err = run("simulate", "--env-file", env, "--output", lake, "--from", "2025-06-01T00:00:00Z", "--days", str(days))
    check(code == 0, f"simulate: {err}")
    local = local_files(lake)
    check(len(local) == 96 * days, f"expected {96 * days} batch files, got {len(local)}")
    code, out, err = run("sync", "--env-file", env)
    check(code == 0 and f"{96 * days} uploaded" in out, f"first sync: exit {code}: {out}{err}")
    return lake, prefix, env, local


def start_on_june_4(env, lake, what):
    """Half an hour of `start` on June 4 (virtual clock), syncing, compacting and retaining as
    `env` says: the lake's files after."""
    code, out, err = run("start", "--simulate", "--env-file", env, "--output", lake, "--speed", "600",
                         "--start", "2025-06-04T00:00:00Z", "--stop-after", "30m", timeout=300)
    check(code == 0, f"start {what}: exit {code}: {err[-2000:]}")
    return local_files(lake)


# --- 1. Retention keeps what is not proven stored ------------------------------------------
# Compaction off: retention alone (the next part has it on).
lake, prefix, env, local = synced_lake("retention", 3, "OPENSENSOR_COMPACT_ENABLED=false\n")

day = lambda d: f"station={STATION}/year=2025/month=06/day={d:02d}"
remote_changed = f"{day(1)}/data_0015.parquet"
local_changed = f"{day(2)}/data_0015.parquet"
client.put_object(Bucket=BUCKET, Key=f"{prefix}/{remote_changed}", Body=altered(local[remote_changed]))
# Rewritten the way any tool replaces a file: a new file renamed over it.
with open(f"{lake}/{local_changed}.new", "wb") as f:
    f.write(altered(local[local_changed]))
os.replace(f"{lake}/{local_changed}.new", f"{lake}/{local_changed}")
os.utime(f"{lake}/{local_changed}", (1.7e9, 1.7e9))

code, out, err = run("sync", "--env-file", env, "--verify")
print(f"  [{NAME}] sync --verify: exit {code}: {' | '.join(out.splitlines()[:4])}")
check(code == 1, f"--verify with a differing object must exit 1: {out}{err}")
check(f"differs from the bucket: {remote_changed}" in out, f"--verify did not report the stored object that differs: {out}")
check(f"conflict, not overwritten: {local_changed}" in out, f"--verify did not report the rewritten file: {out}")

# Today is June 4 for the collector (virtual clock): June 3 and 4 stay, June 1 and 2 go — but
# not the two files whose stored copy differs.
after = start_on_june_4(env, lake, "with retention")
for rel, data in local.items():
    if rel.startswith(day(3)):
        check(after.get(rel) == data, f"{rel} of June 3 was deleted or changed")
    elif rel in (remote_changed, local_changed):
        check(rel in after, f"{rel} was deleted: the stored object differs, so it was the only copy")
    else:
        check(rel not in after, f"{rel} should have been deleted by retention (synced, 3 days old)")
check(after[remote_changed] == local[remote_changed], "the only good copy changed")
check(any(r.startswith(day(4)) for r in after), "start wrote no batch of June 4")
print(f"  [{NAME}] retention kept {len(after)} files: June 3, June 4 and the 2 that differ from the bucket")

# --- 1b. With daily compaction on, a day leaves the station only once its day file is stored --
# June 1 holds a batch whose stored copy differs, so its day file cannot be made and the whole
# day stays; June 2 is compacted, its day file uploaded beside the raw prefix, its batch files go.
lake, prefix, env, local = synced_lake("compacted", 2, "")
remote_changed = f"{day(1)}/data_0015.parquet"
client.put_object(Bucket=BUCKET, Key=f"{prefix}/{remote_changed}", Body=altered(local[remote_changed]))
code, out, err = run("sync", "--env-file", env, "--verify")
check(code == 1 and f"differs from the bucket: {remote_changed}" in out, f"--verify: exit {code}: {out}{err}")
after = start_on_june_4(env, lake, "with compaction and retention")
for rel, data in local.items():
    if rel.startswith(day(1)):
        check(after.get(rel) == data, f"{rel} of June 1 went, though June 1 has no day file")
    else:
        check(rel not in after, f"{rel} should have been deleted: June 2's day file is stored")
day2 = f"{day(2)}/data_20250602.parquet"
daily_local = local_files(f"{lake}-daily")
check(set(daily_local) == {day2}, f"day files on disk: {sorted(daily_local)}, expected only {day2}")
daily_remote = stored(f"{prefix}-daily")
check(set(daily_remote) == {day2}, f"day files in the bucket: {sorted(daily_remote)}, expected only {day2}")
print(f"  [{NAME}] with compaction: June 1 kept whole ({sum(1 for r in after if r.startswith(day(1)))} files, one differs "
      f"from the bucket), June 2 gone after its day file was stored")

# --- 2. A server that ignores If-None-Match ----------------------------------------------------
if STRIP == "-":
    print(f"  [{NAME}] check_safety.py: {checks} checks passed")
    sys.exit(0)
first, second = f"{WORK}/first", f"{WORK}/second"
prefix2 = f"ignored-{NAME}"
env1 = env_file(f"{WORK}/first.env", STRIP, prefix2, first)
env2 = env_file(f"{WORK}/second.env", STRIP, prefix2, second)
code, out, err = run("simulate", "--env-file", env1, "--output", first, "--from", "2025-07-01T00:00:00Z", "--days", "1")
check(code == 0, f"simulate: {err}")
ours = local_files(first)
check(len(ours) == 96, f"expected 96 files, got {len(ours)}")
code, out, err = run("sync", "--env-file", env1)
check(code == 0 and "96 uploaded" in out, f"first lake: exit {code}: {out}{err}")
print(f"  [{NAME}] first lake through the header-stripping proxy: {out.splitlines()[0]}")
before = stored(prefix2)
check(len(before) == 96, f"{len(before)} objects stored")

# The second lake: the same keys, other bytes.
shutil.copytree(first, second, ignore=shutil.ignore_patterns(".opensensor"))
for rel, data in ours.items():
    with open(f"{second}/{rel}", "wb") as f:
        f.write(altered(data))
code, out, err = run("sync", "--env-file", env2)
print(f"  [{NAME}] second lake over the same keys: exit {code}: {out.splitlines()[0] if out else err[:200]}")
check(code == 1, f"conflicts must exit 1: {out}{err}")
check(", 96 conflicts" in out.splitlines()[0], f"expected 96 conflicts: {out.splitlines()[0]}")
check(stored(prefix2) == before, "stored objects were replaced")
for rel, data in ours.items():
    body = client.get_object(Bucket=BUCKET, Key=f"{prefix2}/{rel}")["Body"].read()
    check(body == data, f"{rel} was replaced")
writes = {k: v for k, v in json.load(open(STATS))["writes"].items() if f"/{prefix2}/" in k and "sync-probe" not in k}
check(len(writes) == 96 and set(writes.values()) == {1}, f"the peer saw other writes than one per key: {writes}")
print(f"  [{NAME}] check_safety.py: {checks} checks passed")
