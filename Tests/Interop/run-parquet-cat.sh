#!/usr/bin/env bash
# `opensensor parquet cat` against pyarrow: cat of pyarrow's files equals pyarrow's values, and
# cat → CSV → `parquet write` of our files reads back to the same values.
set -euo pipefail
: "${OPENSENSOR_BIN:?run through scripts/test}" "${PEERS_PYTHON:?run through scripts/test}" "${OPENSENSOR_REPO:?}"
work=$(mktemp -d /tmp/opensensor-parquet-cat.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$PEERS_PYTHON" "$OPENSENSOR_REPO/Tests/Interop/parquet/check_cat.py" "$OPENSENSOR_BIN" \
    "$OPENSENSOR_REPO/Tests/ParquetTests/Fixtures" "$work"
