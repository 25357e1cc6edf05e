#!/usr/bin/env bash
# Writes scripts/linker/hot-text.order: every function of the release binary that
# `opensensor --version` and `opensensor start --simulate` (sync off; the default keys, then MQTT
# and /metrics on) execute,
# as the input sections the linker places first and together (Package.swift passes the file to
# gold's --section-ordering-file). Faulting in one page of code maps its neighbours too (the
# kernel's fault-around), so hot code scattered over 20 MB of text kept some 9 MB of it resident;
# packed, it is about 1 MB (docs/ARCHITECTURE.md §7).
#
# Run after changes to the code `start` runs, then rebuild the release binary. A stale list costs
# memory, never correctness: a name that no longer exists is ignored. Needs valgrind and mosquitto.
#
# Usage: scripts/linker/hot-text.sh [BIN]   (default: the release binary, built if missing)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${1:-$ROOT/.build/release/opensensor}
[[ -x $BIN ]] || (cd "$ROOT" && swift build -c release --static-swift-stdlib --product opensensor)
command -v valgrind >/dev/null || { echo "hot-text.sh: needs valgrind (apt-get install valgrind)" >&2; exit 1; }
WORK=$(mktemp -d /tmp/opensensor-hot-text.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
# Valgrind cannot read the DWARF 5 of this toolchain; the symbol table is enough.
cp "$BIN" "$WORK/opensensor"
strip --strip-debug "$WORK/opensensor"
run() {
    (cd "$WORK" && OPENSENSOR_LOG_LEVEL=ERROR OPENSENSOR_STATION_ID=0190a0b0-0000-7000-8000-000000000001 \
        valgrind --tool=callgrind --demangle=no --compress-strings=no \
        --callgrind-out-file="$WORK/cg.$1.out" ./opensensor "${@:2}" >"$WORK/$1.log" 2>&1) \
        || { cat "$WORK/$1.log" >&2; echo "hot-text.sh: the $1 run failed" >&2; exit 1; }
}
run version --version
# Two simulated hours at 600×: warm-up, readings, batch and health files, a clean stop.
run start start --simulate --speed 600 --start 2025-06-01T00:00:00Z --stop-after 2h
# The same with the outlets Benchmarks/run-collector.sh measures (and the simulated screen): Mosquitto takes every reading
# and Home Assistant's discovery, /metrics is scraped every second.
MOSQUITTO=$(command -v mosquitto || echo /usr/sbin/mosquitto)
[[ -x $MOSQUITTO ]] || { echo "hot-text.sh: needs mosquitto (apt-get install mosquitto)" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
mport=$(free_port); hport=$(free_port)
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$mport" >"$WORK/mosquitto.conf"
"$MOSQUITTO" -c "$WORK/mosquitto.conf" >"$WORK/mosquitto.log" 2>&1 &
broker=$!
(while sleep 1; do curl -sf "http://127.0.0.1:$hport/metrics" >/dev/null || true; done) &
scraper=$!
trap 'kill $broker $scraper 2>/dev/null || true; rm -rf "$WORK"' EXIT
OPENSENSOR_MQTT_URL=mqtt://127.0.0.1:$mport OPENSENSOR_METRICS_LISTEN=127.0.0.1:$hport OPENSENSOR_DISPLAY_ENABLED=true \
    run outlets start --simulate --speed 600 --start 2025-06-01T00:00:00Z --stop-after 2h --output outlets
kill $broker $scraper 2>/dev/null || true
python3 - "$WORK" "$ROOT/scripts/linker/hot-text.order" <<'PY'
import glob, re, sys
work, out = sys.argv[1], sys.argv[2]
names = set()
for path in glob.glob(work + "/cg.*.out"):
    ob = cob = ""
    for line in open(path, errors="replace"):
        if line.startswith("ob="): ob = line[3:].strip()
        elif line.startswith("cob="): cob = line[4:].strip()
        elif line.startswith(("fn=", "cfn=")):
            callee = line.startswith("cfn=")
            obj = (cob or ob) if callee else ob
            if callee: cob = ""
            name = re.sub(r"'\d+$", "", line.split("=", 1)[1].strip())  # callgrind's recursion marks
            # Only our binary's named functions; a glob character would change what gold matches.
            if obj.endswith("/opensensor") and not name.startswith("0x") and not re.search(r"[*?\[\]]", name):
                names.add(name)
with open(out, "w") as f:
    f.write("".join(".text.%s\n" % n for n in sorted(names)))
print("hot-text.sh: %d functions -> %s" % (len(names), out))
PY
