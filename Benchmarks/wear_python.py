"""The Python collector's side of the SD-card wear benchmark (Benchmarks/run-wear.sh): its
disk pattern is one Parquet file per 15-minute batch and nothing else — readings are kept in
memory until then, and the file is written the way it writes it: a Float32 polars frame with a
UTC millisecond timestamp, write_parquet(final path, compression, statistics=True,
use_pyarrow=True), no temporary name, no fsync.

The rows are the simulated station's own batches (`opensensor simulate` output), so both sides
store the same readings.

    wear_python.py prepare SRC DEST          create DEST's day folder (as 95 of 96 batches find it)
    wear_python.py spaced SRC DEST N GAP     write N batches GAP seconds apart, then wait GAP
    wear_python.py all SRC DEST              write every batch of SRC back to back

Prints one JSON line: files written, their bytes, rows per file.
"""
import glob, json, os, sys, time

import polars as pl
import pyarrow.parquet as pq


def batches(src):
    files = sorted(glob.glob(f"{src}/station=*/year=*/month=*/day=*/data_*.parquet"))
    if not files:
        sys.exit(f"wear_python.py: no batch files data_*.parquet under {src} (expected 'opensensor simulate' output)")
    return files


def destination(src_file, src, dest):
    return os.path.join(dest, os.path.relpath(src_file, src))


def frame(path):
    df = pl.from_arrow(pq.read_table(path))
    return df.with_columns([pl.col(c).cast(pl.Float32) for c in df.columns if c != "timestamp"])


def write(df, out, compression):
    df.write_parquet(out, compression=compression, statistics=True, use_pyarrow=True)


def main():
    mode, src, dest = sys.argv[1], sys.argv[2], sys.argv[3]
    compression = os.environ.get("WEAR_PY_COMPRESSION", "zstd")  # the Python collector's default
    files = batches(src)
    if mode == "prepare":
        for f in files:
            os.makedirs(os.path.dirname(destination(f, src, dest)), exist_ok=True)
        return
    if mode == "spaced":
        count, gap = int(sys.argv[4]), float(sys.argv[5])
        chosen = files[:count]
    elif mode == "all":
        gap, chosen = 0.0, files
    else:
        sys.exit(f"wear_python.py: unknown mode '{mode}' (expected prepare, spaced or all)")
    # Frames are built before the first write so that reading the source costs nothing on the
    # measured device (the source is elsewhere anyway) and writes are evenly spaced.
    frames = [(frame(f), destination(f, src, dest)) for f in chosen]
    written, rows = 0, []
    for i, (df, out) in enumerate(frames):
        if i and gap:
            time.sleep(gap)
        write(df, out, compression)
        written += os.path.getsize(out)
        rows.append(df.height)
    if gap:
        time.sleep(gap)  # the last file's commit (5 s) and writeback (30 s) reach the device
    print(json.dumps({"files": len(frames), "bytes": written, "gap_s": gap, "rows_min": min(rows), "rows_max": max(rows),
                      "compression": compression}))


if __name__ == "__main__":
    main()
