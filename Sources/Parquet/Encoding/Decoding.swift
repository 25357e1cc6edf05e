// Decoders for the value and level encodings of parquet-format Encodings.md, written against
// hostile input: every read is bounds-checked and counts are validated against the bytes
// that could hold them before anything is allocated.

/// A cursor over bytes that throws instead of reading out of bounds.
struct ByteCursor {
    let bytes: UnsafeRawBufferPointer
    var position = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var remaining: Int { bytes.count - position }

    mutating func byte() throws(ParquetReadError) -> UInt8 {
        guard position < bytes.count else { throw ParquetReadError("unexpected end of page data") }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func varint() throws(ParquetReadError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
            guard shift < 64 else { throw ParquetReadError("varint longer than 10 bytes") }
        }
    }

    mutating func zigzag() throws(ParquetReadError) -> Int64 {
        let u = try varint()
        return Int64(bitPattern: u >> 1) ^ -Int64(bitPattern: u & 1)
    }

    /// A 4-byte little-endian length, as v1 pages prefix their levels with.
    mutating func uint32() throws(ParquetReadError) -> UInt32 {
        let b = try take(4)
        return UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24
    }

    mutating func take(_ n: Int) throws(ParquetReadError) -> UnsafeRawBufferPointer {
        guard n >= 0, n <= remaining else { throw ParquetReadError("needs \(n) bytes, \(remaining) left") }
        defer { position += n }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<(position + n)])
    }

    /// Reads `count` values of `width` bits, LSB-first bit-packed.
    mutating func unpack(_ count: Int, width: Int, into out: inout [UInt64]) throws(ParquetReadError) {
        guard width <= 64 else { throw ParquetReadError("bit width \(width) above 64") }
        let nbytes = (count * width + 7) / 8
        let src = try take(nbytes)
        if width == 0 {
            out.append(contentsOf: repeatElement(0, count: count))
            return
        }
        var bit = 0
        let mask: UInt64 = width == 64 ? ~0 : (1 << UInt64(width)) - 1
        for _ in 0..<count {
            var v: UInt64 = 0
            var got = 0
            while got < width {
                let byteIndex = (bit + got) >> 3
                let shift = (bit + got) & 7
                let take = min(8 - shift, width - got)
                v |= UInt64((src[byteIndex] >> UInt8(shift)) & UInt8((1 << take) - 1)) << UInt64(got)
                got += take
            }
            out.append(v & mask)
            bit += width
        }
    }
}

extension RLEHybrid {
    /// Decodes exactly `count` values of `width` bits.
    static func decode(_ cursor: inout ByteCursor, width: Int, count: Int) throws(ParquetReadError) -> [UInt64] {
        guard width <= 32 else { throw ParquetReadError("RLE bit width \(width) above 32") }
        var out: [UInt64] = []
        out.reserveCapacity(min(count, cursor.remaining * 8 + 64))
        while out.count < count {
            let header = try cursor.varint()
            if header & 1 == 1 {
                let groups = Int(clamping: header >> 1)
                guard groups > 0, groups <= cursor.remaining + 1 else { throw ParquetReadError("bit-packed run of \(groups) groups exceeds the page") }
                // Writers may stop the last run's bytes at the last value (arrow-cpp does), so
                // read only the values wanted and that fit.
                let wanted = min(groups * 8, count - out.count)
                let fit = width == 0 ? wanted : min(wanted, cursor.remaining * 8 / width)
                try cursor.unpack(fit, width: width, into: &out)
                guard fit == wanted else { throw ParquetReadError("bit-packed run truncated: \(wanted - fit) values missing") }
                // Skip the run's padding bytes, if present.
                let runBytes = groups * width
                let used = (fit * width + 7) / 8
                cursor.position += min(runBytes - used, cursor.remaining)
            } else {
                let n = Int(clamping: header >> 1)
                guard n > 0 else { throw ParquetReadError("RLE run of length 0") }
                var v: UInt64 = 0
                for k in 0..<((width + 7) / 8) { v |= UInt64(try cursor.byte()) << UInt64(8 * k) }
                guard width == 64 || v >> UInt64(width) == 0 else { throw ParquetReadError("RLE value \(v) wider than \(width) bits") }
                out.append(contentsOf: repeatElement(v, count: min(n, count - out.count)))
            }
        }
        return out
    }
}

extension DeltaBinaryPacked {
    /// Decodes one DELTA_BINARY_PACKED run; with `expected`, its count must be that.
    static func decode(_ cursor: inout ByteCursor, expected: Int? = nil) throws(ParquetReadError) -> [Int64] {
        let blockSize = Int(clamping: try cursor.varint())
        let miniblocks = Int(clamping: try cursor.varint())
        let total = Int(clamping: try cursor.varint())
        var value = try cursor.zigzag()
        // The spec asks for a block size that is a multiple of 128 and miniblocks of a multiple
        // of 32 values; writers use 128 (arrow) or 1024 at most, so 32768 bounds the scratch.
        guard blockSize > 0, blockSize % 128 == 0, blockSize <= 32_768, miniblocks > 0, blockSize % miniblocks == 0,
              (blockSize / miniblocks) % 32 == 0
        else {
            throw ParquetReadError("DELTA_BINARY_PACKED header: block size \(blockSize) with \(miniblocks) miniblocks is invalid")
        }
        if let expected, total != expected {
            throw ParquetReadError("DELTA_BINARY_PACKED holds \(total) values, expected \(expected)")
        }
        // Each block costs at least its min delta and bit widths: bound the count by the blocks
        // the bytes left could hold.
        guard total <= 1 + (cursor.remaining / (1 + miniblocks) + 1) * blockSize else {
            throw ParquetReadError("DELTA_BINARY_PACKED claims \(total) values in \(cursor.remaining) bytes")
        }
        var out: [Int64] = []
        out.reserveCapacity(total)
        if total == 0 { return out }
        out.append(value)
        let per = blockSize / miniblocks
        var deltas: [UInt64] = []
        deltas.reserveCapacity(per)
        while out.count < total {
            let minDelta = try cursor.zigzag()
            let widths = try cursor.take(miniblocks)
            for m in 0..<miniblocks where out.count < total {
                deltas.removeAll(keepingCapacity: true)
                try cursor.unpack(per, width: Int(widths[m]), into: &deltas)
                for d in deltas where out.count < total {
                    value = value &+ minDelta &+ Int64(bitPattern: d)
                    out.append(value)
                }
            }
        }
        return out
    }
}

/// Lengths of DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY (Encodings.md): a
/// DELTA_BINARY_PACKED run of lengths, each checked to be non-negative.
private func deltaLengths(_ c: inout ByteCursor, count: Int, what: String) throws(ParquetReadError) -> [Int] {
    let raw = try DeltaBinaryPacked.decode(&c, expected: count)
    var out: [Int] = []
    out.reserveCapacity(count)
    for v in raw {
        guard v >= 0, v <= Int64(Int32.max) else { throw ParquetReadError("\(what) \(v) is invalid") }
        out.append(Int(v))
    }
    return out
}

/// Values the reader can decode; each type implements the encodings valid for it and
/// inherits an error for the others.
protocol ParquetPlainDecodable {
    static func decodePlain(_ c: inout ByteCursor, count: Int) throws(ParquetReadError) -> [Self]
    static func fromInt64(_ v: Int64) throws(ParquetReadError) -> Self
    static func decodeByteStreamSplit(_ c: inout ByteCursor, count: Int) throws(ParquetReadError) -> [Self]
    static func decodeRLE(_ c: inout ByteCursor, count: Int) throws(ParquetReadError) -> [Self]
    static func decodeDeltaLength(_ c: inout ByteCursor, count: Int) throws(ParquetReadError) -> [Self]
    static func decodeDeltaByteArray(_ c: inout ByteCursor, count: Int) throws(ParquetReadError) -> [Self]
    static var typeName: String { get }
}

extension ParquetPlainDecodable {
    static func fromInt64(_ v: Int64) throws(ParquetReadError) -> Self { throw unsupported(.deltaBinaryPacked) }
    static func decodeByteStreamSplit(_ c: inout ByteCursor, count: Int) throws(ParquetReadError) -> [Self] { throw unsupported(.byteStreamSplit) }
    static func decodeRLE(_ c: inout ByteCursor, count: Int) throws(ParquetReadError) -> [Self] { throw unsupported(.rle) }
    static func decodeDeltaLength(_ c: inout ByteCursor, count: Int) throws(ParquetReadError) -> [Self] { throw unsupported(.deltaLengthByteArray) }
    static func decodeDeltaByteArray(_ c: inout ByteCursor, count: Int) throws(ParquetReadError) -> [Self] { throw unsupported(.deltaByteArray) }
    static func unsupported(_ e: Encoding) -> ParquetReadError { ParquetReadError("encoding \(e) is not valid for a \(typeName) column") }
}

extension ParquetPlainDecodable where Self: ParquetFixedWidthValue {
    static func decodePlain(_ c: inout ByteCursor, count: Int) throws(ParquetReadError) -> [Self] {
        let size = MemoryLayout<Self>.size
        guard count >= 0, count <= c.remaining / size else { throw ParquetReadError("\(count) \(typeName) values need \(count * size) bytes, \(c.remaining) left") }
        let raw = try c.take(count * size)
        return (0..<count).map { raw.loadUnaligned(fromByteOffset: $0 * size, as: Self.self) }
    }

    /// BYTE_STREAM_SPLIT: byte k of value i is at k × count + i.
    static func decodeByteStreamSplit(_ c: inout ByteCursor, count: Int) throws(ParquetReadError) -> [Self] {
        let size = MemoryLayout<Self>.size
        guard count >= 0, count <= c.remaining / size else { throw ParquetReadError("BYTE_STREAM_SPLIT: \(count) values need \(count * size) bytes, \(c.remaining) left") }
        let raw = try c.take(count * size)
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: size) { tmp in
            (0..<count).map { i in
                for k in 0..<size { tmp[k] = raw[k * count + i] }
                return UnsafeRawBufferPointer(tmp).loadUnaligned(as: Self.self)
            }
        }
    }
}

extension Float: ParquetPlainDecodable { static var typeName: String { "FLOAT" } }
extension Double: ParquetPlainDecodable { static var typeName: String { "DOUBLE" } }
extension Int32: ParquetPlainDecodable {
    static var typeName: String { "INT32" }
    /// Writers accumulate INT32 deltas in 32-bit wrapping arithmetic; the 64-bit sum agrees
    /// modulo 2^32.
    static func fromInt64(_ v: Int64) throws(ParquetReadError) -> Int32 { Int32(truncatingIfNeeded: v) }
}
extension Int64: ParquetPlainDecodable {
    static var typeName: String { "INT64" }
    static func fromInt64(_ v: Int64) throws(ParquetReadError) -> Int64 { v }
}

extension Bool: ParquetPlainDecodable {
    static var typeName: String { "BOOLEAN" }
    static func decodePlain(_ c: inout ByteCursor, count: Int) throws(ParquetReadError) -> [Bool] {
        guard count >= 0, count <= c.remaining * 8 else { throw ParquetReadError("\(count) booleans need \((count + 7) / 8) bytes, \(c.remaining) left") }
        let raw = try c.take((count + 7) / 8)
        return (0..<count).map { raw[$0 >> 3] >> UInt8($0 & 7) & 1 == 1 }
    }

    /// RLE booleans: a 4-byte length, then the hybrid with bit width 1 (Encodings.md "RLE").
    static func decodeRLE(_ c: inout ByteCursor, count: Int) throws(ParquetReadError) -> [Bool] {
        let length = Int(try c.uint32())
        var sub = ByteCursor(try c.take(length))
        return try RLEHybrid.decode(&sub, width: 1, count: count).map { $0 == 1 }
    }
}

extension String: ParquetPlainDecodable {
    static var typeName: String { "BYTE_ARRAY" }
    static func decodePlain(_ c: inout ByteCursor, count: Int) throws(ParquetReadError) -> [String] {
        guard count >= 0, count <= c.remaining / 4 else { throw ParquetReadError("\(count) strings cannot fit in \(c.remaining) bytes") }
        var out: [String] = []
        out.reserveCapacity(count)
        for _ in 0..<count {
            let n = Int(try c.uint32())
            out.append(try text(try c.take(n)))
        }
        return out
    }

    static func text(_ bytes: UnsafeRawBufferPointer) throws(ParquetReadError) -> String {
        guard let s = String(validating: bytes, as: UTF8.self) else { throw ParquetReadError("BYTE_ARRAY value is not UTF-8") }
        return s
    }

    /// DELTA_LENGTH_BYTE_ARRAY: all lengths (delta-packed), then all bytes back to back.
    static func decodeDeltaLength(_ c: inout ByteCursor, count: Int) throws(ParquetReadError) -> [String] {
        let lengths = try deltaLengths(&c, count: count, what: "DELTA_LENGTH_BYTE_ARRAY length")
        var out: [String] = []
        out.reserveCapacity(count)
        for n in lengths { out.append(try text(try c.take(n))) }
        return out
    }

    /// DELTA_BYTE_ARRAY: prefix lengths shared with the previous value, then the suffixes as
    /// DELTA_LENGTH_BYTE_ARRAY.
    static func decodeDeltaByteArray(_ c: inout ByteCursor, count: Int) throws(ParquetReadError) -> [String] {
        let prefixes = try deltaLengths(&c, count: count, what: "DELTA_BYTE_ARRAY prefix length")
        let suffixes = try deltaLengths(&c, count: count, what: "DELTA_BYTE_ARRAY suffix length")
        var out: [String] = []
        out.reserveCapacity(count)
        var previous: [UInt8] = []
        for i in 0..<count {
            guard prefixes[i] <= previous.count else {
                throw ParquetReadError("DELTA_BYTE_ARRAY prefix of \(prefixes[i]) bytes from a value of \(previous.count)")
            }
            var value = Array(previous.prefix(prefixes[i]))
            value.append(contentsOf: try c.take(suffixes[i]))
            out.append(try withBytes(value) { (raw) throws(ParquetReadError) in try text(raw) })
            previous = value
        }
        return out
    }
}

/// Decoding the values of a data page by its encoding.
enum ValueDecoding {
    /// Exactly `count` values of a page encoded `encoding`.
    static func decode<T: ParquetPlainDecodable>(_: T.Type, encoding: Encoding, _ c: inout ByteCursor, count: Int,
                                                 dictionary: [T]?) throws(ParquetReadError) -> [T] {
        switch encoding {
        case .plain: return try T.decodePlain(&c, count: count)
        case .rleDictionary, .plainDictionary:
            guard let dictionary else { throw ParquetReadError("\(encoding) page without a dictionary page before it") }
            if count == 0 { return [] }
            let width = Int(try c.byte())
            guard width <= 32 else { throw ParquetReadError("dictionary index bit width \(width) above 32") }
            var out: [T] = []
            out.reserveCapacity(count)
            let indices: [UInt64]
            do { indices = try RLEHybrid.decode(&c, width: width, count: count) } catch { throw ParquetReadError("dictionary indices: \(error.message)") }
            for i in indices {
                guard i < UInt64(dictionary.count) else { throw ParquetReadError("dictionary index \(i) outside the dictionary of \(dictionary.count)") }
                out.append(dictionary[Int(i)])
            }
            return out
        case .deltaBinaryPacked:
            var out: [T] = []
            out.reserveCapacity(count)
            for v in try DeltaBinaryPacked.decode(&c, expected: count) { out.append(try T.fromInt64(v)) }
            return out
        case .byteStreamSplit: return try T.decodeByteStreamSplit(&c, count: count)
        case .rle: return try T.decodeRLE(&c, count: count)
        case .deltaLengthByteArray: return try T.decodeDeltaLength(&c, count: count)
        case .deltaByteArray: return try T.decodeDeltaByteArray(&c, count: count)
        case .bitPacked: throw ParquetReadError("encoding BIT_PACKED is only for levels, not values")
        }
    }
}

/// `withUnsafeBytes` with the typed error of the reader.
func withBytes<R>(_ a: [UInt8], _ body: (UnsafeRawBufferPointer) throws(ParquetReadError) -> R) throws(ParquetReadError) -> R {
    try a.withUnsafeBytes { raw in Result { () throws(ParquetReadError) in try body(raw) } }.get()
}
