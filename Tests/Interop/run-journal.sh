#!/usr/bin/env bash
# A damaged journal costs only its damaged record, against the release binary
# (Tests/Interop/collector/journal_damage.py).
set -euo pipefail
: "${OPENSENSOR_BIN:?run through scripts/test}" "${PEERS_PYTHON:?run through scripts/test}" "${OPENSENSOR_REPO:?}"
work=$(mktemp -d /tmp/opensensor-journal.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$PEERS_PYTHON" "$OPENSENSOR_REPO/Tests/Interop/collector/journal_damage.py" "$OPENSENSOR_BIN" "$work"
