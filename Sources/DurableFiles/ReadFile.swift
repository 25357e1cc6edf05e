// A file opened for reading at explicit offsets (pread): a Parquet file's footer and column
// chunks, a ranged GET from the local store. Reads never move a shared position, so one open
// file serves any number of tasks at once.

#if canImport(Glibc)
package import Glibc
#elseif canImport(Musl)
package import Musl
#endif

package final class ReadFile: Sendable {
    package let path: String
    /// `fstat` at opening: size, kind, inode, modification time.
    package let status: stat
    private let fd: Int32

    package init(path: String) throws(FileError) {
        let fd = try FileIO.retrying("open", path) { open(path, O_RDONLY | O_CLOEXEC) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let error = FileError(operation: "fstat", path: path, errno: errno)
            close(fd)
            throw error
        }
        self.path = path
        self.fd = fd
        status = st
    }

    deinit { close(fd) }

    /// The size at opening.
    package var size: Int { Int(status.st_size) }

    /// Whether it is a regular file (not a folder, device or pipe).
    package var isRegular: Bool { status.st_mode & S_IFMT == S_IFREG }

    /// Up to `count` bytes at `offset`; fewer only where the file ends.
    package func read(count: Int, at offset: Int) throws(FileError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = try FileIO.retrying("pread", path) {
                out.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + got, count - got, off_t(offset + got)) }
            }
            if n == 0 { break }
            got += n
        }
        if got < count { out.removeSubrange(got...) }
        return out
    }
}
