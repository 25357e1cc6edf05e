import Snappy
import Testing

/// Hostile input must throw, never trap: these run thousands of damaged streams through every
/// decompress form. A crash here fails the whole test run.
@Suite("Robustness")
struct RobustnessTests {
    /// A stream with literals of 1- and 2-byte headers (and one with a length byte), copy-1,
    /// copy-2 and overlapping copies; kept small because debug builds decode it ~10,000 times.
    static let original: [UInt8] =
        Inputs.text(600, seed: 11) + Inputs.random(200, seed: 12) + Inputs.repetitive(500, seed: 13)
        + Inputs.sensorFloats(100, seed: 14)
    static let valid = Snappy.compress(original)

    /// Decompresses with all three forms; returns the bytes if all succeed and agree. Records an
    /// issue when they disagree (plain `if`s: thousands of `#expect`s are slow in debug builds).
    static func decodeAllForms(_ stream: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> [UInt8]? {
        let asArray = try? Snappy.decompress(stream)

        var appended: [UInt8] = [0xEE]
        let appendedCount = try? Snappy.decompress(stream, appendingTo: &appended)

        var buffer = [UInt8](repeating: 0, count: original.count + 64)
        let intoCount = buffer.withUnsafeMutableBytes { out in
            stream.withUnsafeBytes { input in try? Snappy.decompress(input, into: out) }
        }

        func fail(_ message: String) { Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation) }
        if (asArray == nil) != (appendedCount == nil) { fail("array and append forms disagree on a \(stream.count)-byte stream") }
        if appendedCount == nil && appended != [0xEE] { fail("append form changed the output on error") }
        guard let asArray else {
            if intoCount != nil { fail("buffer form accepted a stream the array form rejects") }
            return nil
        }
        if Array(appended.dropFirst()) != asArray { fail("append form decoded different bytes") }
        if (try? Snappy.decompressedLength(stream)) != asArray.count { fail("decoded length differs from the preamble") }
        if let intoCount, Array(buffer.prefix(intoCount)) != asArray { fail("buffer form decoded different bytes") }
        return asArray
    }

    @Test("every truncation of a valid stream throws")
    func truncations() throws {
        let decoded = Self.decodeAllForms(Self.valid)
        let same = decoded == Self.original
        #expect(same, "\(difference(decoded, Self.original))")
        for length in 0..<Self.valid.count {
            let prefix = Array(Self.valid.prefix(length))
            if Self.decodeAllForms(prefix) != nil { Issue.record("a prefix of \(length) bytes decoded") }
        }
    }

    @Test("random mutations never crash", arguments: 0..<4)
    func mutations(batch: UInt64) {
        var rng = SplitMix64(seed: 0xC0FFEE &+ batch)
        var decodedCount = 0
        for _ in 0..<1000 {
            var stream = Self.valid
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let index = Int.random(in: 0..<stream.count, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: stream[index] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &rng)
                case 1: stream[index] = UInt8.random(in: 0...255, using: &rng)
                case 2: stream.remove(at: index)
                default: stream.insert(UInt8.random(in: 0...255, using: &rng), at: index)
                }
            }
            // Whatever we decide must match the independent decoder: same bytes, or both reject.
            let reference = referenceDecode(stream)
            if Self.decodeAllForms(stream) != reference {
                Issue.record("our decoder and the reference decoder disagree on a \(stream.count)-byte stream")
            } else if reference != nil {
                decodedCount += 1
            }
        }
        // Sanity: some mutations (e.g. inside literal bytes) must still decode.
        #expect(decodedCount > 0)
    }

    @Test("random garbage never crashes")
    func garbage() {
        var rng = SplitMix64(seed: 77)
        for _ in 0..<2000 {
            let count = Int.random(in: 0...64, using: &rng)
            var stream = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if !stream.isEmpty { stream[0] = UInt8.random(in: 0...127, using: &rng) }  // plausible small length
            if Self.decodeAllForms(stream) != referenceDecode(stream) {
                Issue.record("our decoder and the reference decoder disagree on a \(stream.count)-byte stream")
            }
        }
    }

    @Test("a tiny input declaring a huge length is refused before allocation")
    func hugeDeclaredLength() {
        // 200 MiB declared (under the default cap) by a 5-byte stream.
        let stream: [UInt8] = [0x80, 0x80, 0x80, 0x64, 0x00]
        #expect(throws: SnappyError.lengthUnreachable(declared: 200 << 20, inputLength: 5)) {
            try Snappy.decompress(stream)
        }
    }
}

extension RobustnessTests {
    @Test("the robustness stream covers every element kind the encoder emits")
    func coverage() throws {
        let kinds = try #require(elements(of: Self.valid))
        #expect(kinds.contains { if case .literal(let n) = $0 { n > 60 } else { false } }, "no long literal")
        #expect(kinds.contains { if case .copy(1, _, _) = $0 { true } else { false } }, "no copy-1")
        #expect(kinds.contains { if case .copy(2, _, _) = $0 { true } else { false } }, "no copy-2")
        #expect(kinds.contains { if case .copy(_, let n, let d) = $0 { d < n } else { false } }, "no overlap")
    }
}
