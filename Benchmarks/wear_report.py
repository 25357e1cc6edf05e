"""The tables of Benchmarks/run-wear.sh, from the JSON lines its runs wrote.

Per day from the two real-time windows of a run (same layout, same setting):
  rate      = steady window / its seconds                       (per-reading cost)
  per batch = (boundary window - rate * its seconds) / boundaries (batch, trim, health, log, sync)
  per day   = rate * 86400 + per batch * 96
"""
import argparse, json, sys
from collections import defaultdict

DAY = 86400
BATCHES = DAY // 900
FIELDS = ("w_bytes", "w_ios", "flushes")
MIB = 1024 * 1024


def per_day(steady, boundary):
    rate = {f: steady[f] / steady["seconds"] for f in FIELDS}
    batch = {f: (boundary[f] - rate[f] * boundary["seconds"]) / boundary["boundaries"] for f in FIELDS}
    return {f: rate[f] * DAY + batch[f] * BATCHES for f in FIELDS}, batch


def mib(b):
    return f"{b / MIB:9.2f} MiB"


def count(n):
    return f"{n:12,.0f}"


def ratio(a, b):
    return f"{a / b:8.1f}×" if b else "       -"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--mount-options", default="defaults")
    ap.add_argument("--binary", default="")
    ap.add_argument("--with-sync", default="0")
    args = ap.parse_args()
    rows = [json.loads(line) for line in open(args.results) if line.strip()]
    windows = defaultdict(dict)  # (setting, layout, component) -> {steady, boundary}
    growth, days, python, notes = {}, {}, {}, []
    for r in rows:
        if r["kind"] == "window":
            windows[(r["setting"], r["layout"], r["component"])][r["window"]] = r
        elif r["kind"] == "journal_growth":
            if r["window"] == "steady" and r["layout"] == "combined":
                growth[r["setting"]] = r
            if r["key_warning"]:
                notes.append(f"the binary warned about OPENSENSOR_JOURNAL_SYNC_SECONDS (unknown key): setting {r['setting']} ran as 0")
            if r["readings"] == 0:
                notes.append(f"the {r['layout']} {r['window']} run of setting {r['setting']} collected no reading: its figures are wrong")
        elif r["kind"] == "day":
            days[r["setting"]] = r
            if r["readings"] < DAY // 5:
                notes.append(f"the day run of setting {r['setting']} collected {r['readings']:,} of {DAY // 5:,} readings: at speed "
                             f"{r['speed']} it fell behind now and then (a busy machine, slow fsyncs) and skipped those ticks, "
                             f"so it counts a little less; lower WEAR_DAY_SPEED to avoid it")
        elif r["kind"] == "python":
            python[r["mode"]] = r
    settings = sorted({k[0] for k in windows} | set(days))

    print(f"\nSD-card wear of one station-day: ext4 ({args.mount_options}, 4 KiB blocks, 5 s commit) on loop devices,"
          f" /sys/block/loopN/stat; auto-sync to moto_server on 127.0.0.1: {'on' if args.with_sync == '1' else 'off'}")
    if args.binary:
        print(f"binary: {args.binary}")
    print("setting = OPENSENSOR_JOURNAL_SYNC_SECONDS (0: fdatasync every reading); requests are completed write requests;"
          " flushes are cache-flush requests (each forces the card to commit)")

    py = python.get("spaced")
    py_day = None
    if py:
        n = py["written"]["files"]
        py_day = {f: py[f] / n * BATCHES for f in FIELDS}
    sample = next(iter(windows.values()), {})
    if sample:
        s, b = sample.get("steady"), sample.get("boundary")
        print(f"\nReal time (speed 1): a {s['seconds']} s window between batches and a {b['seconds']} s window across "
              f"{b['boundaries']} batch boundar{'y' if b['boundaries'] == 1 else 'ies'}, scaled to 17,280 readings and 96 batches")
    print(f"{'setting':>8} {'written/day':>13} {'requests/day':>12} {'flushes/day':>12} {'× Python bytes':>15} {'× Python requests':>18}")
    for setting in settings:
        w = windows.get((setting, "combined", "all"))
        if not w or "steady" not in w or "boundary" not in w:
            continue
        d, _ = per_day(w["steady"], w["boundary"])
        print(f"{setting:>8} {mib(d['w_bytes']):>13} {count(d['w_ios'])} {count(d['flushes'])} "
              f"{ratio(d['w_bytes'], py_day['w_bytes']) if py_day else '-':>15} {ratio(d['w_ios'], py_day['w_ios']) if py_day else '-':>18}")
    if py_day:
        w = py["written"]
        rows = str(w["rows_min"]) if w["rows_min"] == w["rows_max"] else f"{w['rows_min']}-{w['rows_max']}"
        print(f"{'Python':>8} {mib(py_day['w_bytes']):>13} {count(py_day['w_ios'])} {count(py_day['flushes'])}"
              f"   ({w['files']} files of {rows} rows, {w['compression']}, "
              f"{w['gap_s']:.0f} s apart, which costs what 15 min apart does, × {BATCHES}/{w['files']})")

    split = [s for s in settings if (s, "split", "journal") in windows]
    if split:
        comps = ["journal", "batches", "health", "ledger", "logs"]
        print("\nWhere it goes (each component on a file system of its own, same windows; a file system per"
              " component pays its own journal commits, so the parts add up to more than the total above;"
              " all but the journal are written only around batch boundaries: per batch = per day / 96)")
        print(f"{'setting':>8} " + " ".join(f"{c + ' MiB / req per day':>28}" for c in comps))
        for setting in split:
            cells = []
            for c in comps:
                w = windows.get((setting, "split", c), {})
                if "steady" in w and "boundary" in w:
                    d, _ = per_day(w["steady"], w["boundary"])
                    cells.append(f"{d['w_bytes'] / MIB:12.2f} / {d['w_ios']:11,.0f}")
                else:
                    cells.append(f"{'-':>26}")
            print(f"{setting:>8} " + " ".join(f"{c:>28}" for c in cells))
        print(f"{'':>8} per batch, combined file system (boundary window minus steady rate):", end="")
        for setting in split:
            w = windows.get((setting, "combined", "all"), {})
            if "steady" in w and "boundary" in w:
                _, batch = per_day(w["steady"], w["boundary"])
                print(f"  [{setting}] {batch['w_bytes'] / 1024:.0f} KiB in {batch['w_ios']:.0f} requests", end="")
        print()

    if not days:
        print("\n(WEAR_DAY_SPEED=0: no whole-day run, so no compressed-time figures and no sizes)")
    if days:
        pa = python.get("all")
        speed = next(iter(days.values()))["speed"]
        print(f"\nCompressed time, for comparison: one whole simulated day at speed {speed}, counted from start to unmount"
              " (commits of nearby appends merge, so this is not what a card sees in a real day)")
        print(f"{'setting':>8} {'written':>13} {'requests':>12} {'flushes':>12} {'readings':>9} {'wall s':>7} {'× Python bytes':>15} {'× Python requests':>18}")
        for setting in settings:
            d = days.get(setting)
            if not d:
                continue
            print(f"{setting:>8} {mib(d['w_bytes']):>13} {count(d['w_ios'])} {count(d['flushes'])} {d['readings']:9d} {d['wall_s']:7.0f} "
                  f"{ratio(d['w_bytes'], pa['w_bytes']) if pa else '-':>15} {ratio(d['w_ios'], pa['w_ios']) if pa else '-':>18}")
        if pa:
            print(f"{'Python':>8} {mib(pa['w_bytes']):>13} {count(pa['w_ios'])} {count(pa['flushes'])}"
                  f"   ({pa['written']['files']} files back to back, then sync and unmount)")

        d = days[settings[0]] if settings[0] in days else next(iter(days.values()))
        sz = d["sizes"]
        print("\nData a day produces (du of the day run; the journal is emptied by the last batch; a 97th file"
              " of a batch or health file is the one reading of 24:00 the stop can catch):")
        parts = []
        for name in ["batches", "health", "ledger", "logs"]:
            parts.append(f"{name} {sz[name]['files']} files {sz[name]['bytes'] / 1024:,.0f} KiB")
        print("  ours:   " + "; ".join(parts))
        produced = sum(sz[n]["bytes"] for n in ["batches", "health", "ledger", "logs"])
        g = growth.get(d["setting"])
        if g and g["readings"]:
            per_reading = g["bytes"] / (g["seconds"] / 5)
            journal_day = per_reading * DAY / 5
            print(f"          journal appends {per_reading:.0f} B per reading = {journal_day / 1024:,.0f} KiB a day (steady window)")
            produced += journal_day
        print(f"          total {produced / 1024:,.0f} KiB a day")
        if pa:
            pb = pa["written"]["bytes"]
            print(f"  Python: {pa['written']['files']} batch files {pb / 1024:,.0f} KiB")
        print("  Device bytes per byte of data (real time):", end="")
        for setting in settings:
            w = windows.get((setting, "combined", "all"))
            if w and "steady" in w and "boundary" in w:
                dd, _ = per_day(w["steady"], w["boundary"])
                print(f"  ours [{setting}] {dd['w_bytes'] / produced:.0f}×", end="")
        if pa and py_day:
            print(f"  Python {py_day['w_bytes'] / pa['written']['bytes']:.1f}×", end="")
        print()
    for n in dict.fromkeys(notes):
        print("NOTE: " + n)


if __name__ == "__main__":
    sys.exit(main())
