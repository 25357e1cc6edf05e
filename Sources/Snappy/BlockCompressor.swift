/// Encodes a raw Snappy block (the grammar is restated in Snappy.swift).
///
/// The usual greedy approach: the input is cut into 64 KiB fragments (so every offset fits a
/// copy-2); in each, a hash table maps 4-byte sequences to their last position. A hit that really
/// matches becomes a copy, extended as far as the bytes agree; everything between copies is a
/// literal. When lookups keep missing, the scan steps further apart between lookups (the step
/// is 1 for the first 32 misses and keeps growing until a match), so incompressible input is
/// skipped at close to memcpy speed.
///
/// The hot loops work on raw pointers with offsets into the current fragment. Every load stays
/// inside the fragment: the match search stops `inputMargin` bytes before its end and the tail
/// is emitted as a literal. Input and output are raw memory (the caller's bytes may be bound to
/// another type, e.g. a `[Float]` column), so every access is a raw load or store.
enum BlockCompressor {
    /// Fragment size: offsets within a fragment fit the 16-bit offset of a copy-2.
    static let fragmentSize = 1 << 16
    /// The largest hash table: 2^14 entries of 16-bit positions (32 KiB), a size the reference
    /// implementation uses as its speed/ratio balance.
    static let maxTableBits = 14
    static let minTableBits = 8
    /// The match search stops this many bytes before the fragment's end, so its 4-byte loads and
    /// the lookahead hash never read past it.
    static let inputMargin = 15

    /// Compresses `count` bytes at `src` into `dst` (room for `Snappy.maxCompressedLength(count)`)
    /// and returns the number of bytes written.
    static func compress(_ src: UnsafeRawPointer?, count: Int, into dst: UnsafeMutableRawPointer) -> Int {
        var op = writePreamble(UInt32(count), to: dst)
        guard count > 0, let src else { return op }
        let tableBits = tableBits(for: min(count, fragmentSize))
        return withUnsafeTemporaryAllocation(of: UInt16.self, capacity: 1 << tableBits) { table in
            let table = table.baseAddress!
            var position = 0
            while position < count {
                let fragmentLength = min(count - position, fragmentSize)
                let bits = Self.tableBits(for: fragmentLength)
                table.initialize(repeating: 0, count: 1 << bits)
                op += compressFragment(
                    src + position, count: fragmentLength, into: dst + op, table: table, shift: UInt32(32 - bits))
                position += fragmentLength
            }
            return op
        }
    }

    /// The table size for a fragment: the smallest power of two covering it, within bounds. A
    /// small page then clears a small table instead of 32 KiB.
    static func tableBits(for length: Int) -> Int {
        var bits = minTableBits
        while bits < maxTableBits && (1 << bits) < length { bits += 1 }
        return bits
    }

    static func writePreamble(_ length: UInt32, to dst: UnsafeMutableRawPointer) -> Int {
        var value = length
        var index = 0
        while value >= 0x80 {
            dst.storeBytes(of: UInt8(truncatingIfNeeded: value) | 0x80, toByteOffset: index, as: UInt8.self)
            value >>= 7
            index += 1
        }
        dst.storeBytes(of: UInt8(value), toByteOffset: index, as: UInt8.self)
        return index + 1
    }

    @inline(__always)
    static func load32(_ p: UnsafeRawPointer) -> UInt32 {
        p.loadUnaligned(as: UInt32.self)
    }

    @inline(__always)
    static func load64(_ p: UnsafeRawPointer) -> UInt64 {
        UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))
    }

    /// Multiplicative hash of 4 bytes into `32 - shift` bits (the multiplier is the reference
    /// implementation's; any odd constant with well-mixed bits works).
    @inline(__always)
    static func hash(_ bytes: UInt32, shift: UInt32) -> Int {
        Int((bytes &* 0x1E35_A7BD) >> shift)
    }

    /// Compresses one fragment of at most 64 KiB; returns the bytes written at `out`.
    static func compressFragment(
        _ base: UnsafeRawPointer, count: Int, into out: UnsafeMutableRawPointer,
        table: UnsafeMutablePointer<UInt16>, shift: UInt32
    ) -> Int {
        var op = out
        var nextEmit = 0

        if count >= inputMargin {
            let ipLimit = count - inputMargin
            var ip = 1
            var nextHash = hash(load32(base + ip), shift: shift)

            search: while true {
                // Look for a 4-byte match, stepping further apart after each run of 32 misses.
                var skip: UInt32 = 32
                var nextIp = ip
                var candidate = 0
                repeat {
                    ip = nextIp
                    let h = nextHash
                    let step = Int(skip >> 5)
                    skip &+= skip >> 5
                    nextIp = ip + step
                    if nextIp > ipLimit { break search }
                    nextHash = hash(load32(base + nextIp), shift: shift)
                    candidate = Int(table[h])
                    table[h] = UInt16(truncatingIfNeeded: ip)
                } while load32(base + ip) != load32(base + candidate)

                op = emitLiteral(base + nextEmit, count: ip - nextEmit, to: op)

                // Emit copies for as long as the byte right after a copy starts another match.
                repeat {
                    let matchStart = ip
                    let matched = 4 + matchLength(base + candidate + 4, base + ip + 4, limit: base + count)
                    ip += matched
                    op = emitCopy(distance: matchStart - candidate, length: matched, to: op)
                    nextEmit = ip
                    if ip >= ipLimit { break search }
                    // Remember the position just before `ip` too: a cheap way to find more matches.
                    table[hash(load32(base + ip - 1), shift: shift)] = UInt16(truncatingIfNeeded: ip - 1)
                    let h = hash(load32(base + ip), shift: shift)
                    candidate = Int(table[h])
                    table[h] = UInt16(truncatingIfNeeded: ip)
                } while load32(base + ip) == load32(base + candidate)

                ip += 1
                nextHash = hash(load32(base + ip), shift: shift)
            }
        }

        if nextEmit < count {
            op = emitLiteral(base + nextEmit, count: count - nextEmit, to: op)
        }
        return op - out
    }

    /// How many bytes at `a` equal those at `b`, comparing up to `limit` (the end of `b`'s range;
    /// `a` < `b`, so `a`'s reads stay in bounds too).
    @inline(__always)
    static func matchLength(
        _ a: UnsafeRawPointer, _ b: UnsafeRawPointer, limit: UnsafeRawPointer
    ) -> Int {
        var a = a
        var b = b
        var matched = 0
        while limit - b >= 8 {
            let difference = load64(a) ^ load64(b)
            if difference != 0 {
                // Little-endian load: the lowest differing bit sits in the first differing byte.
                return matched + difference.trailingZeroBitCount >> 3
            }
            a += 8
            b += 8
            matched += 8
        }
        while b < limit && a.load(as: UInt8.self) == b.load(as: UInt8.self) {
            a += 1
            b += 1
            matched += 1
        }
        return matched
    }

    /// Writes a literal element: tag (with 0–4 length bytes), then the bytes.
    @inline(__always)
    static func emitLiteral(
        _ src: UnsafeRawPointer, count: Int, to op: UnsafeMutableRawPointer
    ) -> UnsafeMutableRawPointer {
        var op = op
        let n = count - 1
        if n < 60 {
            op.storeBytes(of: UInt8(truncatingIfNeeded: n << 2), as: UInt8.self)
            op += 1
        } else {
            // Length-1 follows in 1…4 little-endian bytes; tag values 60…63 say how many.
            var bytes = 1
            while bytes < 4 && n >> (8 * bytes) != 0 { bytes += 1 }
            op.storeBytes(of: UInt8(truncatingIfNeeded: (59 + bytes) << 2), as: UInt8.self)
            for index in 0..<bytes {
                op.storeBytes(of: UInt8(truncatingIfNeeded: n >> (8 * index)), toByteOffset: 1 + index, as: UInt8.self)
            }
            op += 1 + bytes
        }
        op.copyMemory(from: src, byteCount: count)
        return op + count
    }

    /// Writes copy elements for a match of `length` (≥ 4) bytes `distance` (< 65536) back.
    @inline(__always)
    static func emitCopy(distance: Int, length: Int, to op: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer {
        var op = op
        var length = length
        // Long matches: copy-2 elements of 64, keeping at least 4 for the last element (a copy-1
        // needs 4); 65…67 is split 60 + 5…7 for the same reason.
        while length >= 68 {
            op = emitCopy2(distance: distance, length: 64, to: op)
            length -= 64
        }
        if length > 64 {
            op = emitCopy2(distance: distance, length: 60, to: op)
            length -= 60
        }
        if length < 12 && distance < 2048 {
            // copy-1: length 4…11 in bits 2…4, offset bits 8…10 in bits 5…7.
            op.storeBytes(of: UInt8(truncatingIfNeeded: 0b01 | (length - 4) << 2 | (distance >> 8) << 5), as: UInt8.self)
            op.storeBytes(of: UInt8(truncatingIfNeeded: distance), toByteOffset: 1, as: UInt8.self)
            return op + 2
        }
        return emitCopy2(distance: distance, length: length, to: op)
    }

    @inline(__always)
    static func emitCopy2(distance: Int, length: Int, to op: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer {
        op.storeBytes(of: UInt8(truncatingIfNeeded: 0b10 | (length - 1) << 2), as: UInt8.self)
        op.storeBytes(of: UInt16(truncatingIfNeeded: distance).littleEndian, toByteOffset: 1, as: UInt16.self)
        return op + 3
    }
}
