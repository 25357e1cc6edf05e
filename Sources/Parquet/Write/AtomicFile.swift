// Atomic output (docs/ARCHITECTURE.md §4 rule 1): write to a temporary name in the same folder, fsync it,
// rename it over the final name, fsync the folder. Readers and a crash at any point see either
// no file or the whole file under the final name, never a partial one.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLinuxShims

public enum ParquetFile {
    /// Writes `bytes` to `path` atomically. With `overwrite: false` an existing file is
    /// `.alreadyExists` and is left untouched. `durable: false` skips the fsyncs (benchmarks and
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
            try publishWithoutReplacing(temp, as: path)
        }
        ok = true
        if durable { try syncDirectory(dir) }
    }

    /// The ways to give a file a name only if no file has it, in the order tried.
    enum NoReplace: CaseIterable {
        /// link() then unlink() of the temporary name: any POSIX file system, any kernel; FAT
        /// and exFAT (USB sticks, the card's boot partition) refuse it with EPERM.
        case link
        /// renameat2(RENAME_NOREPLACE): atomic and one call; Linux 3.15 or later, and only on
        /// file systems that implement the flag (ext4, XFS, Btrfs, tmpfs, the kernel's vfat and
        /// exfat; not FUSE's exFAT, which answers EINVAL).
        case renameNoReplace
        /// An empty placeholder created with O_EXCL under the final name, then rename() of the
        /// temporary file over it: what FUSE's exFAT (which refuses both of the above) leaves.
        /// Not atomic: a crash between the two calls leaves an empty file under the name.
        case exclusivePlaceholder
    }

    /// Moves `temp` to `path` unless `path` exists (`.alreadyExists`, both left as they were),
    /// trying each of `ways` in turn while the file system says it cannot do one.
    static func publishWithoutReplacing(_ temp: String, as path: String,
                                        ways: [NoReplace] = NoReplace.allCases) throws(ParquetWriteError) {
        var refused: [String] = []
        for way in ways {
            let name = switch way {
            case .link: "link"
            case .renameNoReplace: "renameat2"
            case .exclusivePlaceholder: "create"
            }
            let result: Int32
            do {
                result = try call(name, path) {
                    switch way {
                    case .link: link(temp, path)
                    case .renameNoReplace: cshim_rename_noreplace(temp, path)
                    case .exclusivePlaceholder: open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
                    }
                }
            } catch {
                guard case .io(_, _, let e, let message) = error else { throw error }
                if e == EEXIST { throw .alreadyExists(path: path) }
                // "This file system cannot": try the next way. Anything else is a real failure.
                guard [EPERM, ENOSYS, EINVAL, EOPNOTSUPP, ENOTSUP, EMLINK].contains(e) else { throw error }
                refused.append("\(name): \(message)")
                continue
            }
            switch way {
            case .link: unlink(temp)
            case .renameNoReplace: break
            case .exclusivePlaceholder:
                close(result)
                // The placeholder is ours: replacing it replaces nothing anyone wrote.
                do {
                    _ = try call("rename", path) { rename(temp, path) }
                } catch {
                    unlink(path)
                    throw error
                }
            }
            return
        }
        throw .io(path: path, operation: "create without replacing", errno: EOPNOTSUPP,
                  message: "the file system refuses every way to (\(refused.joined(separator: "; ")))")
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
