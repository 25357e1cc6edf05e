"""Writes the reader's test fixtures: Parquet files in many layouts, written by pyarrow (and one
by polars the way the Python collector writes its batches), with the exact values each holds;
and a corpus of malformed files made by mutating good ones, with the error each must give.

Usage: make_fixtures.py [REPO]   (default: the repository this script lives in)
Writes Tests/ParquetTests/Fixtures/pyarrow/{*.parquet,expected.json} and
Tests/ParquetTests/Fixtures/malformed/{*.parquet,expected.json}. Deterministic: the same
pyarrow version writes the same bytes.

Values in expected.json: floats and doubles as their IEEE-754 bit patterns (so NaN, -0.0 and
float32 rounding compare exactly), timestamps as integers in the column's unit, null as null.
"""
import json, math, os, random, struct, sys
from datetime import datetime, timezone

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

REPO = sys.argv[1] if len(sys.argv) > 1 else os.path.abspath(os.path.join(os.path.dirname(__file__), "../../.."))
OUT = os.path.join(REPO, "Tests/ParquetTests/Fixtures/pyarrow")
BAD = os.path.join(REPO, "Tests/ParquetTests/Fixtures/malformed")
os.makedirs(OUT, exist_ok=True)
os.makedirs(BAD, exist_ok=True)

STRINGS = ["", "a", "plain", "with,comma", 'with "quotes"', "line\nbreak", "crlf\r\nend", "üñíçødé ✓", "  spaces  ", "NaN", "null"]


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def table(rows, seed, required=True):
    rnd = random.Random(seed)

    def maybe(v, p=0.15):
        return None if rnd.random() < p else v

    specials32 = [float("nan"), float("inf"), float("-inf"), -0.0, 0.0, 1e-45, 3.4028234663852886e38, 0.1]
    specials64 = [float("nan"), float("inf"), float("-inf"), -0.0, 5e-324, 1.7976931348623157e308, 0.1, 1 / 3]
    base_ms = 1_748_736_000_000
    cols = {
        "b": pa.array([maybe(rnd.random() < 0.5) for _ in range(rows)], pa.bool_()),
        "i32": pa.array([maybe(rnd.choice([rnd.randint(-2**31, 2**31 - 1), rnd.randint(-50, 50)])) for _ in range(rows)], pa.int32()),
        "i64": pa.array([maybe(rnd.choice([rnd.randint(-2**63, 2**63 - 1), rnd.randint(0, 1000)])) for _ in range(rows)], pa.int64()),
        "f32": pa.array([maybe(f32(rnd.choice(specials32) if rnd.random() < 0.1 else rnd.uniform(-100, 100))) for _ in range(rows)], pa.float32()),
        "f64": pa.array([maybe(rnd.choice(specials64) if rnd.random() < 0.1 else rnd.uniform(-1e6, 1e6)) for _ in range(rows)], pa.float64()),
        "s": pa.array([maybe(rnd.choice(STRINGS) if rnd.random() < 0.5 else f"v{rnd.randint(0, 40)}") for _ in range(rows)], pa.string()),
        "ts_ms": pa.array([maybe(base_ms + i * 5000 + rnd.randint(0, 99)) for i in range(rows)], pa.timestamp("ms", tz="UTC")),
        "ts_us": pa.array([maybe((base_ms + i * 5000) * 1000 + rnd.randint(0, 999)) for i in range(rows)], pa.timestamp("us", tz="UTC")),
        "ts_ns": pa.array([maybe((base_ms + i * 5000) * 1_000_000 + rnd.randint(0, 999_999)) for i in range(rows)], pa.timestamp("ns", tz="UTC")),
        "all_null": pa.array([None] * rows, pa.float32()),
    }
    fields = [pa.field(k, v.type) for k, v in cols.items()]
    arrays = list(cols.values())
    if required:
        fields += [pa.field("req_f32", pa.float32(), nullable=False), pa.field("req_i64", pa.int64(), nullable=False),
                   pa.field("req_s", pa.string(), nullable=False)]
        arrays += [pa.array([f32(rnd.uniform(0, 50)) for _ in range(rows)], pa.float32()),
                   pa.array([i * 7 - 300 for i in range(rows)], pa.int64()),
                   pa.array([f"r{i % 13}" for i in range(rows)], pa.string())]
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def expected_values(col, typ):
    out = []
    for v in col.to_pylist() if not pa.types.is_timestamp(typ) else col.cast(pa.int64()).to_pylist():
        if v is None:
            out.append(None)
        elif pa.types.is_float32(typ):
            out.append(struct.unpack("<I", struct.pack("<f", v))[0])
        elif pa.types.is_float64(typ):
            out.append(struct.unpack("<Q", struct.pack("<d", v))[0])
        else:
            out.append(v)
    return out


expected = {"files": {}, "tables": {}}


def record(name, path):
    """Reads `path` back with pyarrow and records its values and layout."""
    t = pq.read_table(path)
    meta = pq.ParquetFile(path).metadata
    encodings = sorted({e for g in range(meta.num_row_groups) for c in range(meta.num_columns)
                        for e in meta.row_group(g).column(c).encodings})
    columns = [{"name": f.name, "type": str(f.type), "optional": f.nullable, "values": expected_values(t.column(f.name), f.type)}
               for f in t.schema]
    # Files of the same table share one copy of its values, to keep the fixtures small.
    key = next((k for k, v in expected["tables"].items() if v == columns), name)
    expected["tables"][key] = columns
    expected["files"][name] = {"rows": t.num_rows, "row_groups": meta.num_row_groups, "encodings": encodings, "table": key}


def write(name, tab, **kw):
    path = os.path.join(OUT, name)
    pq.write_table(tab, path, **kw)
    record(name, path)
    return path


base = table(150, 1)
for codec in ["none", "snappy", "gzip", "zstd"]:
    write(f"types_{codec}.parquet", base, compression=codec)
write("types_nodict.parquet", base, compression="snappy", use_dictionary=False)
for codec in ["none", "snappy", "zstd", "gzip"]:
    write(f"v2_{codec}.parquet", base, compression=codec, data_page_version="2.0")
write("v2_nodict_rle_boolean.parquet", base, compression="snappy", data_page_version="2.0", use_dictionary=False,
      column_encoding={"b": "RLE"})
write("small_pages.parquet", table(300, 2), compression="snappy", data_page_size=256, write_batch_size=32)
write("small_pages_v2.parquet", table(300, 3), compression="zstd", data_page_size=256, write_batch_size=32, data_page_version="2.0")
write("row_groups.parquet", table(260, 4), compression="snappy", row_group_size=60)
write("byte_stream_split.parquet", base, compression="zstd", use_dictionary=False,
      column_encoding={"f32": "BYTE_STREAM_SPLIT", "f64": "BYTE_STREAM_SPLIT", "i32": "BYTE_STREAM_SPLIT",
                       "i64": "BYTE_STREAM_SPLIT", "req_f32": "BYTE_STREAM_SPLIT"})
write("delta.parquet", base, compression="snappy", use_dictionary=False,
      column_encoding={"i32": "DELTA_BINARY_PACKED", "i64": "DELTA_BINARY_PACKED", "ts_ms": "DELTA_BINARY_PACKED",
                       "ts_us": "DELTA_BINARY_PACKED", "req_i64": "DELTA_BINARY_PACKED", "s": "DELTA_LENGTH_BYTE_ARRAY",
                       "req_s": "DELTA_BYTE_ARRAY"})
write("delta_v2_uncompressed.parquet", base, compression="none", use_dictionary=False, data_page_version="2.0",
      column_encoding={"i32": "DELTA_BINARY_PACKED", "i64": "DELTA_BINARY_PACKED", "ts_ns": "DELTA_BINARY_PACKED"})
# Format 1.0 writes PLAIN_DICTIONARY (the old name of dictionary pages' encoding) and, having no
# nanosecond timestamps, casts them to microseconds.
write("plain_dictionary_v1.parquet", base.drop_columns(["ts_ns"]), compression="snappy", version="1.0")
write("empty.parquet", base.slice(0, 0), compression="snappy")

# The Python collector's batch: a Float32 polars frame with a UTC millisecond timestamp,
# written with pyarrow and statistics (docs/ARCHITECTURE.md §7).
SENSOR = ("temperature raw_temperature pressure humidity raw_humidity oxidised reducing nh3 lux proximity pm1 pm25 pm10 "
          "particles_03um particles_05um particles_10um particles_25um particles_50um particles_100um").split()
rnd = random.Random(5)
frame = {"timestamp": [datetime.fromtimestamp((1_748_736_000_000 + i * 5000 + rnd.randint(0, 40)) / 1000, tz=timezone.utc) for i in range(180)]}
for c in SENSOR:
    frame[c] = [None if (c == "proximity" or rnd.random() < 0.05) else round(rnd.uniform(0, 1000), 2) for _ in range(180)]
df = pl.DataFrame(frame).with_columns([pl.col(c).cast(pl.Float32) for c in SENSOR] + [pl.col("timestamp").dt.cast_time_unit("ms")])
path = os.path.join(OUT, "collector_batch.parquet")
df.write_parquet(path, compression="snappy", statistics=True, use_pyarrow=True)
record("collector_batch.parquet", path)

with open(os.path.join(OUT, "expected.json"), "w") as f:
    json.dump(expected, f, indent=None, separators=(",", ":"), sort_keys=True)
    f.write("\n")

# --- Malformed files ------------------------------------------------------------------------
# A minimal Thrift compact-protocol reader/writer, enough to edit a footer or page header and
# write it back. A struct is a list of [field id, type, value]; a list is [element type, items].

def read_varint(b, i):
    v = s = 0
    while True:
        x = b[i]; i += 1
        v |= (x & 0x7F) << s; s += 7
        if not x & 0x80:
            return v, i


def unzig(v):
    return (v >> 1) ^ -(v & 1)


def zig(v):
    return (v << 1) ^ (v >> 63)


def varint(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80); v >>= 7
    out.append(v)
    return bytes(out)


def read_value(b, i, t):
    if t in (1, 2):
        return t == 1, i
    if t == 3:
        return b[i], i + 1
    if t in (4, 5, 6):
        v, i = read_varint(b, i); return unzig(v), i
    if t == 7:
        return b[i:i + 8], i + 8
    if t == 8:
        n, i = read_varint(b, i); return b[i:i + n], i + n
    if t == 9:
        h = b[i]; i += 1
        n, et = h >> 4, h & 0x0F
        if n == 15:
            n, i = read_varint(b, i)
        items = []
        for _ in range(n):
            if et in (1, 2):
                items.append(b[i] == 1); i += 1
            else:
                v, i = read_value(b, i, et); items.append(v)
        return [et, items], i
    if t == 12:
        fields, last = [], 0
        while True:
            h = b[i]; i += 1
            if h == 0:
                return fields, i
            d, ft = h >> 4, h & 0x0F
            if d:
                fid = last + d
            else:
                v, i = read_varint(b, i); fid = unzig(v)
            last = fid
            v, i = read_value(b, i, ft)
            fields.append([fid, ft, v])
    raise ValueError(f"type {t}")


def write_value(t, v):
    if t in (1, 2):
        return b""
    if t == 3:
        return bytes([v])
    if t in (4, 5, 6):
        return varint(zig(v) & (2**64 - 1))
    if t == 7:
        return v
    if t == 8:
        return varint(len(v)) + v
    if t == 9:
        et, items = v
        out = bytearray([(len(items) << 4 | et) if len(items) < 15 else (0xF0 | et)])
        if len(items) >= 15:
            out += varint(len(items))
        for x in items:
            out += bytes([1 if x else 2]) if et in (1, 2) else write_value(et, x)
        return bytes(out)
    if t == 12:
        out, last = bytearray(), 0
        for fid, ft, fv in v:
            ht = (1 if fv else 2) if ft in (1, 2) else ft
            if 0 < fid - last <= 15:
                out.append((fid - last) << 4 | ht)
            else:
                out.append(ht); out += varint(zig(fid))
            last = fid
            out += write_value(ft, fv)
        out.append(0)
        return bytes(out)
    raise ValueError(t)


def field(struct_, fid):
    for f in struct_:
        if f[0] == fid:
            return f
    raise KeyError(fid)


def split(data):
    n = struct.unpack("<I", data[-8:-4])[0]
    footer, _ = read_value(data, len(data) - 8 - n, 12)
    return data[:len(data) - 8 - n], footer


def join(body, footer):
    f = write_value(12, footer)
    return body + f + struct.pack("<I", len(f)) + b"PAR1"


def first_chunk_meta(footer, column=0):
    group = field(footer, 4)[2][1][0]
    chunk = field(group, 1)[2][1][column]
    return field(chunk, 3)[2]


def edit_page_header(data, offset, edit):
    """Rewrites the page header at `offset` through `edit`, keeping the body, and moves every
    offset of the footer behind it by the change in the header's size."""
    header, end = read_value(data, offset, 12)
    edit(header)
    new = write_value(12, header)
    delta = len(new) - (end - offset)
    body, footer = split(data)
    for group in field(footer, 4)[2][1]:
        for chunk in field(group, 1)[2][1]:
            m = field(chunk, 3)[2]
            start = min(f[2] for f in m if f[0] in (9, 11) and f[2] > 0)
            for f in m:
                if f[0] in (9, 10, 11) and f[2] > offset:
                    f[2] += delta
            if start <= offset < start + field(m, 7)[2]:
                field(m, 7)[2] += delta
            for f in chunk:
                if f[0] == 2 and f[2] > offset:
                    f[2] += delta
        for f in group:
            if f[0] == 5 and f[2] > offset:
                f[2] += delta
    return join(data[:offset] + new + body[end:], footer)


malformed = {}


def bad(name, data, error):
    with open(os.path.join(BAD, name), "wb") as f:
        f.write(data)
    malformed[name] = error


small = table(40, 9, required=False).select(["f32", "i64", "s", "ts_ms"])


def good(**kw):
    sink = pa.BufferOutputStream()
    pq.write_table(small, sink, **kw)
    return bytes(sink.getvalue().to_pybytes())


snappy = good(compression="snappy")
plain = good(compression="none", use_dictionary=False)
dictionary = good(compression="none")

bad("empty_file.parquet", b"", "too short for Parquet")
bad("not_parquet.parquet", b"timestamp,temperature\n2025-06-01T00:00:00Z,21.5\n", "missing PAR1 magic at the end")
bad("truncated.parquet", snappy[:len(snappy) - 37], "missing PAR1 magic at the end")
bad("bad_head_magic.parquet", b"PAR2" + snappy[4:], "missing PAR1 magic at the start")
bad("footer_length_huge.parquet", snappy[:-8] + struct.pack("<I", 0x7FFFFFF0) + b"PAR1", "footer length 2147483632 exceeds")
bad("footer_length_zero.parquet", snappy[:-8] + struct.pack("<I", 0) + b"PAR1", "footer length is 0")
n = struct.unpack("<I", snappy[-8:-4])[0]
bad("footer_cut.parquet", snappy[:-8] + struct.pack("<I", n - 20) + b"PAR1", "footer")
garbled = bytearray(snappy)
for k in range(len(snappy) - 8 - n, len(snappy) - 8, 3):
    garbled[k] ^= 0x5A
bad("footer_garbled.parquet", bytes(garbled), "footer: malformed Thrift")
deep = b"\x1c" * 200 + b"\x00" * 200  # struct field 1 nested 200 deep
bad("footer_nested_deep.parquet", b"PAR1" + deep + struct.pack("<I", len(deep)) + b"PAR1", "nested deeper than")
huge_list = b"\x19\xfc\xff\xff\xff\x0f" + b"\x00" * 8  # field 1 a list of 2^32 structs
bad("footer_huge_list.parquet", b"PAR1" + huge_list + struct.pack("<I", len(huge_list)) + b"PAR1", "cannot fit")

body, footer = split(snappy)
meta = first_chunk_meta(footer)
for f in meta:
    if f[0] in (9, 11):
        f[2] = 10**9
bad("chunk_offset_outside.parquet", join(body, footer), "lies outside the file")
body, footer = split(snappy)
field(first_chunk_meta(footer), 9)[2] = 10**9  # the dictionary page stays where it was
bad("data_page_outside_chunk.parquet", join(body, footer), "first data page at byte 1000000000 lies outside its chunk")
body, footer = split(snappy)
field(first_chunk_meta(footer), 7)[2] = 2**40
bad("chunk_size_huge.parquet", join(body, footer), "lies outside the file")
body, footer = split(snappy)
field(first_chunk_meta(footer), 4)[2] = 3  # LZO
bad("codec_lzo.parquet", join(body, footer), "LZO: codec not supported")
body, footer = split(snappy)
field(footer, 3)[2] = 10**12
field(field(footer, 4)[2][1][0], 3)[2] = 10**12
bad("rows_huge.parquet", join(body, footer), "above the limit")
body, footer = split(snappy)
field(footer, 3)[2] = 41
bad("rows_mismatch.parquet", join(body, footer), "the row groups hold 40 rows, the footer says 41")
body, footer = split(snappy)
field(field(footer, 2)[2][1][1], 1)[2] = 42  # an unknown physical type
bad("schema_unknown_type.parquet", join(body, footer), "unknown value 42")
body, footer = split(snappy)
field(field(footer, 2)[2][1][0], 5)[2] = 9  # the root claims 9 children
bad("schema_children_lie.parquet", join(body, footer), "the root claims 9 children")
body, footer = split(snappy)
field(field(footer, 2)[2][1][1], 1)[2] = 2  # f32 said to be INT64 in the schema only
bad("schema_type_mismatch.parquet", join(body, footer), "chunk has type FLOAT, the schema INT64")

# Page-level lies, in the first column's first page (its data starts right after the magic).
def first_page_offset(data):
    _, footer = split(data)
    m = first_chunk_meta(footer)
    offs = [f[2] for f in m if f[0] in (9, 11)]
    return min(o for o in offs if o > 0)


def page_edit(data, fid, value):
    def edit(h):
        field(h, fid)[2] = value
    return edit_page_header(data, first_page_offset(data), edit)


bad("page_size_past_chunk.parquet", page_edit(plain, 3, 0x7FFF0000), "run past the end of the column chunk")
bad("page_uncompressed_lie.parquet", page_edit(snappy, 2, 0x7FFF0000), "uncompressed bytes from")


def data_page_values_edit(data, value):
    def edit(h):
        dph = [f for f in h if f[0] in (5, 8)][0][2]
        field(dph, 1)[2] = value
    return edit_page_header(data, first_page_offset(data), edit)


bad("page_values_negative.parquet", data_page_values_edit(plain, -1000000), "values")
bad("page_values_too_many.parquet", data_page_values_edit(plain, 1000000), "only 40 of the row group's 40 rows remain")


def page_body(data):
    off = first_page_offset(data)
    h, start = read_value(data, off, 12)
    return h, start, start + field(h, 3)[2]


h, s, e = page_body(snappy)
corrupt = bytearray(snappy)
for k in range(s + 1, e, 2):
    corrupt[k] = 0xFF
bad("corrupt_snappy.parquet", bytes(corrupt), "SNAPPY")
for codec, label in [("gzip", "GZIP"), ("zstd", "ZSTD")]:
    d = good(compression=codec)
    h, s, e = page_body(d)
    corrupt = bytearray(d)
    for k in range(s + 2, e - 1, 3):
        corrupt[k] ^= 0xA5
    bad(f"corrupt_{codec}.parquet", bytes(corrupt), label)

# A dictionary-encoded page (uncompressed, v1): after the dictionary page, the first data page
# holds a 4-byte level length, the levels, then the index bit width.
_, footer = split(dictionary)
m = first_chunk_meta(footer)
data_off = field(m, 9)[2]
h, s, e = read_value(dictionary, data_off, 12)[0], read_value(dictionary, data_off, 12)[1], None
levels = struct.unpack("<I", dictionary[s:s + 4])[0]
width_at = s + 4 + levels
patched = bytearray(dictionary)
patched[width_at] = 33
bad("dictionary_width.parquet", bytes(patched), "dictionary index bit width 33 above 32")
patched = bytearray(dictionary)
patched[width_at] = 20  # indices now read as 20-bit numbers: far outside a small dictionary
bad("dictionary_index_outside.parquet", bytes(patched), "dictionary indices")

# DELTA_BINARY_PACKED with a block size that is not a multiple of 128.
d = bytes(good(compression="none", use_dictionary=False, column_encoding={"i64": "DELTA_BINARY_PACKED"}))
_, footer = split(d)
m = first_chunk_meta(footer, 1)
off = field(m, 9)[2]
h, s = read_value(d, off, 12)
levels = struct.unpack("<I", d[s:s + 4])[0]
patched = bytearray(d)
at = s + 4 + levels
assert patched[at + 1] == 0x02 and patched[at] == 0x80, "arrow's block size of 256 moved"
patched[at] = 0x81
bad("delta_block_size.parquet", bytes(patched), "DELTA_BINARY_PACKED header: block size 257")

with open(os.path.join(BAD, "expected.json"), "w") as f:
    json.dump(malformed, f, indent=1, sort_keys=True)
    f.write("\n")
print(f"{len(expected['files'])} fixtures, {len(malformed)} malformed files")
