#!/usr/bin/env bash
# Our Parquet, read by pyarrow, DuckDB, polars and fastparquet (docs/ARCHITECTURE.md §2 reader contract).
set -euo pipefail
: "${OPENSENSOR_BIN:?run through scripts/test}" "${PEERS_PYTHON:?run through scripts/test}" "${OPENSENSOR_REPO:?}"
work=$(mktemp -d /tmp/opensensor-parquet.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$PEERS_PYTHON" "$OPENSENSOR_REPO/Tests/Interop/parquet/check_readers.py" "$OPENSENSOR_BIN" \
    "$OPENSENSOR_REPO/Tests/ParquetTests/Fixtures" "$work"
