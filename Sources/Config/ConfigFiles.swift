// Configuration files on the durable-file layer (Sources/DurableFiles): read whole, replaced
// atomically, failures told as ConfigError.

#if canImport(Glibc)
package import Glibc
#elseif canImport(Musl)
package import Musl
#endif
package import DurableFiles

extension FileIO {
    /// Reads a whole file as UTF-8 (invalid bytes become U+FFFD, never a crash).
    package static func readText(_ path: String) throws(ConfigError) -> String {
        do {
            // A configuration file is small; refuse to slurp something that is not one.
            return String(decoding: try readWholeFile(path, limit: 1 << 20), as: UTF8.self)
        } catch {
            throw ConfigError(error)
        }
    }

    /// Replaces `path` with `text` atomically, leaving the file with exactly `mode`.
    package static func writeAtomically(_ text: String, to path: String, mode: mode_t) throws(ConfigError) {
        do {
            try write(Array(text.utf8), to: path, mode: .replace, permissions: mode)
        } catch {
            throw ConfigError(error)
        }
    }
}

extension ConfigError {
    /// A durable-file failure as the configuration layer tells it (errno in the reason).
    package init(_ error: FileError) {
        self = .io(path: error.path, operation: error.operation, reason: "\(error.reason) (errno \(error.errno))")
    }
}
