"""The pyarrow side of the day-file benchmark (Benchmarks/run-parquet.sh): the same day of
readings, with the Python collector's types (Float32, UTC millisecond timestamps), written

- "same": with the encodings and row groups of our day file, column by column, zstd at our
  level: pyarrow doing the same work, for the CPU comparison;
- "best": pyarrow at its best, BYTE_STREAM_SPLIT for every float, DELTA_BINARY_PACKED
  timestamps, zstd 3, one row group (the reference of the size goal).

CPU is process time per write, CSV parsing excluded, the median of ITERATIONS writes.
Prints one JSON line per case.

Usage: pyarrow_day.py CSV OUR_DAY_FILE OUTPUT_DIR ITERATIONS ZSTD_LEVEL
"""
import json, os, sys, time
import polars as pl
import pyarrow.parquet as pq

csv_path, ours, out_dir, iterations, level = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
name = csv_path.rsplit("/", 1)[-1].removesuffix(".csv")
df = pl.read_csv(csv_path)
df = df.with_columns(pl.col("timestamp").str.to_datetime("%Y-%m-%dT%H:%M:%S%.3fZ", time_unit="ms", time_zone="UTC"))
df = df.with_columns([pl.col(c).cast(pl.Float32) for c in df.columns if c != "timestamp"])
table = df.to_arrow()

meta = pq.ParquetFile(ours).metadata
assert meta.schema.names == table.column_names, (meta.schema.names, table.column_names)
groups = [meta.row_group(g).num_rows for g in range(meta.num_row_groups)]
assert sum(groups) == table.num_rows, (groups, table.num_rows)
dictionary, encoding = [], {}
for i, column in enumerate(table.column_names):
    used = set(meta.row_group(0).column(i).encodings)
    if "RLE_DICTIONARY" in used or "PLAIN_DICTIONARY" in used:
        dictionary.append(column)
    else:
        encoding[column] = next(e for e in ("BYTE_STREAM_SPLIT", "DELTA_BINARY_PACKED", "PLAIN") if e in used)


def write_same(path):
    with pq.ParquetWriter(path, table.schema, compression="zstd", compression_level=level,
                          use_dictionary=dictionary, column_encoding=encoding, write_statistics=True) as w:
        start = 0
        for rows in groups:
            w.write_table(table.slice(start, rows), row_group_size=rows)
            start += rows


floats = [c for c in table.column_names if c != "timestamp"]


def write_best(path):
    pq.write_table(table, path, compression="zstd", compression_level=3, use_dictionary=False,
                   column_encoding={"timestamp": "DELTA_BINARY_PACKED", **{c: "BYTE_STREAM_SPLIT" for c in floats}},
                   row_group_size=table.num_rows)


for case, write in (("same", write_same), ("best", write_best)):
    path = f"{out_dir}/{name}.day-{case}.pyarrow.parquet"
    samples = []
    for _ in range(iterations):
        t0 = time.process_time()
        write(path)
        samples.append(time.process_time() - t0)
    samples.sort()
    check = pq.ParquetFile(path).metadata
    if case == "same":
        assert [check.row_group(g).num_rows for g in range(check.num_row_groups)] == groups
    print(json.dumps({"file": name, "case": case, "bytes": os.path.getsize(path),
                      "cpu_ms": samples[len(samples) // 2] * 1000, "iterations": iterations,
                      "row_groups": check.num_row_groups}))
