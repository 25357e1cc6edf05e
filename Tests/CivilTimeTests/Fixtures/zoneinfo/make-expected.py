#!/usr/bin/env python3
"""Writes expected.tsv next to this script: reference offsets for ZoneRulesTests.

The values come from Python's `zoneinfo`, reading the fixture TZif files in this directory
(ZoneInfo.from_file), so they do not depend on the tzdata installed on the machine.
It also rebuilds the "slim" fixture Test/Slim with `zic -b slim` when zic is available.

Run from anywhere:  python3 Tests/CivilTimeTests/Fixtures/zoneinfo/make-expected.py

Record types (tab-separated, one per line):
  Z <name>                    start of a zone: a fixture path, or "posix:<TZ string>"
  G <start> <step> <count> <end>
                              a grid of UTC sample instants start + i*step, i in [0, count);
                              the E records list every offset change in [start, end)
  R <n> <offset>              the next n grid samples have this UTC offset (seconds east)
  E <utc> <before> <after> <d1> .. <d5>
                              an offset change at utc: offset(utc-1)=before, offset(utc)=after.
                              With lo = utc + min(before, after), hi = utc + max(before, after),
                              the wall-clock times lo-1, lo, (lo+hi)//2 (floor), hi-1, hi map to
                              UTC utc+d1 .. utc+d5 under PEP 495 fold=0: the earlier instant of an
                              overlap; a time in a gap is read with the offset in effect before it.
The real zones are sampled over 1900-2100; the POSIX strings over 1995-2045 (they repeat).
"""

import io
import os
import shutil
import struct
import subprocess
import tempfile
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

HERE = os.path.dirname(os.path.abspath(__file__))

ZONES = [
    "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Australia/Sydney",
    "Asia/Kolkata", "America/Sao_Paulo", "Pacific/Apia", "Europe/Dublin",
    "America/St_Johns", "Etc/UTC", "Test/Slim",
]

# Rule strings checked through ZoneRules(posix:). Python reads each from the footer of a
# TZif file that has no transitions, so the string alone decides every offset.
# The zero-based day form ("n", e.g. "59/2") is left out: CPython 3.11's zoneinfo places it one
# day early (day 59 of 1995 comes out as 28 February; POSIX makes day 0 January 1, so it is
# 1 March). ZoneRulesTests checks that form by hand.
POSIX = [
    "CET-1CEST,M3.5.0,M10.5.0/3",
    "<+0530>-5:30",
    "EST5EDT,M3.2.0,M11.1.0",
    "<-03>3",
    "IST-2IDT,M3.4.4/26,M10.5.0",
    "AEST-10AEDT,M10.1.0,M4.1.0/3",
    "IST-1GMT0,M10.5.0,M3.5.0/1",
    "<-02>2<-01>,M3.5.0/-1,M10.5.0/0",
    "NZST-12NZDT,M9.5.0,M4.1.0/3",
    "AAA3BBB,J60/2,J300/2",
    "XXX-3:15:30YYY-4:30,J1/0,J365/25:30",
    "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0",
    "EST5EDT4,M3.2.0/2:00:00,M11.1.0/2:00:00",
]

SLIM_SOURCE = """\
Rule\tSlim\t1990\tmax\t-\tOct\tSun>=1\t2:00s\t1:00\tD
Rule\tSlim\t1991\tmax\t-\tApr\tSun>=1\t2:00s\t0\tS
Zone\tTest/Slim\t10:00\t-\tAEST\t1990 Jan 1
\t\t\t10:00\tSlim\tAE%sT
"""

START = -2208988800            # 1900-01-01T00:00:00Z
END = 4102444800               # 2100-01-01T00:00:00Z
POSIX_START = 788918400        # 1995-01-01T00:00:00Z
POSIX_END = 2366841600         # 2045-01-01T00:00:00Z
GRID_STEP = 11 * 86400 + 11833  # ~11 days, odd so samples fall at varied times of day
SCAN_STEP = 6 * 3600           # change points are located by bisection within these steps

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def make_slim():
    if shutil.which("zic") is None:
        return
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "slim.zi")
        with open(src, "w") as f:
            f.write(SLIM_SOURCE)
        subprocess.run(["zic", "-b", "slim", "-d", HERE, src], check=True)


def footer_only_tzif(tz):
    """A TZif v2 file with one time type, no transitions and `tz` as its footer."""
    header = b"TZif2" + bytes(15) + struct.pack(">6l", 0, 0, 0, 0, 1, 4)
    block = struct.pack(">lBB", 0, 0, 0) + b"UTC\0"
    return header + block + header + block + b"\n" + tz.encode() + b"\n"


def offset_at(zone, t):
    return int(datetime.fromtimestamp(t, zone).utcoffset().total_seconds())


def utc_from_local(zone, local):
    naive = datetime(1970, 1, 1) + timedelta(seconds=local)
    return int(naive.replace(tzinfo=zone, fold=0).timestamp())


def changes(zone, start, end):
    """Every instant in [start, end) where the offset changes, as (utc, before, after)."""
    found = []
    t = start
    prev = offset_at(zone, t)
    while t < end:
        nxt = min(t + SCAN_STEP, end)
        cur = offset_at(zone, nxt)
        if cur != prev:
            lo, hi = t, nxt  # offset(lo) == prev, offset(hi) != prev
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if offset_at(zone, mid) == prev:
                    lo = mid
                else:
                    hi = mid
            if hi < end:
                found.append((hi, prev, offset_at(zone, hi)))
        prev = cur
        t = nxt
    return found


def describe(name, zone, out, start=START, end=END):
    out.append(f"Z\t{name}")
    count = (end - start + GRID_STEP - 1) // GRID_STEP
    out.append(f"G\t{start}\t{GRID_STEP}\t{count}\t{end}")
    run_offset, run_len = None, 0
    for i in range(count):
        o = offset_at(zone, start + i * GRID_STEP)
        if o == run_offset:
            run_len += 1
        else:
            if run_len:
                out.append(f"R\t{run_len}\t{run_offset}")
            run_offset, run_len = o, 1
    out.append(f"R\t{run_len}\t{run_offset}")
    for utc, before, after in changes(zone, start, end):
        # Wall-clock samples around the change: the edges and middle of the gap or overlap.
        lo, hi = utc + min(before, after), utc + max(before, after)
        deltas = [utc_from_local(zone, local) - utc for local in (lo - 1, lo, (lo + hi) // 2, hi - 1, hi)]
        out.append("\t".join(str(v) for v in ["E", utc, before, after] + deltas))


def main():
    make_slim()
    out = []
    for name in ZONES:
        with open(os.path.join(HERE, name), "rb") as f:
            describe(name, ZoneInfo.from_file(f, key=name), out)
    for tz in POSIX:
        zone = ZoneInfo.from_file(io.BytesIO(footer_only_tzif(tz)))
        describe("posix:" + tz, zone, out, POSIX_START, POSIX_END)
    with open(os.path.join(HERE, "expected.tsv"), "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
