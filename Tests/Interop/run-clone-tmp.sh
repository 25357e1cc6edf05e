#!/usr/bin/env bash
# scripts/test must pass wherever the repository is cloned, /tmp included. The service test is
# the one that cares where things are (the unit's PrivateTmp=yes hides /tmp, and setup refuses
# paths there), so this runs it from a copy of the checkout under /tmp, with the binary where
# such a clone builds it (.build/release), exactly as scripts/test in that clone would. No Swift
# is built: the binary is the one scripts/test just built. The collector's runtime checks
# (strace, sd_notify) do not depend on the checkout's location and already ran in run-service.sh,
# so they are skipped here to keep this fast.
set -euo pipefail
: "${OPENSENSOR_BIN:?run through scripts/test}" "${OPENSENSOR_REPO:?}"
fail() { printf 'run-clone-tmp: FAILED: %s\n' "$*" >&2; exit 1; }

clone=$(mktemp -d /tmp/opensensor-clone.XXXXXX)
trap 'rm -rf "$clone"' EXIT
case $(realpath "$clone")/ in /tmp/*) ;; *) fail "$clone does not resolve under /tmp" ;; esac
mkdir -p "$clone/Tests/Interop" "$clone/.build/release"
cp "$OPENSENSOR_REPO/Tests/Interop/run-service.sh" "$clone/Tests/Interop/"
cp "$OPENSENSOR_BIN" "$clone/.build/release/opensensor"

OPENSENSOR_REPO=$clone OPENSENSOR_BIN=$clone/.build/release/opensensor OPENSENSOR_SERVICE_SKIP_RUNTIME=1 \
    bash "$clone/Tests/Interop/run-service.sh" || fail "run-service.sh from a checkout under /tmp ($clone)"
printf 'run-clone-tmp: ok: the service test passes from a checkout under /tmp\n'
