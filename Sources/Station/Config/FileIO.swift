// The few file operations configuration needs, on plain POSIX calls: reading a `.env` file and
// replacing it atomically (temporary file, fsync, rename, fsync of the folder — DESIGN.md §4's
// rule for batch files applies to credentials too).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

enum FileIO {
    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    static func reason() -> String {
        String(cString: strerror(errno))
    }

    /// Reads a whole file as UTF-8 (invalid bytes become U+FFFD, never a crash).
    static func readText(_ path: String) throws(ConfigError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(path: path, operation: "open", reason: reason()) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, operation: "read", reason: reason())
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            // A configuration file is small; refuse to slurp something that is not one.
            if bytes.count > 1 << 20 { throw .io(path: path, operation: "read", reason: "larger than 1 MiB") }
        }
        return String(decoding: bytes, as: UTF8.self)
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
