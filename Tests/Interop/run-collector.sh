#!/usr/bin/env bash
# The collector under kill -9 and SIGTERM, its lake read by pyarrow and DuckDB (docs/ARCHITECTURE.md §4).
set -euo pipefail
: "${OPENSENSOR_BIN:?run through scripts/test}" "${PEERS_PYTHON:?run through scripts/test}" "${OPENSENSOR_REPO:?}"
work=$(mktemp -d /tmp/opensensor-collector.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$PEERS_PYTHON" "$OPENSENSOR_REPO/Tests/Interop/collector/crash_test.py" "$OPENSENSOR_BIN" "$work" 8
