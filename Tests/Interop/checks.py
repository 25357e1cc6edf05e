"""The tally every interop check script keeps: `check` counts a pass or prints the failure and
goes on (one run shows every failure, not the first); `finish` prints the closing
`N passed, M failed` line and exits 1 on any failure. Scripts import it with
`sys.path.insert(0, <Tests/Interop>)`."""
import sys

passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {what}", flush=True)
    return ok


def finish(label=""):
    print(f"{label}{passed} passed, {failed} failed", flush=True)
    sys.exit(1 if failed else 0)
