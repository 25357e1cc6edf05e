import Snappy
import Testing

@Suite("Round trips")
struct RoundTripTests {
    static let sizes = [0, 1, 2, 3, 4, 15, 16, 17, 60, 61, 255, 256, 65535, 65536, 65537, 1 << 20]

    /// Compresses, checks the block against both decoders and the size bound, and returns it.
    @discardableResult
    static func roundTrip(_ input: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws -> [UInt8] {
        let compressed = Snappy.compress(input)
        #expect(compressed.count <= Snappy.maxCompressedLength(input.count), sourceLocation: sourceLocation)
        #expect(try Snappy.decompressedLength(compressed) == input.count, sourceLocation: sourceLocation)
        let output = try Snappy.decompress(compressed)
        let same = output == input
        #expect(same, "our decoder: \(difference(output, input))", sourceLocation: sourceLocation)
        // The independent decoder is slow; 64 KiB and a bit is enough to cover fragment edges.
        if input.count <= 70_000 {
            let reference = referenceDecode(compressed)
            let referenceSame = reference == input
            #expect(referenceSame, "reference decoder: \(difference(reference, input))", sourceLocation: sourceLocation)
        }
        return compressed
    }

    @Test("random bytes", arguments: sizes)
    func randomBytes(size: Int) throws {
        try Self.roundTrip(Inputs.random(size, seed: UInt64(size) &+ 1))
    }

    @Test("small-alphabet bytes (many short matches)", arguments: sizes.dropLast())
    func smallAlphabet(size: Int) throws {
        for symbols: UInt8 in [2, 4, 16] {
            try Self.roundTrip(Inputs.smallAlphabet(size, symbols: symbols, seed: UInt64(size) &* 31 &+ UInt64(symbols)))
        }
    }

    @Test("repetitive bytes", arguments: sizes)
    func repetitive(size: Int) throws {
        let input = Inputs.repetitive(size, seed: UInt64(size) &+ 7)
        let compressed = try Self.roundTrip(input)
        if size >= 4096 {
            #expect(compressed.count * 10 < size, "runs should compress at least 10×: \(compressed.count) of \(size)")
        }
    }

    /// Generated once: building 1 MiB of words per size is slow in debug builds.
    static let longText = Inputs.text(sizes.max()!, seed: 42)

    @Test("text", arguments: sizes)
    func text(size: Int) throws {
        let input = Array(Self.longText.prefix(size))
        let compressed = try Self.roundTrip(input)
        if size >= 4096 {
            #expect(compressed.count * 2 < size, "text should compress at least 2×: \(compressed.count) of \(size)")
        }
    }

    @Test("float32 sensor-like values", arguments: [1, 180, 2_880, 17_280, 100_000])
    func sensorFloats(values: Int) throws {
        let input = Inputs.sensorFloats(values, seed: 5)
        let compressed = try Self.roundTrip(input)
        if values >= 180 {
            #expect(compressed.count < input.count, "sensor floats should shrink: \(compressed.count) of \(input.count)")
        }
    }

    @Test("a single byte value repeated, across sizes")
    func constantRuns() throws {
        for size in [5, 16, 64, 65, 67, 68, 69, 128, 1000, 65536, 65537, 200_000] {
            let compressed = try Self.roundTrip([UInt8](repeating: 0xAB, count: size))
            // One literal plus copies of 64 per 3 bytes, per fragment.
            #expect(compressed.count <= 8 + (size / 64 + 2) * 3 + (size / 65536 + 1) * 5)
        }
    }

    @Test("random data never grows past the bound, and barely grows at all")
    func incompressibleBound() throws {
        let input = Inputs.random(1 << 20, seed: 99)
        let compressed = try Self.roundTrip(input)
        // One literal per 64 KiB fragment: a 3-byte header each, plus the preamble.
        #expect(compressed.count <= input.count + 16 * 3 + 5)
    }
}
