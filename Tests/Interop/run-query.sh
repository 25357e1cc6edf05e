#!/usr/bin/env bash
# `opensensor query` against DuckDB on a simulated lake: the same questions, the same answers.
# See query/check_duckdb.py for the questions and the tolerances.
set -euo pipefail
: "${OPENSENSOR_BIN:?run through scripts/test}" "${PEERS_PYTHON:?run through scripts/test}" "${OPENSENSOR_REPO:?}"
work=$(mktemp -d /tmp/opensensor-query.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$PEERS_PYTHON" "$OPENSENSOR_REPO/Tests/Interop/query/check_duckdb.py" "$OPENSENSOR_BIN" "$work"
