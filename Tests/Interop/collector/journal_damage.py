"""A damaged journal never costs more than its damaged record (Sources/Collector/Journal.swift):
the release binary collects, is killed with -9 mid-batch, one bit of its journal is flipped —
in a record, then in the header — and the next start files every reading whose record still
holds, keeps the damaged file aside and logs the damage at error level.

Usage: journal_damage.py OPENSENSOR_BIN WORK_DIR"""
import glob, os, re, signal, subprocess, sys, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import checks  # noqa: E402
from checks import check  # noqa: E402

import pyarrow.parquet as pq

BIN, WORK = sys.argv[1], sys.argv[2]
STATION = "0190a0b0-0000-7000-8000-00000000da7a"
env = dict(os.environ, OPENSENSOR_LOG_LEVEL="DEBUG", OPENSENSOR_WARMUP_READINGS="0", OPENSENSOR_STATION_ID=STATION,
           OPENSENSOR_HEALTH_ENABLED="false", OPENSENSOR_BATCH_DURATION="3600")
stamp = re.compile(r"timestamp=(\S+Z)")
HEADER, RECORD = 24, 8 + 20 + 4 * 19  # simulated readings have every value


def filed(out):
    got = []
    for f in glob.glob(f"{out}/station={STATION}/**/*.parquet", recursive=True):
        got += [v.strftime("%Y-%m-%dT%H:%M:%S.") + f"{v.microsecond // 1000:03d}Z"
                for v in pq.read_table(f).column("timestamp").to_pylist()]
    return got


def collect_then_kill(out, start):
    """Runs a collector until it has journaled a few dozen readings of an open batch; kill -9."""
    p = subprocess.Popen([BIN, "start", "--simulate", "--speed", "100", "--start", start, "--output", out],
                         cwd=WORK, env=env, stderr=subprocess.PIPE, text=True)
    time.sleep(3)
    p.send_signal(signal.SIGKILL)
    _, err = p.communicate(timeout=30)
    return stamp.findall(err)


def restart(out, start):
    p = subprocess.Popen([BIN, "start", "--simulate", "--speed", "100", "--start", start, "--output", out],
                         cwd=WORK, env=dict(env, OPENSENSOR_LOG_LEVEL="INFO"), stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=30)
    check(p.returncode == 0, f"restart: exit {p.returncode}: {err[-400:]}")
    return err


for case, flip in [("record", lambda n: HEADER + 10 * RECORD + 8 + 13), ("header", lambda n: 9)]:
    out = os.path.join(WORK, case, "output")
    os.makedirs(out)
    logged = collect_then_kill(out, "2025-06-01T00:00:00Z")
    journal = f"{out}/.opensensor/{STATION}/readings.journal"
    data = bytearray(open(journal, "rb").read())
    records = (len(data) - HEADER) // RECORD
    check(records >= 20 and len(logged) >= records, f"{case}: {records} records journaled, {len(logged)} logged")
    original = bytes(data)
    data[flip(records)] ^= 0x10
    open(journal, "wb").write(data)
    # Restart a day later, so the second run's readings are told apart from the first's.
    err = restart(out, "2025-06-02T00:00:00Z")
    got = set(filed(out))
    first = [t for t in logged]
    lost = [t for t in first if t not in got]
    check(len(lost) == (1 if case == "record" else 0),
          f"{case}: {len(lost)} of {len(first)} journaled readings lost (expected {1 if case == 'record' else 0}): {lost[:3]}")
    asides = glob.glob(journal + ".damaged-*")
    check(len(asides) == 1 and open(asides[0], "rb").read() == bytes(data), f"{case}: damaged journal kept aside: {asides}")
    check(re.search(r"error .*journal was damaged", err) is not None, f"{case}: no error-level log line: {err[-600:]}")

checks.finish("journal damage: ")
