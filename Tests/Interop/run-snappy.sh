#!/usr/bin/env bash
# Cross-checks the Snappy target with the Python peers (python-snappy, cramjam, pyarrow's codec).
# The release binary has no Snappy command, so the exchange goes through a folder:
#   1. snappy/peers.py writes <case>.raw inputs and each peer's <case>.<peer>.snappy blocks;
#   2. the Swift test suite SnappyInterop (enabled by OPENSENSOR_SNAPPY_INTEROP_DIR) decompresses
#      every peer block, compares it with the input, and writes <case>.swift.snappy;
#   3. snappy/peers.py decompresses every Swift block with every peer and compares bytes.
# Needs OPENSENSOR_REPO and PEERS_PYTHON (set by scripts/test). SCRATCH picks the build folder
# (default: $OPENSENSOR_REPO/.build, the one scripts/test builds); PACKAGE the package to test
# (default: $OPENSENSOR_REPO).
set -euo pipefail

fail() { printf 'run-snappy: FAILED: %s\n' "$*" >&2; exit 1; }

[[ -n ${OPENSENSOR_REPO:-} ]] || fail "OPENSENSOR_REPO is not set (run through scripts/test)"
[[ -n ${PEERS_PYTHON:-} && -x ${PEERS_PYTHON:-} ]] || fail "PEERS_PYTHON is not set to a python (run through scripts/test)"
SCRATCH=${SCRATCH:-$OPENSENSOR_REPO/.build}
PACKAGE=${PACKAGE:-$OPENSENSOR_REPO}
HERE=$(cd "$(dirname "$0")" && pwd)

"$PEERS_PYTHON" -c 'import snappy, cramjam, pyarrow' \
    || fail "python-snappy, cramjam or pyarrow missing from $PEERS_PYTHON (see Tests/Interop/requirements.txt)"

WORK=$(mktemp -d /tmp/opensensor-snappy.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

"$PEERS_PYTHON" "$HERE/snappy/peers.py" write "$WORK" || fail "peers.py write"

log=$WORK/swift-test.log
if ! (cd "$PACKAGE" && OPENSENSOR_SNAPPY_INTEROP_DIR=$WORK \
        swift test --scratch-path "$SCRATCH" --filter SnappyInterop) >"$log" 2>&1; then
    cat "$log" >&2
    fail "swift test --filter SnappyInterop"
fi
# A filter that matches nothing passes vacuously: insist the suite ran.
grep -q '^SnappyInterop: decoded' "$log" || { cat "$log" >&2; fail "the SnappyInterop suite did not run"; }
grep '^SnappyInterop:' "$log"
grep -E 'Test run with' "$log" || true

"$PEERS_PYTHON" "$HERE/snappy/peers.py" check "$WORK" || fail "peers could not decompress our blocks"
echo "run-snappy: ok"
