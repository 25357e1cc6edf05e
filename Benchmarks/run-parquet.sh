#!/usr/bin/env bash
# Parquet writer benchmark: bytes and CPU time of one batch file, ours against pyarrow written
# the Python collector's way, same data, same run; printed as ratios (docs/ARCHITECTURE.md §7 targets).
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
"$py" - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {(r["side"], r["file"], r["codec"]): r for r in rows}
print(f"{'file':14} {'codec':7} {'ours B':>9} {'pyarrow B':>10} {'bytes %':>8} {'ours ms':>8} {'pyarrow ms':>10} {'CPU ratio':>9}")
for (side, f, c), r in sorted(by.items()):
    if side != "swift":
        continue
    p = by[("pyarrow", f, c)]
    print(f"{f:14} {c:7} {r['bytes']:9d} {p['bytes']:10d} {100 * r['bytes'] / p['bytes']:7.1f}% "
          f"{r['cpu_ms']:8.3f} {p['cpu_ms']:10.3f} {p['cpu_ms'] / r['cpu_ms']:8.1f}x")
PY
