// How much room is left on the disk that holds a lake. Injected, so that
// retention and the collector's disk guard can be tested without filling a disk.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Why the free space of a path could not be measured.
public struct FreeSpaceError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var errno: Int32
    public var description: String { "cannot measure the free space of \(path): \(String(cString: strerror(errno)))" }

    public init(path: String, errno: Int32) {
        self.path = path
        self.errno = errno
    }
}

/// The bytes an unprivileged user can still write on the file system holding a path.
public protocol FreeSpace: Sendable {
    func availableBytes(at path: String) throws(FreeSpaceError) -> Int64
}

/// `statvfs`: blocks available to unprivileged users (`f_bavail`, not `f_bfree`: the
/// collector does not run as root, so the reserved blocks are not its to use).
public struct StatvfsFreeSpace: FreeSpace {
    public init() {}

    public func availableBytes(at path: String) throws(FreeSpaceError) -> Int64 {
        // A lake folder that does not exist yet lives on its nearest existing parent's disk.
        var current = path.isEmpty ? "." : path
        while true {
            var st = statvfs()
            if statvfs(current, &st) == 0 {
                let (bytes, overflow) = Int64(st.f_bavail).multipliedReportingOverflow(by: Int64(st.f_frsize))
                return overflow ? .max : bytes
            }
            let code = errno
            guard code == ENOENT, let parent = Self.parent(of: current) else { throw FreeSpaceError(path: path, errno: code) }
            current = parent
        }
    }

    /// `a/b` → `a`, `/a` → `/`, `a` → `.`; nil at the top.
    static func parent(of path: String) -> String? {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard trimmed != "/" && trimmed != "." else { return nil }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
    }
}
