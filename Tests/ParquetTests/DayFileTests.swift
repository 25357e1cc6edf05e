import Testing
@testable import Parquet

/// BYTE_STREAM_SPLIT, the choice of encoding after compression, time-aligned row groups and the
/// day-file preset they make up (docs/ARCHITECTURE.md §2: day files are not read by fastparquet).
@Suite struct DayFileTests {
    static let floats = Schema([Column("t", .timestampMillisUTC), Column("f", .float), Column("d", .double),
                                Column("rf", .float, optional: false), Column("rd", .double, optional: false)])

    static func encodings(_ meta: FileMetaData) -> [[Encoding]] {
        meta.rowGroups[0].columns.map { $0.metaData!.encodings }
    }

    @Test func splitPutsByteKOfEveryValueInStreamK() {
        let values: [Float] = [Float(bitPattern: 0x4433_2211), Float(bitPattern: 0x8877_6655), Float(bitPattern: 0xCCBB_AA99)]
        var out: [UInt8] = [0xEE]
        values.withUnsafeBufferPointer { ByteStreamSplit.encode($0, into: &out) }
        #expect(out == [0xEE, 0x11, 0x55, 0x99, 0x22, 0x66, 0xAA, 0x33, 0x77, 0xBB, 0x44, 0x88, 0xCC])
        let doubles: [Double] = [Double(bitPattern: 0x0807_0605_0403_0201), Double(bitPattern: 0x1817_1615_1413_1211)]
        var d: [UInt8] = []
        doubles.withUnsafeBufferPointer { ByteStreamSplit.encode($0, into: &d) }
        #expect(d == [0x01, 0x11, 0x02, 0x12, 0x03, 0x13, 0x04, 0x14, 0x05, 0x15, 0x06, 0x16, 0x07, 0x17, 0x08, 0x18])
        var empty: [UInt8] = []
        [Float]().withUnsafeBufferPointer { ByteStreamSplit.encode($0, into: &empty) }
        #expect(empty.isEmpty)
    }

    @Test(arguments: [1, 2, 7, 1000, 17_280])
    func splitRoundTripsThroughTheReader(count: Int) throws {
        var rng = SplitMix(seed: UInt64(count))
        let specials: [Float] = [.nan, -.nan, .infinity, -.infinity, 0, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
                                 Float(bitPattern: 0x7FC0_1234)]
        let floats = (0..<count).map { i in i < specials.count ? specials[i] : Float(bitPattern: UInt32(truncatingIfNeeded: rng.next())) }
        let doubles = (0..<count).map { _ in Double(bitPattern: rng.next()) }
        var bytes: [UInt8] = []
        floats.withUnsafeBufferPointer { ByteStreamSplit.encode($0, into: &bytes) }
        doubles.withUnsafeBufferPointer { ByteStreamSplit.encode($0, into: &bytes) }
        try bytes.withUnsafeBytes { raw in
            var cursor = ByteCursor(raw)
            let readFloats = try Float.decodeByteStreamSplit(&cursor, count: count)
            let readDoubles = try Double.decodeByteStreamSplit(&cursor, count: count)
            #expect(readFloats.map(\.bitPattern) == floats.map(\.bitPattern))
            #expect(readDoubles.map(\.bitPattern) == doubles.map(\.bitPattern))
            #expect(cursor.remaining == 0)
        }
    }

    /// Noisy readings with nulls, NaN and infinities, and the same without nulls in required
    /// columns: every value comes back bit for bit, in BYTE_STREAM_SPLIT pages.
    static func readings(rows: Int, seed: UInt64) -> [ColumnValues] {
        var rng = SplitMix(seed: seed)
        func noisy(_ i: Int) -> Float { 20 + Float(i % 500) / 100 + Float(rng.next() % 1_000_000) / 1e7 }
        let specials: [Float] = [.nan, .infinity, -.infinity, -0.0]
        return [
            .int64((0..<rows).map { 1_748_736_000_000 + Int64($0) * 5000 + Int64(rng.next() % 90) }),
            .float((0..<rows).map { i in rng.next() % 9 == 0 ? nil : i % 97 == 3 ? specials[i % 4] : noisy(i) }),
            .double((0..<rows).map { i in rng.next() % 7 == 0 ? nil : i % 89 == 5 ? Double(specials[i % 4]) : 1013 + Double(rng.next() % 1_000_000) / 1e6 }),
            .float((0..<rows).map { noisy($0) }),
            .double((0..<rows).map { _ in Double(bitPattern: rng.next()) }),
        ]
    }

    @Test(arguments: [Compression.zstd, .snappy, .gzip], [1, 180, 17_280])
    func splitColumnsRoundTrip(codec: Compression, rows: Int) throws {
        var options = WriterOptions(compression: codec)
        options.byteStreamSplit = true
        options.dictionary = false
        let input = Self.readings(rows: rows, seed: UInt64(rows))
        let (meta, output) = try WriterTests.roundTrip(input, schema: Self.floats, options: options)
        for c in 1...4 {
            #expect(WriterTests.bits(output[c]) == WriterTests.bits(input[c]), "column \(c)")
            #expect(Self.encodings(meta)[c] == [.rle, .byteStreamSplit])
        }
        #expect(output[0] == input[0])
        if rows > 1 { #expect(Self.encodings(meta)[0] == [.rle, .deltaBinaryPacked]) }
    }

    @Test func splitIsNeverChosenByDefault() throws {
        let input = Self.readings(rows: 2000, seed: 1)
        let (meta, _) = try WriterTests.roundTrip(input, schema: Self.floats, options: WriterOptions(compression: .zstd))
        let all = meta.rowGroups.flatMap { $0.columns.flatMap { $0.metaData!.encodings } }
        #expect(!all.contains(.byteStreamSplit))
    }

    @Test func anAllNullColumnAndAnEmptyFileRoundTrip() throws {
        var input = Self.readings(rows: 50, seed: 2)
        input[1] = .float(Array(repeating: nil, count: 50))
        let (_, output) = try WriterTests.roundTrip(input, schema: Self.floats, options: .dayFile)
        #expect(output[1] == input[1] && WriterTests.bits(output[2]) == WriterTests.bits(input[2]))
        let empty: [ColumnValues] = [.int64([]), .float([]), .double([]), .float([]), .double([])]
        let (meta, none) = try WriterTests.roundTrip(empty, schema: Self.floats, options: .dayFile)
        #expect(meta.numRows == 0 && none == empty)
    }

    /// After compression a low-cardinality float column is smallest as a dictionary, a noisy one
    /// split; before compression, split never beats PLAIN, so without the comparison it only
    /// takes PLAIN's place.
    @Test func theEncodingIsTheSmallestAsWritten() throws {
        let rows = 17_280
        var rng = SplitMix(seed: 5)
        let schema = Schema([Column("timestamp", .timestampMillisUTC), Column("noisy", .float), Column("pm", .float)])
        var stamps: [Int64?] = []
        var noisy: [Float?] = []
        var pm: [Float?] = []
        for i in 0..<rows {
            stamps.append(1_748_736_000_000 + Int64(i) * 5000 + Int64(rng.next() % 90))
            let slow = Float(i % 3000) / 1000
            noisy.append(20 + slow + Float(rng.next() % 1000) / 1e6)
            pm.append(Float(rng.next() % 6))
        }
        let input: [ColumnValues] = [.int64(stamps), .float(noisy), .float(pm)]
        var smallest = WriterOptions.dayFile
        smallest.encodingByCompressedSize = true
        let (meta, output) = try WriterTests.roundTrip(input, schema: schema, options: smallest)
        #expect(Self.encodings(meta)[1] == [.rle, .byteStreamSplit])
        #expect(Self.encodings(meta)[2].contains(.rleDictionary))
        #expect(output == input)

        // Every alternative the comparison had, written on its own, is no smaller.
        func size(_ change: (inout WriterOptions) -> Void) throws -> Int {
            var options = smallest
            change(&options)
            var writer = ParquetWriter(schema: schema, options: options)
            try writer.write(input)
            return writer.finish().count
        }
        let chosen = try size { _ in }
        #expect(chosen <= (try size { $0.byteStreamSplit = false }))
        #expect(chosen <= (try size { $0.dictionary = false }))
        #expect(chosen < (try size { $0.byteStreamSplit = false; $0.dictionary = false }))
        let (plainChoice, _) = try WriterTests.roundTrip(input, schema: schema, options: .dayFile)
        #expect(Self.encodings(plainChoice)[1] == [.rle, .byteStreamSplit])
    }

    @Test func rowGroupsFollowTheSpan() throws {
        let hour: Int64 = 3_600_000
        let day: Int64 = 1_748_736_000_000  // 2025-06-01T00:00Z
        // Every 10 minutes for a day, a null timestamp at 03:00 and a row back in time at 05:10.
        var stamps: [Int64?] = (0..<144).map { day + Int64($0) * 600_000 }
        stamps[18] = nil
        stamps[31] = day + 3 * hour + 1
        let rows = stamps.count
        let input: [ColumnValues] = [.int64(stamps), .float((0..<rows).map { Float($0) }), .double((0..<rows).map { Double($0) }),
                                     .float((0..<rows).map { Float($0) }), .double((0..<rows).map { Double($0) })]
        var options = WriterOptions.dayFile
        options.rowGroupSpanMilliseconds = 4 * hour
        let (meta, output) = try WriterTests.roundTrip(input, schema: Self.floats, options: options)
        #expect(meta.rowGroups.map(\.numRows) == [24, 24, 24, 24, 24, 24])
        #expect(output == input)
        // Each group's statistics say which hours it covers.
        let minima = meta.rowGroups.map { g in g.columns[0].metaData!.statistics!.minValue!.withUnsafeBytes { $0.loadUnaligned(as: Int64.self) } }
        // The row back in time stays in its group and lowers that group's minimum.
        #expect(minima == [day, day + 3 * hour + 1, day + 8 * hour, day + 12 * hour, day + 16 * hour, day + 20 * hour])

        options.maxRowsPerRowGroup = 10
        let (capped, _) = try WriterTests.roundTrip(input, schema: Self.floats, options: options)
        #expect(capped.rowGroups.map(\.numRows) == Array(repeating: [10, 10, 4], count: 6).flatMap { $0 })

        // Before 1970 the spans still start at multiples of the span.
        let early: [ColumnValues] = [.int64([-3 * hour, -hour - 1, -hour, 0]), .float([1, 2, 3, 4]), .double([1, 2, 3, 4]),
                                     .float([1, 2, 3, 4]), .double([1, 2, 3, 4])]
        options.maxRowsPerRowGroup = 100
        options.rowGroupSpanMilliseconds = hour
        let (before, _) = try WriterTests.roundTrip(early, schema: Self.floats, options: options)
        #expect(before.rowGroups.map(\.numRows) == [1, 1, 1, 1])
    }

    @Test func theSpanNeedsATimestampFirst() throws {
        let schema = Schema([Column("n", .int64), Column("t", .timestampMillisUTC)])
        var options = WriterOptions()
        options.rowGroupSpanMilliseconds = 10
        let (meta, _) = try WriterTests.roundTrip([.int64([0, 100, 200]), .int64([0, 100, 200])], schema: schema, options: options)
        #expect(meta.rowGroups.count == 1)
    }
}
