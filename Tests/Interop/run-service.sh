#!/usr/bin/env bash
# Running unattended: the unit `opensensor service setup --print` renders
# passes `systemd-analyze verify` — from a working directory whose name needs quoting (a space
# and a %) — and `systemd-analyze security` rates its sandbox within a bound; every system call,
# socket family and mapping the collector makes is one the sandbox allows (strace);
# `fix-permissions --dry-run` names the groups it manages and refuses a serial device whose
# name would inject udev syntax; setup refuses a binary under /tmp; and the service commands
# refuse clearly, with what to run instead, without root or without systemd.
#
# It runs wherever the repository is checked out (under /tmp too: run-clone-tmp.sh).
set -euo pipefail
: "${OPENSENSOR_BIN:?run through scripts/test}" "${OPENSENSOR_REPO:?}"
fail() { printf 'run-service: FAILED: %s\n' "$*" >&2; exit 1; }
ok() { printf 'run-service: ok: %s\n' "$*"; }

# systemd's offline tools; the package is `systemd` (it does not need systemd to be running).
if ! command -v systemd-analyze >/dev/null; then
    if [[ $(id -u) == 0 ]]; then
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends systemd >/dev/null \
            || fail "apt-get install systemd"
    fi
    command -v systemd-analyze >/dev/null || fail "systemd-analyze is missing (run: sudo apt-get install systemd)"
fi

# The station lives outside /tmp and /var/tmp — the unit's PrivateTmp=yes would hide those and
# setup refuses them (checked on purpose below) — and outside the checkout, which may be under
# /tmp. /var/lib as root (the account the commands run as must reach the binary), else the
# user's cache; OPENSENSOR_SERVICE_WORK picks another parent.
work_parent() {
    local d
    for d in ${OPENSENSOR_SERVICE_WORK:-} /var/lib "${XDG_CACHE_HOME:-$HOME/.cache}"; do
        [[ -n $d && ( $d != /var/lib || $(id -u) == 0 ) ]] || continue
        mkdir -p "$d" 2>/dev/null && [[ -w $d ]] || continue
        d=$(realpath "$d")
        case $d/ in /tmp/* | /var/tmp/*) continue ;; esac
        printf '%s\n' "$d"
        return 0
    done
    return 1
}
parent=$(work_parent) || fail "no writable folder outside /tmp and /var/tmp for the station (tried /var/lib and ~/.cache; set OPENSENSOR_SERVICE_WORK)"
work=$(mktemp -d "$parent/opensensor-interop-service.XXXXXX")
tmpstation=$(mktemp -d /tmp/opensensor-interop-service-tmp.XXXXXX)
trap 'rm -rf "$work" "$tmpstation"' EXIT
chmod 755 "$work"
station="$work/my station 100%"
mkdir -p "$station/bin dir"
bin="$station/bin dir/opensensor"
cp "$OPENSENSOR_BIN" "$bin"
printf 'OPENSENSOR_STATION_ID=0190a3c4-7e2b-7c1d-9a2b-3c4d5e6f7a8b\nOPENSENSOR_OUTPUT_DIR="out put"\n' >"$station/.env"
chmod -R a+rX "$work"

# A non-root account to render the unit for ('nobody' draws systemd's "special user" warning)
# and one to run the commands as.
user=daemon
runner=nobody
id "$user" >/dev/null 2>&1 || fail "no '$user' account on this system"
id "$runner" >/dev/null 2>&1 || fail "no '$runner' account on this system"

# --- The unit -----------------------------------------------------------------------------
unitdir="$work/units"
mkdir "$unitdir"
(cd "$station" && "$bin" service setup --print --user "$user") >"$unitdir/opensensor.service" 2>"$work/print.err" \
    || fail "service setup --print: $(cat "$work/print.err")"
unit="$unitdir/opensensor.service"
for line in 'Type=notify' 'NotifyAccess=main' 'Restart=always' 'WatchdogSec=60' 'ProtectSystem=strict' \
    'NoNewPrivileges=yes' 'PrivateTmp=yes' 'DevicePolicy=closed' 'DeviceAllow=/dev/i2c-1 rw' \
    'DeviceAllow=char-gpiochip rw' "User=$user" "WorkingDirectory=$work/my station 100%%" \
    "ExecStart=\"$work/my station 100%%/bin dir/opensensor\" start --env-file \"$work/my station 100%%/.env\"" \
    "ReadWritePaths=\"-$work/my station 100%%/out put\" \"-$work/my station 100%%/out put-health\" \"-$work/my station 100%%/logs\""; do
    grep -qxF -- "$line" "$unit" || { cat "$unit" >&2; fail "the unit lacks the line: $line"; }
done
ok "the unit has the expected settings and quoting"

# verify loads the unit as systemd would (quoting, paths, the binary being executable) and
# reports problems as "opensensor.service: …" or "<file>:<line>: …"; other units' noise in a
# container is not ours to judge, so only lines naming our unit count.
set +e
SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no "$unit" >"$work/verify.log" 2>&1
status=$?
set -e
if grep -E 'opensensor\.service' "$work/verify.log" >&2; then
    cat "$unit" >&2
    fail "systemd-analyze verify reported on our unit (exit status $status)"
fi
if ((status != 0)); then
    cat "$work/verify.log" >&2
    fail "systemd-analyze verify exited with status $status"
fi
ok "systemd-analyze verify passes with nothing to say about the unit"

# --- The sandbox's exposure ----------------------------------------------------------------
# systemd-analyze security rates a unit from 0 (locked down) to 10 (fully exposed). What is left
# is what the collector needs: the network for sync, its devices, supplementary groups, the
# clock's state, a read-only home.
bound=2.5
score_of() {  # score_of <unit file>: the overall exposure, e.g. 2.1
    SYSTEMD_LOG_LEVEL=notice systemd-analyze security --offline=true --no-pager "$1" 2>&1 \
        | sed -n 's/^→ Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p'
}
score=$(score_of "$unit")
[[ -n $score ]] || { SYSTEMD_LOG_LEVEL=notice systemd-analyze security --offline=true --no-pager "$unit" >&2 || true; fail "systemd-analyze security gave no score"; }
awk -v s="$score" -v b="$bound" 'BEGIN { exit !(s <= b) }' \
    || { SYSTEMD_LOG_LEVEL=notice systemd-analyze security --offline=true --no-pager "$unit" >&2 || true; fail "exposure $score is above $bound"; }
# The same unit without the system call, address family and capability limits scores worse.
mkdir "$unitdir/loose"
grep -vE '^(SystemCallFilter|RestrictAddressFamilies|CapabilityBoundingSet|MemoryDenyWriteExecute|RestrictNamespaces|ProtectKernelLogs)=' \
    "$unit" >"$unitdir/loose/opensensor.service"
loose=$(score_of "$unitdir/loose/opensensor.service")
awk -v s="$loose" -v b="$bound" 'BEGIN { exit !(s > b) }' || fail "a unit without the sandbox scored $loose, within the bound $bound: the check cannot fail"
ok "systemd-analyze security: exposure $score (bound $bound; $loose without the sandbox's limits)"

if [[ -z ${OPENSENSOR_SERVICE_SKIP_RUNTIME:-} ]]; then  # run-clone-tmp.sh skips the runtime checks
# --- What the collector does fits the sandbox ------------------------------------------------
# The filters bite only under systemd, so the collector runs under strace here — simulated
# board, health metrics, batch files at --speed, sync to a closed loopback port — and every
# system call must be in the unit's SystemCallFilter= (its groups expanded by systemd-analyze),
# every socket family in RestrictAddressFamilies=, no mapping writable and executable at once
# (MemoryDenyWriteExecute=). A call outside the filter would fail with EPERM under systemd.
if ! command -v strace >/dev/null && [[ $(id -u) == 0 ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends strace >/dev/null || fail "apt-get install strace"
fi
command -v strace >/dev/null || fail "strace is missing (run: sudo apt-get install strace)"
mkdir "$work/traced"
(
    cd "$work/traced"
    export OPENSENSOR_STATION_ID=0190a3c4-7e2b-7c1d-9a2b-3c4d5e6f7a8b OPENSENSOR_LOG_LEVEL=ERROR \
        OPENSENSOR_WARMUP_READINGS=0 OPENSENSOR_SYNC_ENABLED=true OPENSENSOR_SYNC_INTERVAL_MINUTES=15 \
        OPENSENSOR_STORAGE_PROVIDER=minio OPENSENSOR_STORAGE_ENDPOINT=http://127.0.0.1:9 OPENSENSOR_STORAGE_BUCKET=b \
        OPENSENSOR_AWS_ACCESS_KEY_ID=k OPENSENSOR_AWS_SECRET_ACCESS_KEY=s
    # sd_notify's socket too (nobody listens: a notification is advisory).
    export NOTIFY_SOCKET=$work/traced/notify.sock
    exec strace -f -qq -o "$work/strace.log" -- "$bin" start --simulate --speed 120 --start 2025-06-01T00:00:00Z
) >"$work/traced.out" 2>&1 &
tracer=$!
for _ in $(seq 100); do [[ -s $work/strace.log ]] && break; sleep 0.1; done
collector=$(awk 'NR == 1 { print $1 }' "$work/strace.log")
[[ $collector =~ ^[0-9]+$ ]] || fail "strace did not start the collector: $(cat "$work/traced.out")"
sleep 12
kill -TERM "$collector"
wait "$tracer" || { cat "$work/traced.out" >&2; fail "the collector under strace did not exit 0 on SIGTERM"; }
find "$work/traced/output" -name '*.parquet' | grep -q . || fail "the traced collector wrote no batch file"
sed -n 's/^SystemCallFilter=//p; s/^RestrictAddressFamilies=/families: /p' "$unit" >"$work/sandbox.txt"
SYSTEMD_LOG_LEVEL=notice systemd-analyze syscall-filter --no-pager >"$work/groups.txt" 2>"$work/groups.err" \
    || fail "systemd-analyze syscall-filter: $(cat "$work/groups.err")"
"${PEERS_PYTHON:-python3}" - "$work/strace.log" "$work/sandbox.txt" "$work/groups.txt" <<'PYEOF' || fail "the collector does what its sandbox forbids"
import re, sys
log, sandbox, groups_file = sys.argv[1:4]
groups, current = {}, None
for line in open(groups_file):
    if line.startswith("@"):
        current = groups.setdefault(line.strip(), set())
    elif current is not None and line.strip() and not line.strip().startswith("#"):
        current.add(line.strip())
def expand(name, seen=()):
    if not name.startswith("@"):
        return {name}
    assert name in groups, f"unknown group {name}"
    return set().union(*(expand(m, seen + (name,)) for m in groups[name] if m not in seen))
allowed, families = set(), set()
for line in open(sandbox):
    if line.startswith("families: "):
        families |= set(line.split()[1:])
    else:
        for word in line.split():
            allowed |= expand(word)
calls, used_families, wx = {}, set(), []
for line in open(log):
    m = re.match(r"\d+\s+(?:<\.\.\. )?([a-z0-9_]+)[( ]", line)
    if not m:
        continue
    name = m.group(1)
    calls[name] = calls.get(name, 0) + 1
    f = re.match(r"\d+\s+socket(?:pair)?\((AF_[A-Z0-9]+)", line)
    if f:
        used_families.add(f.group(1))
    if re.match(r"\d+\s+(mmap|mprotect|pkey_mprotect)\(", line) and "PROT_WRITE" in line and "PROT_EXEC" in line:
        wx.append(line.strip())
calls.pop("execve", None)  # systemd itself starts the binary
outside = sorted(c for c in calls if c not in allowed)
bad_families = sorted(used_families - families)
for what, items in (("system calls outside SystemCallFilter=", outside), ("socket families outside RestrictAddressFamilies=", bad_families), ("writable and executable mappings", wx[:5])):
    if items:
        print(f"run-service: {what}: {items}", file=sys.stderr)
# The health metrics' clock state and interface list, sd_notify and sync were exercised.
exercised = [c for c in ("adjtimex", "clock_adjtime") if c in calls]
if not exercised or not {"AF_NETLINK", "AF_UNIX", "AF_INET"} <= used_families:
    print(f"run-service: the trace lacks the clock state ({exercised}) or a family of netlink, sd_notify and sync ({sorted(used_families)}): not all exercised", file=sys.stderr)
    sys.exit(1)
if outside or bad_families or wx:
    sys.exit(1)
print(f"run-service: strace: {len(calls)} distinct system calls ({sum(calls.values())} in all), families {sorted(used_families)}: all within the sandbox")
PYEOF
ok "everything the collector did under strace is allowed by the unit's sandbox"
fi

# A unit systemd would reject must fail the same check (the check can fail).
mkdir "$unitdir/broken"
sed 's/^Type=notify$/Type=notifyy/' "$unit" >"$unitdir/broken/opensensor.service"
SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no "$unitdir/broken/opensensor.service" >"$work/verify-broken.log" 2>&1 || true
grep -q 'opensensor.service' "$work/verify-broken.log" || fail "systemd-analyze verify did not notice Type=notifyy"
ok "a broken unit is caught by the same check"

# --- fix-permissions --dry-run ------------------------------------------------------------
(cd "$station" && "$bin" fix-permissions --dry-run --user "$user") >"$work/fix.out" 2>&1 \
    || { cat "$work/fix.out" >&2; fail "fix-permissions --dry-run exited non-zero"; }
for group in i2c dialout gpio; do
    grep -q "'$group'" "$work/fix.out" || { cat "$work/fix.out" >&2; fail "fix-permissions --dry-run does not name the group $group"; }
done
grep -q 'Dry run: nothing was changed' "$work/fix.out" || fail "fix-permissions --dry-run does not say it changed nothing"
grep -qE '^  \[(ok|PROBLEM|unknown)\] I2C' "$work/fix.out" || fail "fix-permissions --dry-run does not report I2C"
ok "fix-permissions --dry-run names i2c, dialout and gpio and changes nothing"

# --- A serial device whose name is udev syntax ----------------------------------------------
# fix-permissions writes the serial port's kernel name (realpath's last part) into KERNEL=="…"
# of a rule run as root. A file named like this once closed the quotes and added a rule of its
# own giving /dev/sda to everyone; now only a character device directly under /dev named like
# ttyS0 is accepted, and anything else stops the command, dry run included.
mkdir "$work/evil"
names=('ttyX", KERNEL=="sda", MODE="0666' $'ttyX"\nKERNEL=="sda", MODE="0666"\n#')
for i in 0 1; do
    touch "$work/evil/${names[$i]}"
    ln -s "$work/evil/${names[$i]}" "$work/evil/serial$i"
    for device in "$work/evil/${names[$i]}" "$work/evil/serial$i"; do
        set +e
        (cd "$station" && OPENSENSOR_PMS5003_DEVICE=$device "$bin" fix-permissions --dry-run --user "$user") >"$work/evil.out" 2>&1
        code=$?
        set -e
        # Messages show such a name quoted and escaped; a rule line ("| …") must not hold it.
        if grep -q 'KERNEL=="sda"' "$work/evil.out" || grep -qE '^ *\| .*ttyX' "$work/evil.out" || grep -q '^KERNEL' "$work/evil.out"; then
            cat "$work/evil.out" >&2
            fail "fix-permissions --dry-run put the file name of $device into a udev rule"
        fi
        ((code != 0)) || { cat "$work/evil.out" >&2; fail "fix-permissions --dry-run accepted $device (exit 0)"; }
        grep -q 'refusing to go on: .*not a character device' "$work/evil.out" \
            || { cat "$work/evil.out" >&2; fail "fix-permissions --dry-run did not say why it refused $device"; }
    done
done
ok "fix-permissions refuses serial devices named with udev syntax (a file and a link to it; no rule written from them)"
# The same path to a real serial port is accepted; a link to it too (udev matches the target).
if [[ -c /dev/ttyS0 ]]; then
    ln -s /dev/ttyS0 "$work/serial-link"
    for device in /dev/ttyS0 "$work/serial-link"; do
        (cd "$station" && OPENSENSOR_PMS5003_DEVICE=$device "$bin" fix-permissions --dry-run --user "$user") >"$work/good.out" 2>&1 \
            || { cat "$work/good.out" >&2; fail "fix-permissions --dry-run refused the serial port $device"; }
        if [[ $(stat -c %G /dev/ttyS0) != dialout || $(( 8#$(stat -c %a /dev/ttyS0) & 8#060 )) != $(( 8#060 )) ]]; then
            grep -qF '| SUBSYSTEM=="tty", KERNEL=="ttyS0", GROUP="dialout", MODE="0660"' "$work/good.out" \
                || { cat "$work/good.out" >&2; fail "no udev rule for ttyS0 through $device"; }
        fi
    done
    ok "fix-permissions accepts /dev/ttyS0 and a link to it"
fi

# --- Setup refuses a binary under /tmp ------------------------------------------------------
# The service gets a private /tmp, where the binary would not exist: the refusal a checkout under
# /tmp used to meet by accident here, now on purpose.
cp "$OPENSENSOR_BIN" "$tmpstation/opensensor"
cp "$station/.env" "$tmpstation/.env"
expect_tmp_refusal() {
    set +e
    (cd "$tmpstation" && ./opensensor service setup --print --user "$user") >"$work/tmp.out" 2>&1
    local code=$?
    set -e
    ((code != 0)) || { cat "$work/tmp.out" >&2; fail "service setup --print accepted a binary under /tmp"; }
    grep -q "binary: '$tmpstation/opensensor' is under /tmp or /var/tmp, which PrivateTmp=yes replaces" "$work/tmp.out" \
        || { cat "$work/tmp.out" >&2; fail "service setup --print did not name the binary under /tmp"; }
}
expect_tmp_refusal
ok "service setup refuses a binary under /tmp, naming it"

# --- Refusals without root or without systemd ---------------------------------------------
as_user() {
    if [[ $(id -u) == 0 ]]; then
        setpriv --reuid="$runner" --regid="$(id -g "$runner")" --clear-groups -- "$@"
    else
        "$@"
    fi
}
expect_refusal() {  # expect_refusal <what> <pattern> <command…>
    local what=$1 pattern=$2
    shift 2
    set +e
    (cd "$station" && "$@") >"$work/refusal.out" 2>&1
    local code=$?
    set -e
    ((code != 0)) || { cat "$work/refusal.out" >&2; fail "$what exited 0"; }
    tr '\n' ' ' <"$work/refusal.out" | grep -qE -- "$pattern" || { cat "$work/refusal.out" >&2; fail "$what did not say: $pattern"; }
    ok "$what refuses (exit $code): $(head -c 100 "$work/refusal.out" | tr '\n' ' ')…"
}
if [[ -d /run/systemd/system ]]; then
    # systemd runs here: without root each command names the sudo command to run.
    expect_refusal "service setup as $runner" 'needs root.*sudo .*service setup --user' as_user "$bin" service setup --user "$user"
    expect_refusal "service stop as $runner" 'sudo .*service stop' as_user "$bin" service stop
    expect_refusal "service remove as $runner" 'sudo .*service remove' as_user "$bin" service remove
else
    # No systemd (a container): every command says so and what to run instead.
    expect_refusal "service setup as $(id -un)" 'not running systemd.*start --env-file' "$bin" service setup --user "$user"
    expect_refusal "service setup as $runner" 'not running systemd.*start --env-file' as_user "$bin" service setup --user "$user"
    expect_refusal "service status" 'not running systemd' "$bin" service status
    expect_refusal "service logs" 'not running systemd' "$bin" service logs
    expect_refusal "service stop" 'not running systemd.*kill -TERM' as_user "$bin" service stop
    expect_refusal "service restart" 'not running systemd' "$bin" service restart
    expect_refusal "service remove" 'not running systemd' "$bin" service remove
fi
# Without root, fix-permissions applies nothing: it names the sudo command (or has nothing to do).
if ! grep -A1 '^Changes:$' "$work/fix.out" | grep -q '^  none'; then
    expect_refusal "fix-permissions as $runner without --dry-run" 'needs root.*sudo .*fix-permissions --user' \
        as_user "$bin" fix-permissions --user "$user"
fi

if [[ -z ${OPENSENSOR_SERVICE_SKIP_RUNTIME:-} ]]; then
# --- The notify protocol, spoken by the collector -------------------------------------------
# `start` under a NOTIFY_SOCKET the test opens: READY=1 once the journal is open, WATCHDOG=1 while
# readings come in (at most every half WATCHDOG_USEC), STOPPING=1 on SIGTERM, then exit 0.
# WATCHDOG_USEC is 3 s against readings every second, so the rate limit shows: a beat on every
# other reading (about 2 s apart), never on every reading (1 s apart). The gaps are measured on
# arrival, so they carry the scheduling noise of a busy machine; 1.3 s leaves 0.3 s of it either
# way, where CI once saw a 1.0 s gap arrive as 0.84 s.
"${PEERS_PYTHON:-python3}" - "$OPENSENSOR_BIN" "$work" <<'PYEOF' || fail "sd_notify from start"
import os, signal, socket, subprocess, sys, time
binary, work = sys.argv[1], sys.argv[2]
path = os.path.join(work, "notify.sock")
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
sock.settimeout(0.2)
env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC="3000000", OPENSENSOR_LOG_LEVEL="ERROR",
           OPENSENSOR_STATION_ID="0190a3c4-7e2b-7c1d-9a2b-3c4d5e6f7a8b", OPENSENSOR_OUTPUT_DIR=os.path.join(work, "notify-out"),
           OPENSENSOR_READ_INTERVAL="1", OPENSENSOR_WARMUP_READINGS="0")
env.pop("WATCHDOG_PID", None)
proc = subprocess.Popen([binary, "start", "--simulate"], env=env, cwd=work)
messages, start = [], time.time()
while time.time() - start < 8:
    try:
        messages.append((time.time() - start, sock.recv(4096).decode()))
    except socket.timeout:
        pass
proc.send_signal(signal.SIGTERM)
end = time.time() + 10
while time.time() < end and proc.poll() is None:
    try:
        messages.append((time.time() - start, sock.recv(4096).decode()))
    except socket.timeout:
        pass
code = proc.wait(timeout=30)
try:
    while True:
        messages.append((time.time() - start, sock.recv(4096).decode()))
except (socket.timeout, BlockingIOError):
    pass
lines = [(t, l) for t, m in messages for l in m.split("\n") if l]
assert code == 0, f"start exited {code}"
assert any(l == "READY=1" for _, l in lines), lines
beats = [t for t, l in lines if l == "WATCHDOG=1"]
assert len(beats) >= 3, f"expected a heartbeat about every 2 s, got {beats}"
gaps = [b - a for a, b in zip(beats, beats[1:])]
assert all(g >= 1.3 for g in gaps), f"heartbeats closer than half the interval (1.5 s): {beats}"
assert all(g <= 3.3 for g in gaps), f"a gap longer than WATCHDOG_USEC (3 s): {beats}"
assert any(l == "STOPPING=1" for _, l in lines), lines
print(f"run-service: notify: READY=1, {len(beats)} heartbeats in 8 s at WATCHDOG_USEC=3 s, STOPPING=1")
PYEOF
fi

ok "all service checks passed"
