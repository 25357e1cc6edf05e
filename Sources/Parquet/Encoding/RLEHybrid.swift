// The RLE / bit-packing hybrid (parquet-format Encodings.md, "Run Length Encoding /
// Bit-Packing Hybrid"): used for definition levels and dictionary indices.
//
//   run := bit-packed-run | rle-run
//   bit-packed-run := varint(groups << 1 | 1) then groups × 8 values, LSB first
//   rle-run := varint(count << 1) then the value in ceil(bitWidth / 8) bytes, little-endian

/// Bits needed to represent `maxValue` (0 for 0).
@inline(__always)
func bitWidth(of maxValue: UInt64) -> Int { maxValue == 0 ? 0 : 64 - maxValue.leadingZeroBitCount }

@inline(__always)
func appendVarint(_ value: UInt64, to out: inout [UInt8]) {
    var v = value
    while v >= 0x80 {
        out.append(UInt8(truncatingIfNeeded: v) | 0x80)
        v >>= 7
    }
    out.append(UInt8(v))
}

/// Packs `values` (a multiple of 8 of them) `width` bits each, LSB first, as both the hybrid's
/// bit-packed runs and DELTA_BINARY_PACKED's miniblocks lay them out.
@inline(__always)
func bitPack(_ values: UnsafeBufferPointer<UInt64>, width: Int, into out: inout [UInt8]) {
    guard width > 0 else { return }
    var acc: UInt64 = 0
    var bits = 0
    let mask: UInt64 = width == 64 ? ~0 : (1 << UInt64(width)) - 1
    for v in values {
        let x = v & mask
        acc |= x << UInt64(bits)
        let total = bits + width
        if total >= 64 {
            // Flush 8 bytes; keep the bits of `x` that did not fit.
            withUnsafeBytes(of: acc.littleEndian) { out.append(contentsOf: $0) }
            acc = bits == 0 ? 0 : x >> UInt64(64 - bits)
            bits = total - 64
        } else {
            bits = total
        }
    }
    var b = bits
    while b > 0 {
        out.append(UInt8(truncatingIfNeeded: acc))
        acc >>= 8
        b -= 8
    }
}

enum RLEHybrid {
    /// Shortest repeat worth an RLE run: below 8, the run costs more than bit-packing it.
    static let minRepeat = 8

    /// Encodes `values` with `width` bits each (0–32) and appends the runs to `out`.
    static func encode(_ values: UnsafeBufferPointer<UInt64>, width: Int, into out: inout [UInt8]) {
        let n = values.count
        let valueBytes = (width + 7) / 8
        var literalStart = 0
        var i = 0
        var scratch = [UInt64](repeating: 0, count: 8)

        func flushLiterals(upTo end: Int, out: inout [UInt8]) {
            let count = end - literalStart
            guard count > 0 else { return }
            let groups = (count + 7) / 8
            appendVarint(UInt64(groups << 1 | 1), to: &out)
            let whole = count / 8 * 8
            bitPack(UnsafeBufferPointer(rebasing: values[literalStart..<(literalStart + whole)]), width: width, into: &out)
            if whole < count {
                // The last group is padded with zeros; only the final run of a stream may be.
                for k in 0..<8 { scratch[k] = literalStart + whole + k < end ? values[literalStart + whole + k] : 0 }
                scratch.withUnsafeBufferPointer { bitPack($0, width: width, into: &out) }
            }
            literalStart = end
        }

        while i < n {
            let v = values[i]
            var j = i + 1
            while j < n && values[j] == v { j += 1 }
            let run = j - i
            if run >= minRepeat {
                // Literal runs must hold whole groups of 8, so lend the first values of the
                // repeat to the pending literals until they do.
                let pad = (8 - (i - literalStart) % 8) % 8
                if run - pad >= minRepeat {
                    flushLiterals(upTo: i + pad, out: &out)
                    appendVarint(UInt64((run - pad) << 1), to: &out)
                    var x = v
                    for _ in 0..<valueBytes {
                        out.append(UInt8(truncatingIfNeeded: x))
                        x >>= 8
                    }
                    literalStart = j
                }
            }
            i = j
        }
        flushLiterals(upTo: n, out: &out)
    }
}
