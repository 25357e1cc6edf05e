#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ParquetFile {
    /// Reads a whole file, refusing files above `limit` bytes.
    public static func readAll(_ path: String, limit: Int = 1 << 31) throws(ParquetReadError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ParquetReadError("\(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw ParquetReadError("\(path): \(String(cString: strerror(errno)))") }
        let size = Int(st.st_size)
        guard size <= limit else { throw ParquetReadError("\(path): \(size) bytes exceeds the \(limit)-byte limit") }
        var out = [UInt8](repeating: 0, count: size)
        var got = 0
        while got < size {
            let n = out.withUnsafeMutableBytes { read(fd, $0.baseAddress! + got, size - got) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ParquetReadError("\(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            got += n
        }
        if got < size { out.removeLast(size - got) }
        return out
    }
}
