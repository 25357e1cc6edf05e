#!/usr/bin/env bash
# Batches on a USB stick's file system: exFAT refuses link(), which the collector's create-only
# writes tried first. The release binary collects onto a real exFAT file system (FUSE's exfat,
# on a loop device) twice over the same hour: the first run writes every batch, the second
# takes new names (data_HHMM-1) instead of replacing one, and pyarrow reads all of them.
set -euo pipefail
: "${OPENSENSOR_BIN:?run through scripts/test}" "${PEERS_PYTHON:?run through scripts/test}"
fail() { printf 'run-exfat: FAILED: %s\n' "$*" >&2; exit 1; }

need=()
for p in exfat-fuse exfatprogs fuse3; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p"); done
if ((${#need[@]})); then
    [[ $(id -u) == 0 ]] || fail "needs root to install ${need[*]} and to mount a loop device"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"; } >/dev/null \
        || fail "apt-get install ${need[*]}"
fi
[[ $(id -u) == 0 ]] || fail "needs root to mount a loop device"
[[ -c /dev/fuse ]] || fail "no /dev/fuse"

work=$(mktemp -d /tmp/opensensor-exfat.XXXXXX)
mnt=$work/mnt
loop=
cleanup() {
    mountpoint -q "$mnt" && umount "$mnt"
    [[ -n $loop ]] && losetup -d "$loop"
    rm -rf "$work"
}
trap cleanup EXIT
mkdir "$mnt"
truncate -s 128M "$work/stick.img"
mkfs.exfat "$work/stick.img" >/dev/null || fail "mkfs.exfat"
loop=$(losetup -f --show "$work/stick.img") || fail "losetup"
mount.exfat-fuse "$loop" "$mnt" >/dev/null 2>&1 || fail "mount.exfat-fuse $loop"
touch "$mnt/probe"
if ln "$mnt/probe" "$mnt/probe-link" 2>/dev/null; then fail "link() works on this exFAT: the test would not exercise the fallback"; fi

export OPENSENSOR_STATION_ID=0190a0b0-0000-7000-8000-0000000e0fa7 OPENSENSOR_WARMUP_READINGS=0
for run in 1 2; do
    (cd "$work" && "$OPENSENSOR_BIN" start --simulate --speed 600 --start 2025-06-01T00:00:00Z --stop-after 1h \
        --output "$mnt/output" 2>"$work/start-$run.log") || { tail -5 "$work/start-$run.log" >&2; fail "start, run $run"; }
done

# Each run's own count of the readings it took (its last log line), which its files must hold.
taken=()
for run in 1 2; do
    n=$(sed -n 's/.* readings=\([0-9]*\) .*stopped$/\1/p' "$work/start-$run.log")
    [[ -n $n ]] || { tail -3 "$work/start-$run.log" >&2; fail "run $run logged no 'stopped … readings=N'"; }
    taken+=("$n")
done

"$PEERS_PYTHON" - "$mnt/output" "${taken[@]}" <<'PY' || fail "the batches on exFAT"
import glob, os, sys
import pyarrow.parquet as pq
out, taken = sys.argv[1], [int(n) for n in sys.argv[2:]]
files = glob.glob(f"{out}/station=*/year=2025/month=06/day=01/*.parquet")
names = sorted(os.path.basename(f) for f in files)
first = sorted(n for n in names if "-" not in n)
second = sorted(n.replace("-1.", ".") for n in names if n.endswith("-1.parquet"))
assert len(first) >= 4 and first == second and len(names) == 2 * len(first), f"files {names}"
rows = {os.path.basename(f): pq.read_table(f).num_rows for f in files}
# Every reading each run took is in its files. An hour at 5 s is 720; a slow FUSE write on a busy
# machine makes the simulated clock (600 times real time) skip ticks, which are never taken.
for run, n in zip((first, [n.replace(".parquet", "-1.parquet") for n in first]), taken):
    assert sum(rows[f] for f in run) == n and n >= 600, f"rows {rows}, readings taken {taken}"
leftovers = [n for _, _, ns in os.walk(out) for n in ns if ".tmp" in n]
assert not leftovers, f"temporary files left: {leftovers}"
print(f"exFAT: {len(names)} batch files, {sum(rows.values())} rows, none replaced")
PY
echo "1 passed, 0 failed"
