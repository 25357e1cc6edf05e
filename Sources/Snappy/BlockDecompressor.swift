/// Decodes the elements of a raw Snappy block (the grammar is restated in Snappy.swift).
///
/// Every read of the input and every write of the output is checked against its end before it
/// happens; the checks are per element, not per byte, so the loop stays cheap. Input and output
/// are raw memory (a caller may decode into a buffer bound to another type), so every access is
/// a raw load or store.
enum BlockDecompressor {
    /// Decodes the elements of `input` from offset `start` into `dst`, which holds exactly `length`
    /// bytes (nil only when `length` is 0). Throws unless the elements produce exactly `length`.
    static func decompress(
        _ input: UnsafeRawBufferPointer, from start: Int, into dst: UnsafeMutableRawPointer?, length: Int
    ) throws(SnappyError) {
        let end = input.count
        guard start < end else {
            guard length == 0 else { throw .outputShort(offset: start, produced: 0, declared: length) }
            return
        }
        // Non-nil: start < end means the buffer is not empty.
        let src = input.baseAddress.unsafelyUnwrapped
        var ip = start
        var op = 0

        while ip < end {
            let tagOffset = ip
            let tag = src.load(fromByteOffset: ip, as: UInt8.self)
            ip += 1
            let kind = tag & 0b11

            if kind == 0 {
                // Literal.
                var literalLength = Int(tag >> 2)
                if literalLength >= 60 {
                    let extra = literalLength - 59
                    guard end - ip >= extra else {
                        throw .truncatedTag(offset: tagOffset, needed: extra, available: end - ip)
                    }
                    literalLength = readLittleEndian(src + ip, byteCount: extra)
                    ip += extra
                }
                literalLength += 1
                guard end - ip >= literalLength else {
                    throw .literalPastInputEnd(offset: tagOffset, length: literalLength, available: end - ip)
                }
                guard length - op >= literalLength else {
                    throw .outputOverrun(offset: tagOffset, length: literalLength, remaining: length - op)
                }
                // length - op >= literalLength >= 1, so dst is non-nil here.
                let out = dst.unsafelyUnwrapped + op
                if literalLength <= 16 && end - ip >= 16 && length - op >= 16 {
                    // Short literal with slack on both sides: two 8-byte moves instead of a call.
                    // Bytes past the literal are overwritten by later elements (the output must be
                    // filled exactly, or decoding throws).
                    copy8(from: src + ip, to: out)
                    copy8(from: src + ip + 8, to: out + 8)
                } else {
                    out.copyMemory(from: src + ip, byteCount: literalLength)
                }
                ip += literalLength
                op += literalLength
                continue
            }

            // Copy: decode its length and offset.
            let copyLength: Int
            let distance: Int
            let extra = kind == 1 ? 1 : (kind == 2 ? 2 : 4)
            guard end - ip >= extra else {
                throw .truncatedTag(offset: tagOffset, needed: extra, available: end - ip)
            }
            if kind == 1 {
                copyLength = 4 + Int((tag >> 2) & 0b111)
                distance = Int(tag >> 5) << 8 | Int(src.load(fromByteOffset: ip, as: UInt8.self))
            } else {
                copyLength = 1 + Int(tag >> 2)
                distance = readLittleEndian(src + ip, byteCount: extra)
            }
            ip += extra

            guard distance != 0 else { throw .copyOffsetZero(offset: tagOffset) }
            guard distance <= op else {
                throw .copyBeforeOutputStart(offset: tagOffset, distance: distance, produced: op)
            }
            guard length - op >= copyLength else {
                throw .outputOverrun(offset: tagOffset, length: copyLength, remaining: length - op)
            }
            // distance <= op means op >= 1, so dst is non-nil here.
            let out = dst.unsafelyUnwrapped
            if length - op >= copyLength + 8 {
                // Room for an 8-byte overshoot: copies are at most 64 bytes, so a few 8-byte moves.
                copyShort(out, from: op - distance, to: op, count: copyLength)
            } else {
                copyWithin(out, from: op - distance, to: op, count: copyLength)
            }
            op += copyLength
        }

        guard op == length else { throw .outputShort(offset: end, produced: op, declared: length) }
    }

    /// Repeats `count` bytes starting at `source` to `target` (> `source`), byte by byte in
    /// meaning: when the ranges overlap, bytes written early are read again, which repeats the
    /// pattern of period `target - source`. Writes nothing past `target + count`.
    @inline(__always)
    static func copyWithin(_ buffer: UnsafeMutableRawPointer, from source: Int, to target: Int, count: Int) {
        let period = target - source
        if period >= count {
            (buffer + target).copyMemory(from: buffer + source, byteCount: count)
            return
        }
        // Overlap: copy in chunks that never overlap their source. The output from `source` on is
        // periodic, so after each chunk the already-written run is a whole number of periods and
        // the next chunk can copy twice as much from `source`: O(log count) copies.
        var written = 0
        var chunk = period
        while written < count {
            let n = min(chunk, count - written)
            (buffer + target + written).copyMemory(from: buffer + source, byteCount: n)
            written += n
            chunk = period + written
        }
    }

    /// `copyWithin` for the common case, in 8-byte moves that may write up to 7 bytes past
    /// `target + count` (the caller guarantees the room). Each move reads only bytes before the
    /// one it writes, so overlapping copies still repeat their pattern.
    @inline(__always)
    static func copyShort(_ buffer: UnsafeMutableRawPointer, from source: Int, to target: Int, count: Int) {
        var distance = target - source
        var done = 0
        if distance < 8 {
            // Period under 8: write the first 8 bytes one at a time, then move in steps of a
            // multiple of the period that is at least 8 (its source is already written).
            while done < 8 {
                let byte = buffer.load(fromByteOffset: source + done, as: UInt8.self)
                buffer.storeBytes(of: byte, toByteOffset: target + done, as: UInt8.self)
                done += 1
            }
            distance *= (8 + distance - 1) / distance
        }
        while done < count {
            copy8(from: buffer + target + done - distance, to: buffer + target + done)
            done += 8
        }
    }

    @inline(__always)
    static func copy8(from source: UnsafeRawPointer, to target: UnsafeMutableRawPointer) {
        target.storeBytes(of: source.loadUnaligned(as: UInt64.self), as: UInt64.self)
    }

    /// Reads a little-endian unsigned integer of 1…4 bytes.
    @inline(__always)
    static func readLittleEndian(_ p: UnsafeRawPointer, byteCount: Int) -> Int {
        var value = 0
        for index in 0..<byteCount {
            value |= Int(p.load(fromByteOffset: index, as: UInt8.self)) << (8 * index)
        }
        return value
    }
}
