// Configuration files on the durable-file layer (Sources/DurableFiles): read whole, replaced
// atomically.

#if canImport(Glibc)
package import Glibc
#elseif canImport(Musl)
package import Musl
#endif
import DurableFiles

extension FileIO {
    /// Reads a whole file as UTF-8 (invalid bytes become U+FFFD, never a crash).
    package static func readText(_ path: String) throws(ConfigError) -> String {
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
    package static func writeAtomically(_ text: String, to path: String, mode: mode_t) throws(ConfigError) {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]).isEmpty ? "/" : String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let temporary = "\(directory)/.\(name).tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .io(path: temporary, operation: "create", reason: FileIO.reason()) }
        var failure: ConfigError? = nil
        // The umask may have narrowed or (never) widened the mode; set it exactly.
        if fchmod(fd, mode) != 0 { failure = .io(path: temporary, operation: "chmod", reason: FileIO.reason()) }
        var bytes = Array(text.utf8)
        var offset = 0
        while failure == nil && offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                failure = .io(path: temporary, operation: "write", reason: FileIO.reason())
            } else {
                offset += n
            }
        }
        if failure == nil && fsync(fd) != 0 { failure = .io(path: temporary, operation: "fsync", reason: FileIO.reason()) }
        close(fd)
        if failure == nil && rename(temporary, path) != 0 { failure = .io(path: path, operation: "replace", reason: FileIO.reason()) }
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
