// BYTE_STREAM_SPLIT (parquet-format Encodings.md): for N values of K bytes, K streams of N
// bytes, stream k holding byte k of every value. It is no smaller than PLAIN; it helps the
// codec after it, since a float's sign and exponent bytes repeat from reading to reading while
// its low mantissa bytes are noise, and split apart each compresses on its own terms.

enum ByteStreamSplit {
    /// Appends the encoding of `values`: byte k of value i at k × count + i.
    static func encode<T: ParquetFixedWidthValue>(_ values: UnsafeBufferPointer<T>, into out: inout [UInt8]) {
        let size = MemoryLayout<T>.size
        let count = values.count
        let base = out.count
        out.append(contentsOf: repeatElement(0, count: count * size))
        guard count > 0 else { return }
        // Little-endian hosts only, like PLAIN (Values.swift): byte k of the in-memory value is
        // byte k of its little-endian encoding.
        let source = UnsafeRawBufferPointer(values)
        out.withUnsafeMutableBytes { buffer in
            let target = (buffer.baseAddress! + base).assumingMemoryBound(to: UInt8.self)
            // FLOAT: one load per value, its four bytes scattered to the four streams.
            if size == 4 {
                for i in 0..<count {
                    let word = source.loadUnaligned(fromByteOffset: i &* 4, as: UInt32.self)
                    target[i] = UInt8(truncatingIfNeeded: word)
                    target[count &+ i] = UInt8(truncatingIfNeeded: word >> 8)
                    target[2 &* count &+ i] = UInt8(truncatingIfNeeded: word >> 16)
                    target[3 &* count &+ i] = UInt8(truncatingIfNeeded: word >> 24)
                }
            } else {
                for i in 0..<count {
                    for k in 0..<size { target[k &* count &+ i] = source[i &* size &+ k] }
                }
            }
        }
    }
}
