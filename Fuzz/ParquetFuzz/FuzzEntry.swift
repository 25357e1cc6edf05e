// libFuzzer entry over the Parquet decoders (scripts/fuzz-parquet builds it together with the
// Parquet and Snappy sources, so internal decoders are reachable). The first input byte picks
// what the rest is fed to:
//
//   0 (and anything unlisted)  a whole file: footer, schema, every row group and column
//   1                          a column chunk (page headers, levels, encodings) as each type
//   2                          a compressed page for each codec, the size from bytes 1–2
//   3                          a footer alone (Thrift FileMetaData)
//
// Any Swift trap, sanitizer report or runaway allocation is a bug: hostile input must only
// ever produce a ParquetReadError.

@_cdecl("LLVMFuzzerTestOneInput")
public func parquetFuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let rest = Array(input.dropFirst())
    switch input[0] {
    case 1:
        for type in [PhysicalType.boolean, .int32, .int64, .float, .double, .byteArray] {
            for optional in [false, true] {
                for codec in [CompressionCodec.uncompressed, .snappy] {
                    let column = ParquetColumn(name: "c", physicalType: type, isOptional: optional)
                    _ = try? ColumnChunkDecoder(column: column, codec: codec, rows: 64).decode(rest)
                }
            }
        }
    case 2:
        guard rest.count >= 2 else { return 0 }
        let target = Int(rest[0]) | Int(rest[1]) << 8
        rest.dropFirst(2).withUnsafeBytes { raw in
            for codec in [CompressionCodec.snappy, .gzip, .zstd, .uncompressed] {
                _ = try? decompress(codec, raw, uncompressedSize: target)
            }
        }
    case 3:
        var reader = ThriftCompactReader(rest)
        if let meta = try? FileMetaData.decode(&reader) { _ = try? meta.parquetColumns() }
    default:
        guard let reader = try? ParquetFileReader(bytes: rest) else { return 0 }
        for g in 0..<reader.rowGroupCount {
            for c in reader.columns.indices {
                _ = try? reader.readColumn(rowGroup: g, column: c)
                _ = reader.statistics(rowGroup: g, column: c)
            }
        }
    }
    return 0
}
