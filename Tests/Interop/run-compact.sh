#!/usr/bin/env bash
# `opensensor compact` with pyarrow, DuckDB and polars: day files read exactly, the same hourly
# answers over the raw and the daily lake, `query` byte-identical, kill -9 then a rerun. See
# compact/check_compact.py.
set -euo pipefail
: "${OPENSENSOR_BIN:?run through scripts/test}" "${PEERS_PYTHON:?run through scripts/test}" "${OPENSENSOR_REPO:?}"
work=$(mktemp -d /tmp/opensensor-compact.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$PEERS_PYTHON" "$OPENSENSOR_REPO/Tests/Interop/compact/check_compact.py" "$OPENSENSOR_BIN" "$work"
