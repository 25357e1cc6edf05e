import Foundation
import Testing
@testable import Parquet

/// The streaming reader over files our writer produced: projection, pruning by statistics,
/// reading from a path with pread, and agreement with the in-memory reader.
@Suite struct ReaderTests {
    static func file(rows: Int, rowGroup: Int, codec: Compression = .snappy, seed: UInt64 = 1) throws -> ([UInt8], [ColumnValues]) {
        var options = WriterOptions(compression: codec)
        options.maxRowsPerRowGroup = rowGroup
        var writer = ParquetWriter(schema: WriterTests.allTypes, options: options)
        let input = WriterTests.sample(rows: rows, seed: seed)
        try writer.write(input)
        return (writer.finish(), input)
    }

    static func temporaryPath(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("reader-tests-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(name).path
    }

    static func same(_ a: ColumnValues, _ b: ColumnValues) -> Bool {
        switch (a, b) {
        case (.float, .float), (.double, .double): WriterTests.bits(a) == WriterTests.bits(b)
        default: a == b
        }
    }

    @Test(arguments: [Compression.uncompressed, .snappy, .gzip, .zstd])
    func readsOurFilesFromAPathRowGroupByRowGroup(codec: Compression) throws {
        let (bytes, input) = try Self.file(rows: 1000, rowGroup: 300, codec: codec)
        let path = Self.temporaryPath("all-\(codec).parquet")
        try ParquetFile.write(bytes, to: path, durable: false)
        let reader = try ParquetFileReader(path: path)
        #expect(reader.rowGroupCount == 4)
        #expect(reader.fileSize == bytes.count)
        var parts = Array(repeating: [ColumnValues](), count: input.count)
        for g in 0..<reader.rowGroupCount {
            for (c, v) in try reader.readRowGroup(g).enumerated() { parts[c].append(v) }
        }
        for c in input.indices { #expect(Self.same(WriterTests.concatenate(parts[c]), input[c]), "column \(c)") }
        // The old in-memory entry point decodes through the same code.
        let meta = try FileMetaData.read(fileBytes: bytes)
        #expect(try ParquetFile.readColumn(bytes, metadata: meta, rowGroup: 1, column: 5) == reader.readColumn(rowGroup: 1, column: 5))
    }

    @Test func projectsColumnsByNameInTheOrderAsked() throws {
        let (bytes, input) = try Self.file(rows: 50, rowGroup: 100)
        let reader = try ParquetFileReader(bytes: bytes)
        let picked = try reader.columns(named: ["s", "b"])
        #expect(picked.map(\.index) == [5, 0])
        let values = try reader.readRowGroup(0, columns: picked.map(\.index))
        #expect(values == [input[5], input[0]])
        let error = #expect(throws: ParquetReadError.self) { try reader.columns(named: ["nope"]) }
        #expect(error?.description.contains("no column \"nope\"; the file has: b, i, l, f, d, s, t, rf, rl") == true)
    }

    @Test func prunesRowGroupsByTimestampStatistics() throws {
        // 1000 readings 5 s apart in row groups of 300: group g covers 1500 s from g × 1500 s.
        let (bytes, _) = try Self.file(rows: 1000, rowGroup: 300)
        let reader = try ParquetFileReader(bytes: bytes)
        let t0: Int64 = 1_748_736_000_000
        let ts = try #require(reader.column(named: "t")).index
        #expect(reader.rowGroups(timestampColumn: ts, fromMillis: nil, toMillis: nil) == [0, 1, 2, 3])
        #expect(reader.rowGroups(timestampColumn: ts, fromMillis: t0 + 1_600_000, toMillis: t0 + 3_000_000) == [1])
        #expect(reader.rowGroups(timestampColumn: ts, fromMillis: t0 + 1_400_000, toMillis: t0 + 1_600_000) == [0, 1])
        #expect(reader.rowGroups(timestampColumn: ts, fromMillis: t0 + 10_000_000, toMillis: nil) == [])
        // Exclusive end: a range ending at group 1's first timestamp does not include it.
        let firstOf1 = try #require(reader.statistics(rowGroup: 1, column: ts)?.min)
        guard case .integer(let start1) = firstOf1 else { Issue.record("timestamp statistics are not integers"); return }
        #expect(reader.rowGroups(timestampColumn: ts, fromMillis: t0, toMillis: start1) == [0])
        #expect(reader.rowGroups(timestampColumn: ts, fromMillis: t0, toMillis: start1 + 1) == [0, 1])
        let stats = try #require(reader.statistics(rowGroup: 0, column: ts))
        #expect(stats.nullCount != nil)
        // Float statistics prune too: column rf holds 0…9.
        let rf = try #require(reader.column(named: "rf")).index
        #expect(reader.rowGroups(column: rf, overlapping: 100.0...200.0) == [])
        #expect(reader.rowGroups(column: rf, overlapping: 9.0...9.0).count == 4)
    }

    @Test func prunesPyarrowsMicrosecondTimestamps() throws {
        let reader = try ParquetFileReader(path: ReaderFixtureTests.directory + "/row_groups.parquet")
        let ts = try #require(reader.column(named: "ts_us")).index
        // 260 rows 5 s apart from 2025-06-01, 60 per group: group 2 starts at 600 s.
        let t0: Int64 = 1_748_736_000_000
        #expect(reader.rowGroups(timestampColumn: ts, fromMillis: t0 + 620_000, toMillis: t0 + 640_000) == [2])
        #expect(reader.rowGroups(timestampColumn: ts, fromMillis: nil, toMillis: t0) == [])
    }

    @Test func anEmptyFileHasRowsOfNothing() throws {
        var writer = ParquetWriter(schema: WriterTests.allTypes)
        try writer.write(WriterTests.sample(rows: 0, seed: 0))
        let reader = try ParquetFileReader(bytes: writer.finish())
        #expect(reader.rowCount == 0)
        for g in 0..<reader.rowGroupCount { #expect(try reader.readRowGroup(g).allSatisfy { $0.count == 0 }) }
    }

    @Test func rowGroupsClaimingTooManyRowsAreRefused() throws {
        let (bytes, _) = try Self.file(rows: 10, rowGroup: 100)
        var limits = ParquetReadLimits()
        limits.minRowsPerRowGroup = 5
        limits.rowsPerFileByte = 0
        let reader = try ParquetFileReader(bytes: bytes, limits: limits)
        let error = #expect(throws: ParquetReadError.self) { try reader.readRowGroup(0) }
        #expect(error?.description.contains("claims 10 rows, above the limit of 5") == true)
    }

    @Test func decodesByteStreamSplitAndRLEBooleans() throws {
        // BYTE_STREAM_SPLIT of 1.0f and -2.0f: bytes 0 of each, then bytes 1, 2, 3.
        let one = withUnsafeBytes(of: Float(1).bitPattern.littleEndian, Array.init)
        let two = withUnsafeBytes(of: Float(-2).bitPattern.littleEndian, Array.init)
        let split = (0..<4).flatMap { [one[$0], two[$0]] }
        let floats = try withBytes(split) { (raw) throws(ParquetReadError) in
            var c = ByteCursor(raw)
            return try ValueDecoding.decode(Float.self, encoding: .byteStreamSplit, &c, count: 2, dictionary: nil)
        }
        #expect(floats == [1, -2])
        // RLE booleans: length 2, then a run of 3 trues.
        let bools = try withBytes([2, 0, 0, 0, 3 << 1, 1]) { (raw) throws(ParquetReadError) in
            var c = ByteCursor(raw)
            return try ValueDecoding.decode(Bool.self, encoding: .rle, &c, count: 3, dictionary: nil)
        }
        #expect(bools == [true, true, true])
        #expect(throws: ParquetReadError.self) {
            try withBytes([0, 0]) { (raw) throws(ParquetReadError) in
                var c = ByteCursor(raw)
                _ = try ValueDecoding.decode(String.self, encoding: .byteStreamSplit, &c, count: 1, dictionary: nil)
            }
        }
    }
}
