// Page compression. SNAPPY is our own pure-Swift codec, GZIP is zlib (the one C library the
// package links), ZSTD is the system's libzstd loaded at run time so that building needs no
// headers (docs/ARCHITECTURE.md §3).

import Snappy

/// What went wrong compressing or decompressing a page.
public struct CompressionError: Error, Sendable, CustomStringConvertible, Equatable {
    public var codec: CompressionCodec
    public var message: String
    public var description: String { "\(codec): \(message)" }
}

/// The codecs this library writes and reads, with their settings.
public enum Compression: Sendable, Equatable, CustomStringConvertible {
    case uncompressed
    case snappy
    /// zlib level 1–9.
    case gzip(level: Int32)
    /// zstd level 1–22.
    case zstd(level: Int32)

    public static let gzip = Compression.gzip(level: 6)
    /// zstd's own default level: on sensor batches higher levels gain under 0.1 % of size for
    /// twice the CPU (Benchmarks/run-parquet.sh).
    public static let zstd = Compression.zstd(level: 3)

    /// Parses `snappy`, `zstd`, `gzip`, `none`/`uncompressed`, with an optional `:level`.
    public init?(name: String) {
        let parts = name.lowercased().split(separator: ":", maxSplits: 1)
        guard let kind = parts.first else { return nil }
        let level = parts.count == 2 ? Int32(parts[1]) : nil
        if parts.count == 2 && level == nil { return nil }
        switch kind {
        case "none", "uncompressed": self = .uncompressed
        case "snappy": self = .snappy
        case "gzip":
            guard (level ?? 6) >= 1 && (level ?? 6) <= 9 else { return nil }
            self = .gzip(level: level ?? 6)
        case "zstd":
            guard (level ?? 3) >= 1 && (level ?? 3) <= 22 else { return nil }
            self = .zstd(level: level ?? 3)
        default: return nil
        }
    }

    public var codec: CompressionCodec {
        switch self {
        case .uncompressed: .uncompressed
        case .snappy: .snappy
        case .gzip: .gzip
        case .zstd: .zstd
        }
    }

    public var description: String {
        switch self {
        case .uncompressed: "none"
        case .snappy: "snappy"
        case .gzip(let l): "gzip:\(l)"
        case .zstd(let l): "zstd:\(l)"
        }
    }

    /// The compressed form of a whole buffer, outside any Parquet file: the same codecs, for
    /// callers with other bytes to shrink (the dashboard gzips its pages with `.gzip`).
    public func compressed(_ input: [UInt8]) throws(CompressionError) -> [UInt8] {
        var out: [UInt8] = []
        let done = input.withUnsafeBytes { raw in
            Result { () throws(CompressionError) in try compress(raw, scratch: CompressionScratch(), appendingTo: &out) }
        }
        try done.get()
        return out
    }

    /// Appends the compressed form of `input` to `out`, using `scratch` for state worth keeping
    /// between pages.
    func compress(_ input: UnsafeRawBufferPointer, scratch: CompressionScratch, appendingTo out: inout [UInt8]) throws(CompressionError) {
        switch self {
        case .uncompressed: out.append(contentsOf: input)
        case .snappy: _ = Snappy.compress(input, appendingTo: &out)
        case .gzip(let level): try Gzip.compress(input, level: level, appendingTo: &out)
        case .zstd(let level):
            let zstd = try Zstd.shared()
            if scratch.zstd == nil { scratch.zstd = zstd.makeContext() }
            try zstd.compress(input, level: level, context: scratch.zstd, appendingTo: &out)
        }
    }
}

/// Decompression for a codec named in a file, into exactly `uncompressedSize` bytes.
func decompress(_ codec: CompressionCodec, _ input: UnsafeRawBufferPointer, uncompressedSize: Int) throws(CompressionError) -> [UInt8] {
    switch codec {
    case .uncompressed:
        guard input.count == uncompressedSize else {
            throw CompressionError(codec: codec, message: "page holds \(input.count) bytes, header says \(uncompressedSize)")
        }
        return Array(input)
    case .snappy:
        let out: [UInt8]
        do {
            out = try Snappy.decompress(input, maxLength: uncompressedSize)
        } catch {
            throw CompressionError(codec: codec, message: "\(error)")
        }
        guard out.count == uncompressedSize else {
            throw CompressionError(codec: codec, message: "decompressed to \(out.count) bytes, header says \(uncompressedSize)")
        }
        return out
    case .gzip: return try Gzip.decompress(input, uncompressedSize: uncompressedSize)
    case .zstd: return try Zstd.shared().decompress(input, uncompressedSize: uncompressedSize)
    default: throw CompressionError(codec: codec, message: "codec not supported")
    }
}

/// Codec state reused across the pages of one file; not shared between threads.
final class CompressionScratch {
    var zstd: ZstdContext?
    init() {}
}
