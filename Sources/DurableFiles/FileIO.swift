// The few whole-file operations the Station target needs, on plain POSIX calls: reading a file
// (the journal, a `.env` file, small kernel files) and replacing a `.env` file atomically
// (temporary file, fsync, rename, fsync of the folder — docs/ARCHITECTURE.md §4's rule for batch files
// applies to credentials too).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

package enum FileIO {
    /// The names in a folder, in byte order, hidden ones (the collector's temporary files,
    /// `.opensensor`) left out; empty when it cannot be read. A name that is not UTF-8 is left
    /// out too: decoded, it would collapse with others into U+FFFD, and one file's record could
    /// stand for another's (no file the collector writes has such a name).
    package static func names(in path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var out: [String] = []
        while let ent = readdir(dir) {
            let bytes = withUnsafeBytes(of: ent.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            guard bytes.first != UInt8(ascii: "."), let name = String(validating: bytes, as: UTF8.self) else { continue }
            out.append(name)
        }
        return out.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    package static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    package static func reason() -> String {
        String(cString: strerror(errno))
    }

    /// Why a whole-file read failed.
    package enum ReadFailure: Error {
        case system(operation: String, errno: Int32)
        case tooLarge(limit: Int)
    }

    /// Reads a whole file until end of file (/proc files report a size of 0), retrying EINTR,
    /// refusing files of more than `limit` bytes.
    package static func readBytes(_ path: String, limit: Int = .max) throws(ReadFailure) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .system(operation: "open", errno: errno) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .system(operation: "read", errno: errno)
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            if bytes.count > limit { throw .tooLarge(limit: limit) }
        }
        return bytes
    }
}
