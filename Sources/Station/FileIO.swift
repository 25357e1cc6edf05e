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

enum FileIO {
    /// The names in a folder, in byte order, hidden ones (the collector's temporary files,
    /// `.opensensor`) left out; empty when it cannot be read. A name that is not UTF-8 is left
    /// out too: decoded, it would collapse with others into U+FFFD, and one file's record could
    /// stand for another's (no file the collector writes has such a name).
    static func names(in path: String) -> [String] {
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

    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    static func reason() -> String {
        String(cString: strerror(errno))
    }

    /// Why a whole-file read failed.
    enum ReadFailure: Error {
        case system(operation: String, errno: Int32)
        case tooLarge(limit: Int)
    }

    /// Reads a whole file until end of file (/proc files report a size of 0), retrying EINTR,
    /// refusing files of more than `limit` bytes.
    static func readBytes(_ path: String, limit: Int = .max) throws(ReadFailure) -> [UInt8] {
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

    /// Reads a whole file as UTF-8 (invalid bytes become U+FFFD, never a crash).
    static func readText(_ path: String) throws(ConfigError) -> String {
        do {
            // A configuration file is small; refuse to slurp something that is not one.
            return String(decoding: try readBytes(path, limit: 1 << 20), as: UTF8.self)
        } catch {
            switch error {
            case .system(let operation, let code):
                throw .io(path: path, operation: operation, reason: String(cString: strerror(code)))
            case .tooLarge:
                throw .io(path: path, operation: "read", reason: "larger than 1 MiB")
            }
        }
    }

    /// Replaces `path` with `text` atomically, leaving the file with `mode`.
    static func writeAtomically(_ text: String, to path: String, mode: mode_t) throws(ConfigError) {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]).isEmpty ? "/" : String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let temporary = "\(directory)/.\(name).tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .io(path: temporary, operation: "create", reason: reason()) }
        var failure: ConfigError? = nil
        // The umask may have narrowed or (never) widened the mode; set it exactly.
        if fchmod(fd, mode) != 0 { failure = .io(path: temporary, operation: "chmod", reason: reason()) }
        var bytes = Array(text.utf8)
        var offset = 0
        while failure == nil && offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                failure = .io(path: temporary, operation: "write", reason: reason())
            } else {
                offset += n
            }
        }
        if failure == nil && fsync(fd) != 0 { failure = .io(path: temporary, operation: "fsync", reason: reason()) }
        close(fd)
        if failure == nil && rename(temporary, path) != 0 { failure = .io(path: path, operation: "replace", reason: reason()) }
        if let failure {
            unlink(temporary)
            throw failure
        }
        let dirfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirfd >= 0 {
            _ = fsync(dirfd)
            close(dirfd)
        }
        bytes.removeAll()
    }
}
