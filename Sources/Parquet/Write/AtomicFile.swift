// Atomic output (DESIGN.md §4 rule 1): write to a temporary name in the same folder, fsync it,
// rename it over the final name, fsync the folder. Readers and a crash at any point see either
// no file or the whole file under the final name, never a partial one.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum ParquetFile {
    /// Writes `bytes` to `path` atomically. With `overwrite: false` an existing file is an
    /// error (EEXIST) and is left untouched. `durable: false` skips the fsyncs (benchmarks and
    /// scratch files only: a power cut may then leave an empty file).
    public static func write(_ bytes: [UInt8], to path: String, overwrite: Bool = true, durable: Bool = true) throws(ParquetWriteError) {
        let (dir, name) = split(path)
        let temp = "\(dir)/.\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = try call("open", temp) { open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644) }
        var ok = false
        defer {
            if !ok { unlink(temp) }
        }
        do {
            defer { close(fd) }
            var offset = 0
            while offset < bytes.count {
                let n = try call("write", temp) {
                    bytes.withUnsafeBytes { Int32(truncatingIfNeeded: systemWrite(fd, $0.baseAddress! + offset, min(bytes.count - offset, 1 << 30))) }
                }
                offset += Int(n)
            }
            if durable { _ = try call("fsync", temp) { fsync(fd) } }
        }
        if overwrite {
            _ = try call("rename", path) { rename(temp, path) }
        } else {
            // link() fails with EEXIST instead of replacing, which rename() cannot do portably.
            _ = try call("link", path) { link(temp, path) }
            unlink(temp)
        }
        ok = true
        if durable { try syncDirectory(dir) }
    }

    /// fsyncs a folder so a rename inside it survives power loss.
    public static func syncDirectory(_ dir: String) throws(ParquetWriteError) {
        let dfd = try call("open", dir) { open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        defer { close(dfd) }
        _ = try call("fsync", dir) { fsync(dfd) }
    }

    static func split(_ path: String) -> (dir: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let dir = String(path[..<slash])
        return (dir.isEmpty ? "/" : dir, String(path[path.index(after: slash)...]))
    }

    /// Runs a system call, retrying EINTR; a -1 result becomes an error naming the call and path.
    static func call(_ operation: String, _ path: String, _ body: () -> Int32) throws(ParquetWriteError) -> Int32 {
        while true {
            let r = body()
            if r >= 0 { return r }
            let e = errno
            if e == EINTR { continue }
            throw .io(path: path, operation: operation, errno: e, message: String(cString: strerror(e)))
        }
    }
}

@inline(__always)
private func systemWrite(_ fd: Int32, _ buf: UnsafeRawPointer, _ n: Int) -> Int {
    write(fd, buf, n)
}
