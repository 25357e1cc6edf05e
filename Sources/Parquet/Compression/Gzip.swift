// GZIP pages through zlib. Parquet's GZIP is the gzip container (RFC 1952), which zlib
// produces and accepts with windowBits 15 + 16.

import CZlib

enum Gzip {
    static func compress(_ input: UnsafeRawBufferPointer, level: Int32, appendingTo out: inout [UInt8]) throws(CompressionError) {
        var stream = z_stream()
        var rc = deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else { throw CompressionError(codec: .gzip, message: "deflateInit2 failed (\(rc))") }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(input.count)))
        let base = out.count
        out.append(contentsOf: repeatElement(0, count: bound))
        rc = out.withUnsafeMutableBytes { outBuf -> Int32 in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
            stream.avail_in = uInt(input.count)
            stream.next_out = outBuf.baseAddress!.advanced(by: base).assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(bound)
            return deflate(&stream, Z_FINISH)
        }
        guard rc == Z_STREAM_END else {
            out.removeLast(out.count - base)
            throw CompressionError(codec: .gzip, message: "deflate failed (\(rc))")
        }
        out.removeLast(bound - Int(stream.total_out))
    }

    static func decompress(_ input: UnsafeRawBufferPointer, uncompressedSize: Int) throws(CompressionError) -> [UInt8] {
        var stream = z_stream()
        var rc = inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else { throw CompressionError(codec: .gzip, message: "inflateInit2 failed (\(rc))") }
        defer { inflateEnd(&stream) }
        var out = [UInt8](repeating: 0, count: uncompressedSize)
        rc = out.withUnsafeMutableBytes { outBuf -> Int32 in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
            stream.avail_in = uInt(input.count)
            stream.next_out = outBuf.baseAddress?.assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(uncompressedSize)
            return inflate(&stream, Z_FINISH)
        }
        guard rc == Z_STREAM_END, Int(stream.total_out) == uncompressedSize else {
            throw CompressionError(codec: .gzip, message: rc == Z_STREAM_END
                ? "inflated to \(stream.total_out) bytes, header says \(uncompressedSize)"
                : "corrupt or truncated data (zlib \(rc))")
        }
        return out
    }
}
