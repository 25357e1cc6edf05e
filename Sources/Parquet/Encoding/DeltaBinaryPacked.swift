// DELTA_BINARY_PACKED (parquet-format Encodings.md): a header, then blocks of 128 deltas,
// each block split into 4 miniblocks of 32 bit-packed values.
//
//   header := varint(blockSize) varint(miniblocksPerBlock) varint(totalCount) zigzag(first)
//   block  := zigzag(minDelta) bitWidth[miniblocksPerBlock] miniblocks
//
// Deltas wrap in 64-bit two's complement, as the spec allows, so any Int64 sequence encodes.

enum DeltaBinaryPacked {
    static let blockSize = 128
    static let miniblocksPerBlock = 4
    static let miniblockSize = blockSize / miniblocksPerBlock

    static func encode(_ values: UnsafeBufferPointer<Int64>, into out: inout [UInt8]) {
        appendVarint(UInt64(blockSize), to: &out)
        appendVarint(UInt64(miniblocksPerBlock), to: &out)
        appendVarint(UInt64(values.count), to: &out)
        guard let first = values.first else {
            appendVarint(0, to: &out)
            return
        }
        appendVarint(zigzag(first), to: &out)

        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: blockSize) { block in
            var previous = first
            var i = 1
            while i < values.count {
                let count = min(blockSize, values.count - i)
                var minDelta = Int64.max
                for k in 0..<count {
                    let d = values[i + k] &- previous
                    previous = values[i + k]
                    block[k] = UInt64(bitPattern: d)
                    minDelta = min(minDelta, d)
                }
                appendVarint(zigzag(minDelta), to: &out)
                // Subtract the minimum so every delta is a small non-negative number; pad the
                // last miniblock with zeros.
                var widths = [Int](repeating: 0, count: miniblocksPerBlock)
                for k in 0..<blockSize {
                    block[k] = k < count ? block[k] &- UInt64(bitPattern: minDelta) : 0
                }
                let used = (count + miniblockSize - 1) / miniblockSize
                for m in 0..<used {
                    var maxValue: UInt64 = 0
                    for k in (m * miniblockSize)..<((m + 1) * miniblockSize) { maxValue |= block[k] }
                    widths[m] = bitWidth(of: maxValue)
                }
                // Unused miniblocks of the last block keep width 0 and no body (spec).
                for w in widths { out.append(UInt8(w)) }
                for m in 0..<used {
                    bitPack(UnsafeBufferPointer(rebasing: block[(m * miniblockSize)..<((m + 1) * miniblockSize)]),
                            width: widths[m], into: &out)
                }
                i += count
            }
        }
    }

    @inline(__always)
    static func zigzag(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }
}
