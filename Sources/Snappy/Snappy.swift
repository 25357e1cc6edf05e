// Raw Snappy block format — what Parquet's SNAPPY codec means (parquet-format Compression.md: a
// page is one raw block, no framing). Restated from the format description in google/snappy's
// format_description.txt:
//
//   block    := preamble element*
//   preamble := uncompressed length as a little-endian base-128 varint, at most 5 bytes (< 2^32)
//   element  := tag byte; its low 2 bits pick the kind:
//     00 literal  — upper 6 bits n: n < 60 → length n+1; n = 60…63 → length-1 follows in
//                   n-59 little-endian bytes. Then the literal bytes.
//     01 copy-1   — length 4 + bits 2…4 (4…11); offset = bits 5…7 << 8 | next byte (0…2047)
//     10 copy-2   — length 1 + upper 6 bits (1…64); offset = next 2 bytes, little-endian
//     11 copy-4   — length 1 + upper 6 bits (1…64); offset = next 4 bytes, little-endian
//   A copy repeats `length` bytes starting `offset` bytes back in the output; offset < length is
//   allowed and repeats a pattern (run-length style).
//
// The compressor works on 64 KiB fragments, so it only ever emits copy-1 and copy-2; the
// decompressor accepts all four kinds.

/// Raw Snappy block compression and decompression, in pure Swift.
///
/// Audience: the Parquet writer and reader (SNAPPY pages are single raw blocks, not the framing
/// format). Compression is tuned for small pages appended into one growing buffer; decompression
/// validates every element and throws ``SnappyError`` on malformed input instead of trapping.
///
/// Every entry point has an `UnsafeRawBufferPointer` form (zero cost for callers holding
/// `[UInt8]` slices or page buffers) and a convenience form over any `Collection<UInt8>`.
public enum Snappy {
    /// The cap on a declared uncompressed length that ``decompress(_:maxLength:)`` accepts by
    /// default: 256 MiB, far above any Parquet page this project writes or reads.
    public static let defaultMaxLength = 256 << 20

    /// The largest uncompressed length the format can declare: the preamble is a 32-bit varint.
    public static let maxUncompressedLength = Int(UInt32.max)

    // MARK: Compression

    /// The most bytes ``compress(_:into:)`` can write for an input of `inputLength` bytes.
    ///
    /// The bound (32 + n + n/6) is the one the format's reference implementation documents:
    /// incompressible input grows only by literal headers and the preamble.
    public static func maxCompressedLength(_ inputLength: Int) -> Int {
        precondition(inputLength >= 0, "Snappy.maxCompressedLength: negative length \(inputLength)")
        return 32 + inputLength + inputLength / 6
    }

    /// Compresses `input` into `output` and returns the number of bytes written.
    ///
    /// `output` must hold at least ``maxCompressedLength(_:)`` bytes of `input.count`; this is the
    /// primitive every other compress form uses, for callers that manage their own buffers.
    /// Traps if `output` is too small or `input` exceeds ``maxUncompressedLength`` (both are
    /// programming errors, not data errors).
    public static func compress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> Int {
        precondition(
            input.count <= maxUncompressedLength,
            "Snappy.compress: input of \(input.count) bytes exceeds the format's 2^32-1 limit")
        let bound = maxCompressedLength(input.count)
        precondition(
            output.count >= bound,
            "Snappy.compress: output holds \(output.count) bytes, needs maxCompressedLength = \(bound)")
        return BlockCompressor.compress(input.baseAddress, count: input.count, into: output.baseAddress!)
    }

    /// Compresses `input` and returns the Snappy block.
    public static func compress(_ input: UnsafeRawBufferPointer) -> [UInt8] {
        let bound = maxCompressedLength(input.count)
        return [UInt8](unsafeUninitializedCapacity: bound) { buffer, count in
            count = compress(input, into: UnsafeMutableRawBufferPointer(buffer))
        }
    }

    /// Compresses `input` and returns the Snappy block.
    @inlinable
    public static func compress(_ input: some Collection<UInt8>) -> [UInt8] {
        withRawBytes(input) { compress($0) }
    }

    /// Compresses `input` and appends the Snappy block to `output`; returns the bytes appended.
    ///
    /// The block is written in place into `output`'s spare capacity (grown geometrically by the
    /// worst case when needed; nothing is zero-filled or copied), so a writer can append many
    /// pages into one buffer without extra copies.
    @discardableResult
    public static func compress(_ input: UnsafeRawBufferPointer, appendingTo output: inout [UInt8]) -> Int {
        let bound = maxCompressedLength(input.count)
        var written = 0
        output.append(addingCapacity: bound) { span in
            span.withUnsafeMutableBufferPointer { buffer, initializedCount in
                written = compress(input, into: UnsafeMutableRawBufferPointer(buffer))
                initializedCount = written
            }
        }
        return written
    }

    /// Compresses `input` and appends the Snappy block to `output`; returns the bytes appended.
    @inlinable
    @discardableResult
    public static func compress(_ input: some Collection<UInt8>, appendingTo output: inout [UInt8]) -> Int {
        withRawBytes(input) { compress($0, appendingTo: &output) }
    }

    // MARK: Decompression

    /// Reads the uncompressed length a Snappy block declares in its preamble.
    ///
    /// Only the preamble is checked; the rest of the block may still be malformed.
    public static func decompressedLength(_ input: UnsafeRawBufferPointer) throws(SnappyError) -> Int {
        try readPreamble(input).length
    }

    /// Reads the uncompressed length a Snappy block declares in its preamble.
    @inlinable
    public static func decompressedLength(_ input: some Collection<UInt8>) throws(SnappyError) -> Int {
        try withRawBytes(input) { (bytes) throws(SnappyError) in try decompressedLength(bytes) }
    }

    /// Decompresses the Snappy block `input` into `output`; returns the uncompressed length.
    ///
    /// For readers that know the page's uncompressed size and own the buffer. Throws
    /// ``SnappyError/outputTooSmall(declared:capacity:)`` if the declared length does not fit;
    /// on any error the contents of `output` are unspecified.
    public static func decompress(
        _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer
    ) throws(SnappyError) -> Int {
        let (length, start) = try readPreamble(input)
        guard length <= output.count else { throw .outputTooSmall(declared: length, capacity: output.count) }
        try checkReachable(length, input: input, start: start)
        guard length > 0 else {
            try BlockDecompressor.decompress(input, from: start, into: nil, length: 0)
            return 0
        }
        try BlockDecompressor.decompress(input, from: start, into: output.baseAddress!, length: length)
        return length
    }

    /// Decompresses the Snappy block `input`.
    ///
    /// - Parameter maxLength: the largest declared uncompressed length accepted; a larger one
    ///   throws ``SnappyError/lengthExceedsLimit(declared:limit:)`` before anything is allocated.
    ///   At most the declared length is ever allocated.
    public static func decompress(
        _ input: UnsafeRawBufferPointer, maxLength: Int = defaultMaxLength
    ) throws(SnappyError) -> [UInt8] {
        let (length, start) = try readPreamble(input)
        guard length <= maxLength else { throw .lengthExceedsLimit(declared: length, limit: maxLength) }
        try checkReachable(length, input: input, start: start)
        var failure: SnappyError?
        let result = [UInt8](unsafeUninitializedCapacity: length) { buffer, count in
            do throws(SnappyError) {
                try BlockDecompressor.decompress(
                    input, from: start, into: UnsafeMutableRawPointer(buffer.baseAddress), length: length)
                count = length
            } catch {
                failure = error
                count = 0
            }
        }
        if let failure { throw failure }
        return result
    }

    /// Decompresses the Snappy block `input`.
    @inlinable
    public static func decompress(
        _ input: some Collection<UInt8>, maxLength: Int = defaultMaxLength
    ) throws(SnappyError) -> [UInt8] {
        try withRawBytes(input) { (bytes) throws(SnappyError) in try decompress(bytes, maxLength: maxLength) }
    }

    /// Decompresses the Snappy block `input` and appends the result to `output`; returns the
    /// bytes appended. On error `output` is left as it was.
    @discardableResult
    public static func decompress(
        _ input: UnsafeRawBufferPointer, appendingTo output: inout [UInt8], maxLength: Int = defaultMaxLength
    ) throws(SnappyError) -> Int {
        let (length, start) = try readPreamble(input)
        guard length <= maxLength else { throw .lengthExceedsLimit(declared: length, limit: maxLength) }
        try checkReachable(length, input: input, start: start)
        // Decoded straight into the spare capacity; on error nothing counts as appended.
        try output.append(addingCapacity: length) { (span) throws(SnappyError) in
            try span.withUnsafeMutableBufferPointer { (buffer, initializedCount) throws(SnappyError) in
                try BlockDecompressor.decompress(
                    input, from: start, into: UnsafeMutableRawPointer(buffer.baseAddress), length: length)
                initializedCount = length
            }
        }
        return length
    }

    /// Decompresses the Snappy block `input` and appends the result to `output`; returns the
    /// bytes appended. On error `output` is left as it was.
    @inlinable
    @discardableResult
    public static func decompress(
        _ input: some Collection<UInt8>, appendingTo output: inout [UInt8], maxLength: Int = defaultMaxLength
    ) throws(SnappyError) -> Int {
        try withRawBytes(input) { (bytes) throws(SnappyError) in
            try decompress(bytes, appendingTo: &output, maxLength: maxLength)
        }
    }

    // MARK: Helpers

    /// Runs `body` over the bytes of `input`, borrowing its storage when it is contiguous
    /// (arrays, slices, `Data`) and copying it once otherwise.
    @usableFromInline
    static func withRawBytes<R, E: Error>(
        _ input: some Collection<UInt8>, _ body: (UnsafeRawBufferPointer) throws(E) -> R
    ) throws(E) -> R {
        var result: Result<R, E>?
        input.withContiguousStorageIfAvailable { buffer in
            result = Result { () throws(E) in try body(UnsafeRawBufferPointer(buffer)) }
        }
        if result == nil {
            let copy = Array(input)
            copy.withUnsafeBytes { bytes in
                result = Result { () throws(E) in try body(bytes) }
            }
        }
        return try result!.get()
    }

    /// Parses the length preamble: the declared length and the offset of the first element.
    static func readPreamble(_ input: UnsafeRawBufferPointer) throws(SnappyError) -> (length: Int, start: Int) {
        var value = 0
        // Bytes 0…3 carry 7 bits each.
        for index in 0..<4 {
            guard index < input.count else { throw .truncatedLength(offset: index) }
            let byte = input[index]
            value |= Int(byte & 0x7F) << (7 * index)
            if byte & 0x80 == 0 { return (value, index + 1) }
        }
        // The fifth and last byte carries bits 28…31: no continuation, nothing above 0x0F.
        guard input.count > 4 else { throw .truncatedLength(offset: 4) }
        let byte = input[4]
        guard byte & 0x80 == 0 else { throw .lengthTooLong(offset: 4) }
        guard byte <= 0x0F else { throw .lengthOverflow(offset: 4) }
        return (value | Int(byte) << 28, 5)
    }

    /// Rejects a declared length the remaining input cannot possibly produce, before allocating.
    static func checkReachable(_ length: Int, input: UnsafeRawBufferPointer, start: Int) throws(SnappyError) {
        // Densest elements: copy-2 turns 3 input bytes into 64 output bytes, copy-1 2 into 11.
        let remaining = input.count - start
        let reachable = remaining / 3 * 64 + 11
        guard length <= reachable else { throw .lengthUnreachable(declared: length, inputLength: input.count) }
    }
}
