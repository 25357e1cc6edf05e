// Decoders for the encodings the writer produces, written against hostile input: every read
// is bounds-checked and counts are validated against the bytes that could hold them.

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
    static func decode(_ cursor: inout ByteCursor) throws(ParquetReadError) -> [Int64] {
        let blockSize = Int(clamping: try cursor.varint())
        let miniblocks = Int(clamping: try cursor.varint())
        let total = Int(clamping: try cursor.varint())
        var value = try cursor.zigzag()
        guard blockSize > 0, blockSize % 128 == 0, miniblocks > 0, blockSize % miniblocks == 0, (blockSize / miniblocks) % 32 == 0 else {
            throw ParquetReadError("DELTA_BINARY_PACKED header: block size \(blockSize) with \(miniblocks) miniblocks is invalid")
        }
        // Each value after the first costs at least one bit... or zero with width 0, but each
        // block costs at least a byte: bound the count by what the page could describe.
        guard total <= cursor.remaining * 8 * blockSize + 1 else { throw ParquetReadError("DELTA_BINARY_PACKED claims \(total) values") }
        var out: [Int64] = []
        out.reserveCapacity(total)
        if total == 0 { return out }
        out.append(value)
        let per = blockSize / miniblocks
        var deltas: [UInt64] = []
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
