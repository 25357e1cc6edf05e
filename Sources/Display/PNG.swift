import CZlib
import DurableFiles

/// A PNG encoder for RGB565 pictures: 8-bit RGB, no interlace, filter 0 on each row, the image
/// data compressed by the system zlib (the zlib stream PNG's IDAT holds). Chunk checksums come
/// from DurableFiles' CRC-32, the package's one CRC (the same polynomial PNG uses).
public enum PNG {
    /// Why an image could not be encoded.
    public struct EncodingError: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { "PNG: \(message)" }
    }

    /// Encodes a `width × height` picture given row by row as RGB565.
    public static func encode(width: Int, height: Int, pixels: [UInt16]) throws(EncodingError) -> [UInt8] {
        guard width > 0, height > 0, pixels.count == width * height else {
            throw EncodingError(message: "\(pixels.count) pixels for \(width)×\(height)")
        }
        // Raw scanlines: a filter byte (0, none) and then the row's RGB triples.
        var raw = [UInt8]()
        raw.reserveCapacity(height * (1 + width * 3))
        for row in 0..<height {
            raw.append(0)
            for p in pixels[(row * width)..<((row + 1) * width)] {
                let c = Color(rgb565: p).rgb888
                raw.append(c.red); raw.append(c.green); raw.append(c.blue)
            }
        }
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header = [UInt8]()
        header += bigEndian(UInt32(width)) + bigEndian(UInt32(height))
        header += [8, 2, 0, 0, 0]  // bit depth 8, colour type 2 (RGB), deflate, filter 0, no interlace
        chunk("IHDR", header, into: &out)
        chunk("IDAT", try deflate(raw), into: &out)
        chunk("IEND", [], into: &out)
        return out
    }

    /// A frame buffer as a PNG.
    public static func encode(_ frame: Framebuffer) throws(EncodingError) -> [UInt8] {
        try encode(width: Framebuffer.width, height: Framebuffer.height, pixels: frame.pixels)
    }

    private static func deflate(_ input: [UInt8]) throws(EncodingError) -> [UInt8] {
        var length = compressBound(uLong(input.count))
        var out = [UInt8](repeating: 0, count: Int(length))
        let rc = out.withUnsafeMutableBufferPointer { o in
            input.withUnsafeBufferPointer { i in
                compress2(o.baseAddress, &length, i.baseAddress, uLong(i.count), 9)
            }
        }
        guard rc == Z_OK else { throw EncodingError(message: "zlib compress2 failed (\(rc))") }
        out.removeLast(out.count - Int(length))
        return out
    }

    private static func chunk(_ type: String, _ data: [UInt8], into out: inout [UInt8]) {
        out += bigEndian(UInt32(data.count))
        let body = Array(type.utf8) + data
        out += body
        out += bigEndian(crc32(body[...]))
    }

    private static func bigEndian(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)]
    }
}
