import Snappy
import Testing

@Suite("Malformed input")
struct MalformedInputTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let stream: [UInt8]
        let error: SnappyError
        var maxLength = Snappy.defaultMaxLength
        var testDescription: String { name }
    }

    static let a = UInt8(ascii: "a")

    static let cases: [Case] = [
        Case(name: "empty input", stream: [], error: .truncatedLength(offset: 0)),
        Case(name: "preamble cut short", stream: [0x80, 0x80], error: .truncatedLength(offset: 2)),
        Case(name: "preamble of 6 bytes", stream: [0x80, 0x80, 0x80, 0x80, 0x80, 0x00], error: .lengthTooLong(offset: 4)),
        Case(name: "preamble above 2^32-1", stream: [0xFF, 0xFF, 0xFF, 0xFF, 0x1F], error: .lengthOverflow(offset: 4)),
        Case(
            name: "2^32-1 above the default cap", stream: [0xFF, 0xFF, 0xFF, 0xFF, 0x0F],
            error: .lengthExceedsLimit(declared: 4_294_967_295, limit: 256 << 20)),
        Case(
            name: "above the caller's cap", stream: [0x05, 0x10] + Array("hello".utf8),
            error: .lengthExceedsLimit(declared: 5, limit: 4), maxLength: 4),
        Case(
            name: "64 KiB declared by 2 bytes of elements", stream: [0x80, 0x80, 0x04, 0x00, a],
            error: .lengthUnreachable(declared: 65536, inputLength: 5)),
        Case(
            name: "literal past the input end", stream: [0x05, 0x10, a, a],
            error: .literalPastInputEnd(offset: 1, length: 5, available: 2)),
        Case(
            name: "literal length bytes cut short", stream: [0x05, 0xF4, 0x10],
            error: .truncatedTag(offset: 1, needed: 2, available: 1)),
        Case(
            name: "copy-1 offset byte missing", stream: [0x05, 0x00, a, 0x01],
            error: .truncatedTag(offset: 3, needed: 1, available: 0)),
        Case(
            name: "copy-2 offset cut short", stream: [0x05, 0x00, a, 0x02, 0x01],
            error: .truncatedTag(offset: 3, needed: 2, available: 1)),
        Case(
            name: "copy-4 offset cut short", stream: [0x05, 0x00, a, 0x03, 0x01, 0x00, 0x00],
            error: .truncatedTag(offset: 3, needed: 4, available: 3)),
        Case(name: "copy offset 0", stream: [0x05, 0x00, a, 0x01, 0x00], error: .copyOffsetZero(offset: 3)),
        Case(name: "copy-2 offset 0", stream: [0x05, 0x00, a, 0x0E, 0x00, 0x00], error: .copyOffsetZero(offset: 3)),
        Case(
            name: "copy before the output start", stream: [0x05, 0x00, a, 0x01, 0x02],
            error: .copyBeforeOutputStart(offset: 3, distance: 2, produced: 1)),
        Case(
            name: "copy as the first element", stream: [0x04, 0x01, 0x01],
            error: .copyBeforeOutputStart(offset: 1, distance: 1, produced: 0)),
        Case(
            name: "copy-4 with a huge offset", stream: [0x08, 0x0C, a, a, a, a, 0x0F, 0xFF, 0xFF, 0xFF, 0xFF],
            error: .copyBeforeOutputStart(offset: 6, distance: 4_294_967_295, produced: 4)),
        Case(
            name: "copy past the declared length", stream: [0x03, 0x00, a, 0x01, 0x01],
            error: .outputOverrun(offset: 3, length: 4, remaining: 2)),
        Case(
            name: "literal past the declared length", stream: [0x01, 0x04, a, a],
            error: .outputOverrun(offset: 1, length: 2, remaining: 1)),
        Case(
            name: "elements after a zero length", stream: [0x00, 0x00, a],
            error: .outputOverrun(offset: 1, length: 1, remaining: 0)),
        Case(name: "no elements", stream: [0x05], error: .outputShort(offset: 1, produced: 0, declared: 5)),
        Case(
            name: "output shorter than declared", stream: [0x05, 0x00, a],
            error: .outputShort(offset: 3, produced: 1, declared: 5)),
    ]

    @Test("throws the specific error", arguments: cases)
    func throwsSpecificError(testCase: Case) {
        #expect(throws: testCase.error) { try Snappy.decompress(testCase.stream, maxLength: testCase.maxLength) }
        #expect(referenceDecode(testCase.stream) == nil || testCase.maxLength < Snappy.defaultMaxLength)
    }

    @Test("the append form leaves the output untouched on error", arguments: cases)
    func appendLeavesOutputAlone(testCase: Case) {
        var output: [UInt8] = [1, 2, 3]
        #expect(throws: testCase.error) {
            try Snappy.decompress(testCase.stream, appendingTo: &output, maxLength: testCase.maxLength)
        }
        #expect(output == [1, 2, 3])
    }

    @Test("the buffer form throws the same errors")
    func bufferFormErrors() throws {
        for testCase in Self.cases where testCase.maxLength == Snappy.defaultMaxLength {
            // Give the buffer form room for the declared length (when small) so it reaches the
            // element that is wrong; large declared lengths must fail on the preamble or the cap.
            let room = min((try? Snappy.decompressedLength(testCase.stream)) ?? 0, 1 << 16)
            var buffer = [UInt8](repeating: 0, count: room)
            let thrown = buffer.withUnsafeMutableBytes { out in
                testCase.stream.withUnsafeBytes { input in
                    Result { () throws(SnappyError) in try Snappy.decompress(input, into: out) }
                }
            }
            switch (thrown, testCase.error) {
            case (.failure(.outputTooSmall), .lengthExceedsLimit):
                break  // the buffer form has no cap: the buffer's size is the cap
            case (.failure(let error), let expected):
                #expect(error == expected, "\(testCase.name)")
            case (.success, _):
                Issue.record("\(testCase.name): decoded without error")
            }
        }
    }

    @Test("the buffer form refuses a declared length above its capacity")
    func bufferTooSmall() {
        var buffer = [UInt8](repeating: 0, count: 4)
        let stream: [UInt8] = [0x05, 0x10] + Array("hello".utf8)
        buffer.withUnsafeMutableBytes { out in
            stream.withUnsafeBytes { input in
                _ = #expect(throws: SnappyError.outputTooSmall(declared: 5, capacity: 4)) {
                    try Snappy.decompress(input, into: out)
                }
            }
        }
    }

    @Test("every error names what was wrong")
    func descriptions() {
        for testCase in Self.cases {
            let text = testCase.error.description
            #expect(text.hasPrefix("snappy: "), "\(text)")
            #expect(text.count > 30, "\(text)")
        }
    }
}
