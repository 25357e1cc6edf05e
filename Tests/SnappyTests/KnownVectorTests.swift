import Snappy
import Testing

/// Streams built by hand from the format description (tag layouts in Snappy.swift).
@Suite("Known vectors")
struct KnownVectorTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        let name: String
        let stream: [UInt8]
        let expected: [UInt8]
        var testDescription: String { name }
    }

    static let hello = Array("hello".utf8)

    static let vectors: [Vector] = [
        Vector(name: "empty", stream: [0x00], expected: []),
        Vector(name: "literal of 1", stream: [0x01, 0x00, 0x61], expected: [0x61]),
        // Literal length 5: tag (5-1) << 2 = 0x10.
        Vector(name: "literal only", stream: [0x05, 0x10] + hello, expected: hello),
        // "ab" then copy-1, length 10 (bits 2…4 = 6), offset 2: overlapping copy repeats "ab".
        Vector(
            name: "copy-1 with overlap", stream: [0x0C, 0x04, 0x61, 0x62, 0x19, 0x02],
            expected: Array("abababababab".utf8)),
        // "a" then copy-2 length 19 (upper bits 18), offset 1: a run.
        Vector(
            name: "copy-2 run of offset 1", stream: [0x14, 0x00, 0x61, 0x4A, 0x01, 0x00],
            expected: [UInt8](repeating: 0x61, count: 20)),
        // "abcd" then copy-4 length 4 (upper bits 3), offset 4.
        Vector(
            name: "copy-4", stream: [0x08, 0x0C, 0x61, 0x62, 0x63, 0x64, 0x0F, 0x04, 0x00, 0x00, 0x00],
            expected: Array("abcdabcd".utf8)),
        // copy-1 offset 0x7FF: offset bits 8…10 in the tag's top 3 bits.
        Vector(
            name: "copy-1 largest offset",
            stream: [0x83, 0x10, 0xF4, 0xFE, 0x07] + [UInt8](repeating: 0x5A, count: 2047 - 1) + [0x33]
                + [0xE1, 0xFF],
            expected: [UInt8](repeating: 0x5A, count: 2047 - 1) + [0x33] + [UInt8](repeating: 0x5A, count: 4)),
        // Literal lengths with 1 and 2 extra bytes (tags 60 and 61).
        Vector(
            name: "literal with 1-byte length", stream: [0x64, 0xF0, 99] + [UInt8](repeating: 7, count: 100),
            expected: [UInt8](repeating: 7, count: 100)),
        Vector(
            name: "literal with 2-byte length", stream: [0xE8, 0x07, 0xF4, 0xE7, 0x03] + [UInt8](repeating: 9, count: 1000),
            expected: [UInt8](repeating: 9, count: 1000)),
        // A non-canonical but valid encoding: length 1 spelled with the extra-byte form.
        Vector(name: "non-canonical literal length", stream: [0x01, 0xF0, 0x00, 0x78], expected: [0x78]),
        // Non-minimal varint preamble (0 spelled in two bytes) is accepted by conformant decoders.
        Vector(name: "padded preamble", stream: [0x81, 0x00, 0x00, 0x61], expected: [0x61]),
    ]

    @Test("decodes hand-built streams", arguments: vectors)
    func decodes(vector: Vector) throws {
        #expect(try Snappy.decompress(vector.stream) == vector.expected)
        #expect(try Snappy.decompressedLength(vector.stream) == vector.expected.count)
        #expect(referenceDecode(vector.stream) == vector.expected, "the test's reference decoder disagrees")
    }

    @Test("encodes the empty input as a lone zero preamble")
    func encodesEmpty() {
        #expect(Snappy.compress([UInt8]()) == [0x00])
    }

    @Test("encodes short input as one literal")
    func encodesShortLiteral() {
        #expect(Snappy.compress(Self.hello) == [0x05, 0x10] + Self.hello)
    }

    @Test("encodes a run as one literal and one overlapping copy")
    func encodesRun() {
        // The greedy matcher finds position 0 from position 1: literal "a", copy-2 of 19 at offset 1.
        #expect(Snappy.compress([UInt8](repeating: 0x61, count: 20)) == [0x14, 0x00, 0x61, 0x4A, 0x01, 0x00])
    }

    @Test("encodes the preamble as a little-endian varint")
    func encodesPreamble() {
        // 300 = 0b10_0101100 → 0xAC 0x02; 2^21 → 0x80 0x80 0x80 0x01.
        #expect(Array(Snappy.compress(Inputs.random(300, seed: 1)).prefix(2)) == [0xAC, 0x02])
        #expect(Array(Snappy.compress([UInt8](repeating: 0, count: 1 << 21)).prefix(4)) == [0x80, 0x80, 0x80, 0x01])
    }

    @Test("uses copy-1 for short near matches and copy-2 for far ones")
    func copyKinds() throws {
        let pattern = Inputs.random(8, seed: 3)
        let near = pattern + pattern + Inputs.random(20, seed: 4)
        let nearElements = try #require(elements(of: Snappy.compress(near)))
        #expect(nearElements.contains(.copy(kind: 1, length: 8, offset: 8)), "\(nearElements)")

        let far = Inputs.random(16, seed: 5) + Inputs.text(3000, seed: 6) + Inputs.random(16, seed: 5)
            + Inputs.random(20, seed: 7)
        let farElements = try #require(elements(of: Snappy.compress(far)))
        #expect(farElements.contains { if case .copy(2, _, 3016) = $0 { true } else { false } }, "\(farElements)")
    }

    @Test("picks the shortest copy element and never a copy-4", arguments: [1, 2, 3])
    func copyEncodingChoices(seed: UInt64) throws {
        let input = Inputs.text(50_000, seed: seed) + Inputs.repetitive(50_000, seed: seed)
        for element in try #require(elements(of: Snappy.compress(input))) {
            guard case .copy(let kind, let length, let offset) = element else { continue }
            #expect(kind != 3, "copy-4 within a 64 KiB fragment")
            if length <= 11 && offset < 2048 { #expect(kind == 1, "\(element) fits a copy-1") }
        }
    }
}

/// One decoded element of a Snappy stream, for tests that look at how the encoder chose to spell
/// its output.
enum Element: Equatable, CustomStringConvertible {
    case literal(length: Int)
    case copy(kind: Int, length: Int, offset: Int)

    var description: String {
        switch self {
        case .literal(let length): "literal(\(length))"
        case .copy(let kind, let length, let offset): "copy\(kind == 3 ? 4 : kind)(\(length)@\(offset))"
        }
    }
}

/// Splits a well-formed stream into elements (nil if malformed; no output is produced).
func elements(of stream: [UInt8]) -> [Element]? {
    var ip = 0
    while ip < stream.count, stream[ip] & 0x80 != 0 { ip += 1 }
    ip += 1
    var result: [Element] = []
    while ip < stream.count {
        let tag = stream[ip]
        ip += 1
        let kind = Int(tag & 3)
        if kind == 0 {
            var n = Int(tag >> 2)
            if n >= 60 {
                let extra = n - 59
                guard ip + extra <= stream.count else { return nil }
                n = 0
                for k in 0..<extra { n |= Int(stream[ip + k]) << (8 * k) }
                ip += extra
            }
            ip += n + 1
            result.append(.literal(length: n + 1))
        } else {
            let extra = kind == 1 ? 1 : (kind == 2 ? 2 : 4)
            guard ip + extra <= stream.count else { return nil }
            var offset = 0
            for k in 0..<extra { offset |= Int(stream[ip + k]) << (8 * k) }
            let length: Int
            if kind == 1 {
                length = 4 + Int((tag >> 2) & 7)
                offset |= Int(tag >> 5) << 8
            } else {
                length = 1 + Int(tag >> 2)
            }
            ip += extra
            result.append(.copy(kind: kind, length: length, offset: offset))
        }
    }
    return ip == stream.count ? result : nil
}
