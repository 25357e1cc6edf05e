import Foundation
import Testing
@testable import Parquet

@Suite struct WriterTests {
    static let allTypes = Schema([
        Column("b", .boolean), Column("i", .int32), Column("l", .int64), Column("f", .float),
        Column("d", .double), Column("s", .string), Column("t", .timestampMillisUTC),
        Column("rf", .float, optional: false), Column("rl", .int64, optional: false),
    ])

    static func sample(rows: Int, seed: UInt64) -> [ColumnValues] {
        var rng = SplitMix(seed: seed)
        func maybe<T>(_ v: T) -> T? { rng.next() % 5 == 0 ? nil : v }
        return [
            .boolean((0..<rows).map { _ in maybe(rng.next() & 1 == 0) }),
            .int32((0..<rows).map { _ in maybe(Int32(truncatingIfNeeded: rng.next() % 7) - 3) }),
            .int64((0..<rows).map { _ in maybe(Int64(bitPattern: rng.next())) }),
            .float((0..<rows).map { _ in maybe(Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()))) }),
            .double((0..<rows).map { _ in maybe(Double(rng.next() % 1000) / 8) }),
            .string((0..<rows).map { _ in maybe(["", "a", "é", "wifi, 5GHz", String(repeating: "x", count: 70)][Int(rng.next() % 5)]) }),
            .int64((0..<rows).map { i in maybe(1_748_736_000_000 + Int64(i) * 5000 + Int64(rng.next() % 50)) }),
            .float((0..<rows).map { _ in Float(rng.next() % 10) }),
            .int64((0..<rows).map { Int64($0) }),
        ]
    }

    static func roundTrip(_ columns: [ColumnValues], schema: Schema, options: WriterOptions) throws -> (FileMetaData, [ColumnValues]) {
        var writer = ParquetWriter(schema: schema, options: options)
        try writer.write(columns)
        let bytes = writer.finish(keyValueMetadata: [KeyValue(key: "station", value: "x")])
        let meta = try FileMetaData.read(fileBytes: bytes)
        var read = Array(repeating: [ColumnValues](), count: schema.columns.count)
        for g in meta.rowGroups.indices {
            for c in schema.columns.indices { read[c].append(try ParquetFile.readColumn(bytes, metadata: meta, rowGroup: g, column: c)) }
        }
        return (meta, read.map(concatenate))
    }

    static func concatenate(_ parts: [ColumnValues]) -> ColumnValues {
        var b: [Bool?] = [], i: [Int32?] = [], l: [Int64?] = [], f: [Float?] = [], d: [Double?] = [], s: [String?] = []
        for p in parts {
            switch p {
            case .boolean(let v): b += v
            case .int32(let v): i += v
            case .int64(let v): l += v
            case .float(let v): f += v
            case .double(let v): d += v
            case .string(let v): s += v
            }
        }
        switch parts.first {
        case .boolean?: return .boolean(b)
        case .int32?: return .int32(i)
        case .float?: return .float(f)
        case .double?: return .double(d)
        case .string?: return .string(s)
        default: return .int64(l)
        }
    }

    /// Floats compared by bits: NaN payloads and the sign of zero must survive.
    static func bits(_ v: ColumnValues) -> [UInt64?] {
        switch v {
        case .float(let f): f.map { $0.map { UInt64($0.bitPattern) } }
        case .double(let d): d.map { $0.map(\.bitPattern) }
        default: []
        }
    }

    @Test(arguments: [Compression.uncompressed, .snappy, .gzip, .zstd], [0, 1, 7, 200, 5000])
    func everyTypeRoundTrips(codec: Compression, rows: Int) throws {
        let input = Self.sample(rows: rows, seed: UInt64(rows))
        let (meta, output) = try Self.roundTrip(input, schema: Self.allTypes, options: WriterOptions(compression: codec))
        #expect(meta.numRows == Int64(rows))
        for (a, b) in zip(input, output) {
            if case .float = a { #expect(Self.bits(a) == Self.bits(b)) } else if case .double = a { #expect(Self.bits(a) == Self.bits(b)) } else { #expect(a == b) }
        }
        // Each chunk uses the codec asked for, or is stored uncompressed where that is smaller.
        let codecs = meta.rowGroups.flatMap { $0.columns.map { $0.metaData!.codec } }
        #expect(codecs.allSatisfy { $0 == codec.codec || $0 == .uncompressed })
        if rows == 5000 {
            // The string column repeats five values: every codec shrinks it.
            #expect(codecs[5] == codec.codec)
        }
    }

    @Test func severalRowGroups() throws {
        var options = WriterOptions()
        options.maxRowsPerRowGroup = 300
        let input = Self.sample(rows: 1000, seed: 3)
        let (meta, output) = try Self.roundTrip(input, schema: Self.allTypes, options: options)
        #expect(meta.rowGroups.map(\.numRows) == [300, 300, 300, 100])
        #expect(Self.bits(input[3]) == Self.bits(output[3]))
        #expect(input[6] == output[6])
    }

    @Test func severalPagesPerChunk() throws {
        var options = WriterOptions()
        options.dataPageSize = 512
        let input = Self.sample(rows: 3000, seed: 4)
        let (_, output) = try Self.roundTrip(input, schema: Self.allTypes, options: options)
        #expect(input[2] == output[2] && input[5] == output[5] && input[6] == output[6])
    }

    @Test func encodingIsChosenPerColumn() throws {
        let rows = 720
        let schema = Schema([Column("timestamp", .timestampMillisUTC), Column("noisy", .float), Column("pm", .float), Column("ssid", .string)])
        var rng = SplitMix(seed: 9)
        let input: [ColumnValues] = [
            .int64((0..<rows).map { 1_748_736_000_000 + Int64($0) * 5000 + Int64(rng.next() % 50) }),
            .float((0..<rows).map { _ in 20 + Float(rng.next() % 100_000) / 100_000 }),
            .float((0..<rows).map { _ in Float(rng.next() % 6) }),
            .string((0..<rows).map { _ in "home" }),
        ]
        let (meta, output) = try Self.roundTrip(input, schema: schema, options: WriterOptions())
        let encodings = meta.rowGroups[0].columns.map { Set($0.metaData!.encodings) }
        #expect(encodings[0].contains(.deltaBinaryPacked))
        #expect(encodings[1] == [.plain, .rle])
        #expect(encodings[2].contains(.rleDictionary) && meta.rowGroups[0].columns[2].metaData!.dictionaryPageOffset != nil)
        #expect(encodings[3].contains(.rleDictionary))
        #expect(output[0] == input[0] && output[3] == input[3])
    }

    @Test func statisticsFollowTheSpec() throws {
        let schema = Schema([Column("f", .float), Column("z", .float), Column("n", .float), Column("s", .string), Column("t", .timestampMillisUTC), Column("b", .boolean)])
        let input: [ColumnValues] = [
            .float([.nan, 3, nil, -2, .infinity]),
            .float([0.0, 0.0, nil, 0.0, 0.0]),  // only +0.0: min written as -0.0, max as +0.0
            .float([nil, .nan, nil, .nan, nil]),  // nothing to order: no min/max
            .string(["b", "é", nil, "Z", "a"]),  // unsigned byte order: "Z" < "a" < "b" < "é"
            .int64([5, -5, nil, 7, 0]),
            .boolean([true, true, nil, true, true]),
        ]
        let (meta, _) = try Self.roundTrip(input, schema: schema, options: WriterOptions())
        let stats = meta.rowGroups[0].columns.map { $0.metaData!.statistics! }
        func f(_ b: [UInt8]?) -> Float? { b.map { Float(bitPattern: $0.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }) } }
        #expect(f(stats[0].minValue) == -2 && f(stats[0].maxValue) == .infinity && stats[0].nullCount == 1)
        #expect(f(stats[1].minValue)?.sign == .minus && f(stats[1].maxValue)?.sign == .plus)
        #expect(stats[2].minValue == nil && stats[2].maxValue == nil && stats[2].nullCount == 3)
        #expect(stats[3].minValue == Array("Z".utf8) && stats[3].maxValue == Array("é".utf8))
        #expect(stats[4].minValue == withUnsafeBytes(of: Int64(-5)) { Array($0) })
        #expect(stats[5].minValue == [1] && stats[5].maxValue == [1])
        #expect(meta.columnOrders == Array(repeating: true, count: 6))
        #expect(meta.keyValueMetadata == [KeyValue(key: "station", value: "x")])
        #expect(meta.createdBy?.hasPrefix("opensensor version ") == true)
    }

    @Test func badInputIsRefused() {
        var w = ParquetWriter(schema: Self.allTypes)
        #expect(throws: ParquetWriteError.columnCount(expected: 9, got: 1)) { try w.write([.int32([1])]) }
        var cols = Self.sample(rows: 3, seed: 1)
        cols[1] = .float([1, 2, 3])
        #expect(throws: ParquetWriteError.typeMismatch(column: "i", expected: .int32, got: .float)) { try w.write(cols) }
        cols = Self.sample(rows: 3, seed: 1)
        cols[2] = .int64([1])
        #expect(throws: ParquetWriteError.rowCountMismatch(column: "l", expected: 3, got: 1)) { try w.write(cols) }
        cols = Self.sample(rows: 3, seed: 1)
        cols[7] = .float([1, nil, 3])
        #expect(throws: ParquetWriteError.nullInRequiredColumn(column: "rf", row: 1)) { try w.write(cols) }
    }

    @Test func corruptFilesGiveErrorsNotCrashes() throws {
        var writer = ParquetWriter(schema: Self.allTypes)
        try writer.write(Self.sample(rows: 300, seed: 5))
        let good = writer.finish()
        #expect(throws: ParquetReadError.self) { try FileMetaData.read(fileBytes: Array(good.prefix(good.count - 1))) }
        #expect(throws: ParquetReadError.self) { try FileMetaData.read(fileBytes: Array("PAR1PAR1".utf8)) }
        var lying = good
        lying[lying.count - 6] = 0x7F  // footer length far beyond the file
        #expect(throws: ParquetReadError.self) { try FileMetaData.read(fileBytes: lying) }
        // Flip every byte of the data area in turn (a sample of them): reading each column
        // either fails with an error or returns values; it never traps.
        let meta = try FileMetaData.read(fileBytes: good)
        var rng = SplitMix(seed: 11)
        for _ in 0..<400 {
            var bad = good
            let at = 4 + Int(rng.next() % UInt64(good.count - 200))
            bad[at] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
            for c in 0..<9 { _ = try? ParquetFile.readColumn(bad, metadata: meta, rowGroup: 0, column: c) }
        }
    }

    @Test func atomicWriteLeavesOnlyTheFinalFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pq-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var writer = ParquetWriter(schema: Self.allTypes)
        try writer.write(Self.sample(rows: 10, seed: 2))
        let bytes = writer.finish()
        try ParquetFile.write(bytes, to: "\(dir)/data_1445.parquet", overwrite: false)
        #expect(try ParquetFile.readAll("\(dir)/data_1445.parquet") == bytes)
        #expect(throws: ParquetWriteError.alreadyExists(path: "\(dir)/data_1445.parquet")) {
            try ParquetFile.write([1, 2, 3], to: "\(dir)/data_1445.parquet", overwrite: false)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["data_1445.parquet"])
        #expect(try ParquetFile.readAll("\(dir)/data_1445.parquet") == bytes)
        #expect(throws: ParquetWriteError.self) { try ParquetFile.write(bytes, to: "\(dir)/missing/x.parquet") }
    }
}
