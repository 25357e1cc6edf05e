// Old entry points, kept while callers move onto the layer; deleted when the last one has.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension FileIO {
    package static func reason() -> String { String(cString: strerror(errno)) }

    package enum ReadFailure: Error {
        case system(operation: String, errno: Int32)
        case tooLarge(limit: Int)
    }

    package static func readBytes(_ path: String, limit: Int = .max) throws(ReadFailure) -> [UInt8] {
        do { return try readWholeFile(path, limit: limit) } catch {
            if error.errno == EFBIG && error.detail != nil { throw .tooLarge(limit: limit) }
            throw .system(operation: error.operation, errno: error.errno)
        }
    }
}
