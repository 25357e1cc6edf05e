// A file that only grows: the collector's journal, the sync ledger and the log. Each write goes
// to the end (O_APPEND), whole (short writes and EINTR retried); `sync` makes what was appended
// durable without the cost of an atomic rewrite per record.

#if canImport(Glibc)
package import Glibc
#elseif canImport(Musl)
package import Musl
#endif

package final class AppendFile {
    package let path: String
    /// The file's size: what `fstat` said at opening plus what was appended since.
    package private(set) var size: Int
    /// The inode opened: a file replaced under the same name has another.
    package let inode: UInt64
    private let fd: Int32

    /// Opens `path` for appending. `create` nil: the file must exist; otherwise it is created
    /// with those permissions (less the umask) when missing.
    package init(path: String, create permissions: mode_t? = nil) throws(FileError) {
        let flags = O_WRONLY | O_APPEND | O_CLOEXEC | (permissions == nil ? 0 : O_CREAT)
        let fd = try FileIO.retrying("open", path) { open(path, flags, permissions ?? 0) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let error = FileError(operation: "fstat", path: path, errno: errno)
            close(fd)
            throw error
        }
        self.path = path
        self.fd = fd
        size = Int(st.st_size)
        inode = UInt64(st.st_ino)
    }

    deinit { close(fd) }

    /// Appends all of `bytes`. On failure, `size` counts what did reach the file.
    package func append(_ bytes: [UInt8]) throws(FileError) {
        try bytes.withUnsafeBytes { buffer in Result { () throws(FileError) in try append(buffer) } }.get()
    }

    package func append(_ buffer: UnsafeRawBufferPointer) throws(FileError) {
        try FileIO.writeAll(fd, buffer, path: path, written: &size)
    }

    /// Makes everything appended so far durable (fdatasync: the data and the size, not the
    /// timestamps).
    package func sync() throws(FileError) {
        try FileIO.retrying("fdatasync", path) { fdatasync(fd) }
    }

    /// Cuts the file back to `length` bytes (a torn record, a failed append).
    package func truncate(to length: Int) throws(FileError) {
        try FileIO.retrying("ftruncate", path) { ftruncate(fd, off_t(length)) }
        size = length
    }
}
