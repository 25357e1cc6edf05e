// ZSTD through the system's libzstd, opened with dlopen on first use. Debian always has
// libzstd1 (dpkg depends on it) but not its headers, so linking at build time would add a
// build dependency for one codec; loading it at run time adds none.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

final class Zstd: Sendable {
    private typealias Compress = @convention(c) (UnsafeMutableRawPointer?, Int, UnsafeRawPointer?, Int, Int32) -> Int
    private typealias Decompress = @convention(c) (UnsafeMutableRawPointer?, Int, UnsafeRawPointer?, Int) -> Int
    private typealias Bound = @convention(c) (Int) -> Int
    private typealias IsError = @convention(c) (Int) -> UInt32
    private typealias ErrorName = @convention(c) (Int) -> UnsafePointer<CChar>?
    private typealias CreateCCtx = @convention(c) () -> OpaquePointer?
    fileprivate typealias FreeCCtx = @convention(c) (OpaquePointer?) -> Int
    private typealias CompressCCtx = @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, Int, UnsafeRawPointer?, Int, Int32) -> Int

    private nonisolated(unsafe) let compressFn: Compress
    private nonisolated(unsafe) let decompressFn: Decompress
    private nonisolated(unsafe) let boundFn: Bound
    private nonisolated(unsafe) let isErrorFn: IsError
    private nonisolated(unsafe) let errorNameFn: ErrorName
    private nonisolated(unsafe) let createCCtxFn: CreateCCtx
    fileprivate nonisolated(unsafe) let freeCCtxFn: FreeCCtx
    private nonisolated(unsafe) let compressCCtxFn: CompressCCtx

    static let libraryNames = ["libzstd.so.1", "libzstd.so"]

    private static let loaded: Result<Zstd, CompressionError> = {
        for name in libraryNames {
            guard let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL) else { continue }
            func sym<T>(_ s: String, _: T.Type) -> T? {
                dlsym(handle, s).map { unsafeBitCast($0, to: T.self) }
            }
            guard let c = sym("ZSTD_compress", Compress.self), let d = sym("ZSTD_decompress", Decompress.self),
                  let b = sym("ZSTD_compressBound", Bound.self), let e = sym("ZSTD_isError", IsError.self),
                  let n = sym("ZSTD_getErrorName", ErrorName.self), let cc = sym("ZSTD_createCCtx", CreateCCtx.self),
                  let fc = sym("ZSTD_freeCCtx", FreeCCtx.self), let ccx = sym("ZSTD_compressCCtx", CompressCCtx.self)
            else { continue }
            return .success(Zstd(compress: c, decompress: d, bound: b, isError: e, errorName: n,
                                 createCCtx: cc, freeCCtx: fc, compressCCtx: ccx))
        }
        return .failure(CompressionError(
            codec: .zstd,
            message: "cannot load the zstd library (\(libraryNames.joined(separator: " or "))); install libzstd1 (apt-get install libzstd1) or choose another compression"))
    }()

    static func shared() throws(CompressionError) -> Zstd { try loaded.get() }

    private init(compress: Compress, decompress: Decompress, bound: Bound, isError: IsError, errorName: ErrorName,
                 createCCtx: CreateCCtx, freeCCtx: FreeCCtx, compressCCtx: CompressCCtx) {
        createCCtxFn = createCCtx
        freeCCtxFn = freeCCtx
        compressCCtxFn = compressCCtx
        compressFn = compress
        decompressFn = decompress
        boundFn = bound
        isErrorFn = isError
        errorNameFn = errorName
    }

    private func errorName(_ code: Int) -> String {
        errorNameFn(code).map { String(cString: $0) } ?? "error \(code)"
    }

    /// A compression context, reused across the pages of a file: creating one per page costs
    /// more than compressing a small page.
    func makeContext() -> ZstdContext? { createCCtxFn().map { ZstdContext($0, self) } }

    func compress(_ input: UnsafeRawBufferPointer, level: Int32, context: ZstdContext?, appendingTo out: inout [UInt8]) throws(CompressionError) {
        let bound = boundFn(input.count)
        let base = out.count
        out.append(contentsOf: repeatElement(0, count: bound))
        let written = out.withUnsafeMutableBytes { buf in
            if let context {
                return compressCCtxFn(context.pointer, buf.baseAddress!.advanced(by: base), bound, input.baseAddress, input.count, level)
            }
            return compressFn(buf.baseAddress!.advanced(by: base), bound, input.baseAddress, input.count, level)
        }
        if isErrorFn(written) != 0 {
            out.removeLast(bound)
            throw CompressionError(codec: .zstd, message: "compression failed: \(errorName(written))")
        }
        out.removeLast(bound - written)
    }

    func decompress(_ input: UnsafeRawBufferPointer, uncompressedSize: Int) throws(CompressionError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: uncompressedSize)
        let n = out.withUnsafeMutableBytes { buf in
            decompressFn(buf.baseAddress, uncompressedSize, input.baseAddress, input.count)
        }
        if isErrorFn(n) != 0 { throw CompressionError(codec: .zstd, message: "corrupt data: \(errorName(n))") }
        guard n == uncompressedSize else {
            throw CompressionError(codec: .zstd, message: "decompressed to \(n) bytes, header says \(uncompressedSize)")
        }
        return out
    }
}

/// An owned ZSTD_CCtx; not shared between threads (one per file being written).
final class ZstdContext {
    let pointer: OpaquePointer
    private let library: Zstd

    fileprivate init(_ pointer: OpaquePointer, _ library: Zstd) {
        self.pointer = pointer
        self.library = library
    }

    deinit { _ = library.freeCCtxFn(pointer) }
}
