import Testing
@testable import Parquet

@Suite struct EncodingTests {
    /// parquet-format Encodings.md: 0…7 bit-packed with width 3 is 10001000 11000110 11111010.
    @Test func bitPackingMatchesTheSpecExample() {
        var out: [UInt8] = []
        [0, 1, 2, 3, 4, 5, 6, 7].map(UInt64.init).withUnsafeBufferPointer { bitPack($0, width: 3, into: &out) }
        #expect(out == [0b1000_1000, 0b1100_0110, 0b1111_1010])
    }

    @Test func rleHybridUsesRunsForRepeats() {
        var out: [UInt8] = []
        let values = [UInt64](repeating: 1, count: 100)
        values.withUnsafeBufferPointer { RLEHybrid.encode($0, width: 1, into: &out) }
        #expect(out == [0xC8, 0x01, 0x01])  // varint(100 << 1) in two bytes, then the value 1
    }

    @Test func rleHybridPadsLiteralsToGroupsBeforeARun() throws {
        // 3 literals then 20 repeats: 5 repeats are lent to the literal group, 15 form a run.
        let values: [UInt64] = [1, 2, 3] + Array(repeating: 5, count: 20)
        var out: [UInt8] = []
        values.withUnsafeBufferPointer { RLEHybrid.encode($0, width: 3, into: &out) }
        #expect(out[0] == 0x03)  // one bit-packed group
        #expect(out[4] == 15 << 1 && out[5] == 5)
        let decoded = try withBytes(out) { (raw) throws(ParquetReadError) in
            var c = ByteCursor(raw)
            return try RLEHybrid.decode(&c, width: 3, count: values.count)
        }
        #expect(decoded == values)
    }

    @Test(arguments: [0, 1, 7, 8, 9, 63, 64, 65, 1000])
    func rleHybridRoundTrips(count: Int) throws {
        var rng = SplitMix(seed: UInt64(count))
        for width in [1, 2, 5, 8, 13, 17, 32] {
            let mask: UInt64 = (1 << UInt64(width)) - 1
            // Mixed runs and noise.
            var values: [UInt64] = []
            while values.count < count {
                let v = rng.next() & mask
                values.append(contentsOf: repeatElement(v, count: min(count - values.count, Int(rng.next() % 3 == 0 ? rng.next() % 20 : 1))))
            }
            var out: [UInt8] = []
            values.withUnsafeBufferPointer { RLEHybrid.encode($0, width: width, into: &out) }
            let decoded = try withBytes(out) { (raw) throws(ParquetReadError) in
                var c = ByteCursor(raw)
                return try RLEHybrid.decode(&c, width: width, count: count)
            }
            #expect(decoded == values, "width \(width)")
        }
    }

    @Test func deltaBinaryPackedMatchesTheSpecExample() {
        // Encodings.md example 1: 1 2 3 4 5 → header, then min delta 1 and widths 0.
        var out: [UInt8] = []
        [1, 2, 3, 4, 5].map(Int64.init).withUnsafeBufferPointer { DeltaBinaryPacked.encode($0, into: &out) }
        #expect(out == [0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 0, 0, 0, 0])
    }

    @Test func deltaBinaryPackedRoundTripsExtremes() throws {
        var rng = SplitMix(seed: 7)
        let cases: [[Int64]] = [
            [], [42], [Int64.min, Int64.max, 0, -1, Int64.max, Int64.min],
            (0..<1000).map { 1_748_736_000_000 + Int64($0) * 5000 + Int64(rng.next() % 50) },
            (0..<300).map { _ in Int64(bitPattern: rng.next()) },
            Array(repeating: 7, count: 129),
        ]
        for values in cases {
            var out: [UInt8] = []
            values.withUnsafeBufferPointer { DeltaBinaryPacked.encode($0, into: &out) }
            let (decoded, left) = try withBytes(out) { (raw) throws(ParquetReadError) in
                var c = ByteCursor(raw)
                return (try DeltaBinaryPacked.decode(&c), c.remaining)
            }
            #expect(decoded == values)
            #expect(left == 0)
        }
    }

    @Test func dictionaryKeysFloatsByBits() throws {
        let values: [Float] = [0.0, -0.0, .nan, 1, 0.0, -0.0, 1, .nan]
        let d = try #require(values.withUnsafeBufferPointer { DictionaryBuilder.build($0) })
        #expect(d.dictionary.map(\.bitPattern) == [Float(0).bitPattern, Float(-0.0).bitPattern, Float.nan.bitPattern, Float(1).bitPattern])
        #expect(d.indices == [0, 1, 2, 3, 0, 1, 3, 2])
    }

    @Test func dictionaryGivesUpOnUniqueValues() {
        let values = (0..<1000).map { Float($0) * 1.001 }
        #expect(values.withUnsafeBufferPointer { DictionaryBuilder.build($0) } == nil)
    }
}

/// A small deterministic generator for test data.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
