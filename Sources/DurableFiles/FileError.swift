// The one error the durable-file layer throws. It keeps what a person needs to fix the problem
// (the call, the path, errno) while callers branch on `kind` alone: a create-only write that
// finds its name taken, a file that is not there, a disk that is full.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

package struct FileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What happened, in terms a caller can act on; derived from errno.
    package enum Kind: String, Sendable, Equatable, CaseIterable {
        /// A create-only write found the name taken (EEXIST); nothing was changed.
        case alreadyExists
        /// The file, or a folder on its path, does not exist (ENOENT, ENOTDIR).
        case notFound
        /// The process may not do this here (EACCES, EPERM, EROFS).
        case permissionDenied
        /// The disk or the user's quota is full (ENOSPC, EDQUOT).
        case noSpace
        /// Anything else (I/O error, a file over a size limit, a file system that cannot).
        case other
    }

    /// The call that failed, e.g. `open`, `fsync`, `rename`.
    package var operation: String
    /// The file or folder it failed on.
    package var path: String
    /// The `errno` of the failed call.
    package var errno: Int32
    /// What errno alone does not say (a size limit, the ways a file system refused); replaces
    /// strerror's text in the description.
    package var detail: String?

    package init(operation: String, path: String, errno: Int32, detail: String? = nil) {
        self.operation = operation
        self.path = path
        self.errno = errno
        self.detail = detail
    }

    package var kind: Kind {
        switch errno {
        case EEXIST: .alreadyExists
        case ENOENT, ENOTDIR: .notFound
        case EACCES, EPERM, EROFS: .permissionDenied
        case ENOSPC, EDQUOT: .noSpace
        default: .other
        }
    }

    /// strerror's text for `errno`.
    package var reason: String { detail ?? String(cString: strerror(errno)) }

    package var description: String { "\(operation) \(path): \(reason) (errno \(errno))" }
}
