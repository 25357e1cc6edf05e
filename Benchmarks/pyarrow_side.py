"""The pyarrow side of the Parquet benchmark: the Python collector's way of writing a batch
(a Float32 polars frame with a UTC millisecond timestamp, write_parquet(..., statistics=True,
use_pyarrow=True)), CPU time per write excluding CSV parsing. Prints one JSON line per case."""
import json, sys, time
import polars as pl

csv_path, out_dir, iterations = sys.argv[1], sys.argv[2], int(sys.argv[3])
name = csv_path.rsplit("/", 1)[-1].removesuffix(".csv")
df = pl.read_csv(csv_path)
df = df.with_columns(pl.col("timestamp").str.to_datetime("%Y-%m-%dT%H:%M:%S%.3fZ", time_unit="ms", time_zone="UTC"))
df = df.with_columns([pl.col(c).cast(pl.Float32) for c in df.columns if c != "timestamp"])
for codec in ["snappy", "zstd", "gzip", "uncompressed"]:
    out = f"{out_dir}/{name}.{codec}.pyarrow.parquet"
    samples = []
    for _ in range(iterations):
        t0 = time.process_time()
        df.write_parquet(out, compression=codec, statistics=True, use_pyarrow=True)
        samples.append(time.process_time() - t0)
    samples.sort()
    import os
    print(json.dumps({"file": name, "codec": "none" if codec == "uncompressed" else codec, "bytes": os.path.getsize(out),
                      "cpu_ms": samples[len(samples) // 2] * 1000, "iterations": iterations}))
