"""The Python half of run-snappy.sh: writes inputs and the peers' Snappy blocks, then checks ours.

  peers.py write DIR   writes <case>.raw and <case>.<peer>.snappy for every case and peer
  peers.py check DIR   decompresses every <case>.swift.snappy with every peer; exits 1 on mismatch

Peers: python-snappy and cramjam (both wrap the Rust `snap` crate in current releases) and
pyarrow's codec (Arrow's C++ build of the upstream Snappy library), so the reference
implementation itself checks our output too.
"""
import math
import os
import random
import struct
import sys

import cramjam
import pyarrow
import snappy


def pyarrow_compress(data):
    return pyarrow.compress(data, codec="snappy", asbytes=True)


def pyarrow_decompress(block, size):
    return pyarrow.decompress(block, decompressed_size=size, codec="snappy", asbytes=True)


COMPRESSORS = {
    "pysnappy": snappy.compress,
    "cramjam": lambda data: bytes(cramjam.snappy.compress_raw(data)),
    "pyarrow": pyarrow_compress,
}

DECOMPRESSORS = {
    "pysnappy": lambda block, size: snappy.decompress(block),
    "cramjam": lambda block, size: bytes(cramjam.snappy.decompress_raw(block)),
    "pyarrow": pyarrow_decompress,
}

SIZES = [0, 1, 2, 3, 4, 15, 16, 17, 60, 61, 255, 256, 65535, 65536, 65537, 1 << 20]
WORDS = b"the station reads temperature pressure humidity every five seconds and writes parquet".split()


def random_bytes(n, seed):
    return random.Random(seed).randbytes(n)


def repetitive(n, seed):
    rng = random.Random(seed)
    out = bytearray()
    while len(out) < n:
        pattern = rng.randbytes(rng.randint(1, 12))
        out += (pattern * (400 // len(pattern) + 1))[: rng.randint(1, 400)]
    return bytes(out[:n])


def text(n, seed):
    rng = random.Random(seed)
    out = bytearray()
    while len(out) < n:
        out += rng.choice(WORDS) + (b"\n" if rng.random() < 0.08 else b" ")
    return bytes(out[:n])


def sensor_floats(values, seed):
    rng = random.Random(seed)
    floats = [round(20 + 5 * math.sin(i / 2000) + rng.randint(-3, 3) * 0.01, 2) for i in range(values)]
    return struct.pack(f"<{values}f", *floats)


def csv_fixture_cases():
    """The 180-row sensor CSV, as text and as float32 columns (the shape of Parquet pages)."""
    path = os.path.join(os.environ.get("OPENSENSOR_REPO", "."), "Tests/ParquetTests/Fixtures/readings-180.csv")
    if not os.path.exists(path):
        print(f"note: {path} not found; the fixture cases are left out")
        return {}
    with open(path, "rb") as f:
        raw = f.read()
    rows = [line.split(b",") for line in raw.splitlines()[1:] if line]
    columns = bytearray()
    for column in range(1, len(rows[0])):
        for row in rows:
            columns += struct.pack("<f", float(row[column]) if row[column] else math.nan)
    return {"readings180-csv": raw, "readings180-float32": bytes(columns)}


def cases():
    result = {}
    for n in SIZES:
        result[f"random-{n}"] = random_bytes(n, n + 1)
        result[f"repetitive-{n}"] = repetitive(n, n + 7)
        result[f"text-{n}"] = text(n, 42)
    for values in (180, 17280):
        result[f"sensor-{values}"] = sensor_floats(values, 5)
    result["zeros-200000"] = bytes(200000)
    result.update(csv_fixture_cases())
    return result


def write(folder):
    count = 0
    for name, data in cases().items():
        with open(os.path.join(folder, f"{name}.raw"), "wb") as f:
            f.write(data)
        for peer, compress in COMPRESSORS.items():
            with open(os.path.join(folder, f"{name}.{peer}.snappy"), "wb") as f:
                f.write(compress(data))
            count += 1
    print(f"peers.py: wrote {len(cases())} inputs and {count} peer blocks to {folder}")


def check(folder):
    passed = failed = 0
    ours_total = theirs_total = 0
    names = sorted(n[: -len(".raw")] for n in os.listdir(folder) if n.endswith(".raw"))
    if not names:
        print(f"peers.py: FAILED: no *.raw files in {folder}")
        return 1
    for name in names:
        with open(os.path.join(folder, f"{name}.raw"), "rb") as f:
            raw = f.read()
        ours_path = os.path.join(folder, f"{name}.swift.snappy")
        if not os.path.exists(ours_path):
            print(f"FAIL {name}: the Swift side wrote no {name}.swift.snappy")
            failed += len(DECOMPRESSORS)
            continue
        with open(ours_path, "rb") as f:
            ours = f.read()
        ours_total += len(ours)
        theirs_total += len(COMPRESSORS["pyarrow"](raw))
        for peer, decompress in DECOMPRESSORS.items():
            try:
                result = decompress(ours, len(raw))
            except Exception as error:  # any peer error is a mismatch to report
                print(f"FAIL {name}: {peer} cannot decompress ours: {error}")
                failed += 1
                continue
            if result == raw:
                passed += 1
            else:
                print(f"FAIL {name}: {peer} decompresses ours to {len(result)} bytes that differ from the input")
                failed += 1
    print(f"peers.py: our blocks total {ours_total} bytes, upstream Snappy's {theirs_total} bytes")
    print(f"peers.py: {passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("write", "check"):
        sys.exit(__doc__)
    sys.exit(write(sys.argv[2]) if sys.argv[1] == "write" else check(sys.argv[2]))
