#!/usr/bin/env bash
# Parquet writer benchmark: bytes and CPU time of one batch file, ours against pyarrow written
# the Python collector's way, same data, same run; printed as ratios (docs/ARCHITECTURE.md §7 targets).
# Then the day file (WriterOptions.dayFile) of readings-day.csv against the Python collector's
# snappy file of the same day, and its CPU against pyarrow writing the same encodings and row
# groups (docs/ARCHITECTURE.md §2, day files).
#
#   Benchmarks/run-parquet.sh [ITERATIONS]      (needs the venv scripts/test creates)
set -euo pipefail
cd "$(dirname "$0")/.."
iters=${1:-200}
py=${PEERS_PYTHON:-.venv/bin/python}
[[ -x $py ]] || { echo "no peers venv: run scripts/test once, or set PEERS_PYTHON" >&2; exit 1; }
swift build -c release --static-swift-stdlib --product ParquetBenchmark >/dev/null
out=$(mktemp -d /dev/shm/opensensor-bench.XXXXXX 2>/dev/null || mktemp -d)
trap 'rm -rf "$out"' EXIT
results=$out/results.jsonl
for f in Tests/ParquetTests/Fixtures/readings-180.csv Tests/ParquetTests/Fixtures/readings-day.csv; do
    n=$iters; [[ $f == *day* ]] && n=$(( iters / 10 > 5 ? iters / 10 : 5 ))
    .build/release/ParquetBenchmark "$f" "$out" "$n" | sed 's/^{/{"side":"swift",/' >> "$results"
    "$py" Benchmarks/pyarrow_side.py "$f" "$out" "$n" | sed 's/^{/{"side":"pyarrow",/' >> "$results"
done
day=Tests/ParquetTests/Fixtures/readings-day.csv
n=$(( iters / 10 > 5 ? iters / 10 : 5 ))
.build/release/ParquetBenchmark "$day" "$out" "$n" day,day+compared,day+onegroup | sed 's/^{/{"side":"swift-day",/' > "$out/day.jsonl"
level=$("$py" -c 'import json,sys; r=json.loads(open(sys.argv[1]).readline()); print(r["compression"].split(":")[1])' "$out/day.jsonl")
"$py" Benchmarks/pyarrow_day.py "$day" "$out/readings-day.day.swift.parquet" "$out" "$n" "$level" \
    | sed 's/^{/{"side":"pyarrow-day",/' >> "$out/day.jsonl"
"$py" - "$results" "$out/day.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
day = [json.loads(l) for l in open(sys.argv[2])]
by = {(r["side"], r["file"], r["codec"]): r for r in rows}
print(f"{'file':14} {'codec':7} {'ours B':>9} {'pyarrow B':>10} {'bytes %':>8} {'ours ms':>8} {'pyarrow ms':>10} {'CPU ratio':>9}")
for (side, f, c), r in sorted(by.items()):
    if side != "swift":
        continue
    p = by[("pyarrow", f, c)]
    print(f"{f:14} {c:7} {r['bytes']:9d} {p['bytes']:10d} {100 * r['bytes'] / p['bytes']:7.1f}% "
          f"{r['cpu_ms']:8.3f} {p['cpu_ms']:10.3f} {p['cpu_ms'] / r['cpu_ms']:8.1f}x")

snappy = by[("pyarrow", "readings-day", "snappy")]["bytes"]
ours = {r["codec"]: r for r in day if r["side"] == "swift-day"}
theirs = {r["case"]: r for r in day if r["side"] == "pyarrow-day"}
print()
print(f"day file, readings-day.csv; bytes as a share of the Python collector's snappy file ({snappy} B)")
print(f"{'writer':52} {'bytes':>9} {'share':>7} {'CPU ms':>8}")
lines = [
    ("ours, WriterOptions.dayFile", ours["day"]),
    ("ours, encodings chosen by compressed size", ours["day+compared"]),
    ("ours, one row group", ours["day+onegroup"]),
    ("pyarrow, our encodings and row groups", theirs["same"]),
    ("pyarrow at its best (split floats, zstd 3, one group)", theirs["best"]),
]
for label, r in lines:
    print(f"{label:52} {r['bytes']:9d} {100 * r['bytes'] / snappy:6.1f}% {r['cpu_ms']:8.3f}")
share = ours["day"]["bytes"] / snappy
ratio = theirs["same"]["cpu_ms"] / ours["day"]["cpu_ms"]
print(f"goal: at most 45 % of the snappy file: {100 * share:.1f}% ({'met' if share <= 0.45 else 'NOT MET'}); "
      f"{100 * ours['day']['bytes'] / theirs['best']['bytes']:.1f}% of pyarrow at its best")
print(f"goal: less CPU than pyarrow writing the same encodings: pyarrow / ours = {ratio:.2f}x ({'met' if ratio > 1 else 'NOT MET'})")
PY
