import Snappy
import Testing

@Suite("API forms")
struct APIFormTests {
    static let input = Inputs.text(10_000, seed: 21) + Inputs.sensorFloats(1000, seed: 22)

    @Test("append form writes the same block after existing bytes")
    func appendCompress() throws {
        let expected = Snappy.compress(Self.input)
        var output: [UInt8] = [9, 9, 9]
        let written = Snappy.compress(Self.input, appendingTo: &output)
        #expect(written == expected.count)
        #expect(output == [9, 9, 9] + expected)

        // Several pages into one buffer, each decodable from its own range.
        var pages: [UInt8] = []
        var ranges: [Range<Int>] = []
        for seed in 0..<5 as Range<UInt64> {
            let start = pages.count
            let page = Inputs.text(2000 + Int(seed) * 100, seed: seed)
            Snappy.compress(page, appendingTo: &pages)
            ranges.append(start..<pages.count)
            #expect(try Snappy.decompress(pages[start...]) == page)
        }
        #expect(ranges.last?.upperBound == pages.count)
    }

    @Test("raw buffer forms agree with the array forms")
    func rawBuffers() throws {
        let expected = Snappy.compress(Self.input)
        let fromRaw = Self.input.withUnsafeBytes { Snappy.compress($0) }
        #expect(fromRaw == expected)

        var buffer = [UInt8](repeating: 0, count: Snappy.maxCompressedLength(Self.input.count))
        let written = buffer.withUnsafeMutableBytes { out in
            Self.input.withUnsafeBytes { Snappy.compress($0, into: out) }
        }
        #expect(Array(buffer.prefix(written)) == expected)

        var decoded = [UInt8](repeating: 0, count: Self.input.count)
        let count = try decoded.withUnsafeMutableBytes { out in
            try expected.withUnsafeBytes { try Snappy.decompress($0, into: out) }
        }
        #expect(count == Self.input.count)
        let same = decoded == Self.input
        #expect(same, "\(difference(decoded, Self.input))")
        let viaRaw = try expected.withUnsafeBytes { try Snappy.decompress($0) }
        let viaRawSame = viaRaw == Self.input
        #expect(viaRawSame, "\(difference(viaRaw, Self.input))")
    }

    @Test("slices and non-contiguous collections work")
    func collections() throws {
        let padded = [0xFF] + Self.input + [0xFF]
        let slice = padded[1..<(padded.count - 1)]
        #expect(Snappy.compress(slice) == Snappy.compress(Self.input))

        // A lazy map is not contiguous: the convenience form copies it once.
        let lazy = Self.input.lazy.map { $0 }
        #expect(Snappy.compress(lazy) == Snappy.compress(Self.input))

        let compressed = Snappy.compress(Self.input)
        let compressedSlice = ([0] + compressed)[1...]
        #expect(try Snappy.decompress(compressedSlice) == Self.input)
        #expect(try Snappy.decompress(compressed.lazy.map { $0 }) == Self.input)
        #expect(try Snappy.decompressedLength(compressedSlice) == Self.input.count)
    }

    @Test("append decompress adds after existing bytes")
    func appendDecompress() throws {
        var output: [UInt8] = [7]
        let compressed = Snappy.compress(Self.input)
        #expect(try Snappy.decompress(compressed, appendingTo: &output) == Self.input.count)
        #expect(output == [7] + Self.input)
    }

    @Test("maxCompressedLength follows 32 + n + n/6")
    func bound() {
        #expect(Snappy.maxCompressedLength(0) == 32)
        #expect(Snappy.maxCompressedLength(6000) == 7032)
    }
}

extension APIFormTests {
    @Test("reads the largest preamble the format allows")
    func largestPreamble() throws {
        #expect(try Snappy.decompressedLength([0xFF, 0xFF, 0xFF, 0xFF, 0x0F]) == 4_294_967_295)
        #expect(try Snappy.decompressedLength([0x80, 0x80, 0x80, 0x80, 0x01, 0xAA]) == 1 << 28)
    }

    @Test("works on memory bound to other types (a Float column in and out)")
    func typedMemory() throws {
        let column = (0..<180).map { Float(20) + Float($0 % 7) * 0.25 }
        let compressed = column.withUnsafeBytes { Snappy.compress($0) }
        #expect(compressed.count < column.count * 4)
        var decoded = [Float](repeating: 0, count: column.count)
        let count = try decoded.withUnsafeMutableBytes { out in
            try compressed.withUnsafeBytes { try Snappy.decompress($0, into: out) }
        }
        #expect(count == column.count * 4)
        #expect(decoded == column)
    }

    @Test("appends into an empty array and decodes empty blocks")
    func emptyCases() throws {
        var output: [UInt8] = []
        #expect(Snappy.compress([UInt8](), appendingTo: &output) == 1)
        #expect(output == [0x00])
        var decoded: [UInt8] = []
        #expect(try Snappy.decompress(output, appendingTo: &decoded) == 0)
        #expect(decoded.isEmpty)
        var nothing: [UInt8] = []
        let count = try nothing.withUnsafeMutableBytes { out in
            try output.withUnsafeBytes { try Snappy.decompress($0, into: out) }
        }
        #expect(count == 0)
    }
}
