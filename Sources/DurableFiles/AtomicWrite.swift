// Atomic, durable output (docs/ARCHITECTURE.md §4 rule 1): write to a temporary name in the
// same folder, fsync it, give it the final name, fsync the folder. Readers, and a crash at any
// point, see no file or the whole file under the final name, never a partial one. A crash can
// leave a temporary file behind; its hidden name keeps it out of every listing.

#if canImport(Glibc)
package import Glibc
#elseif canImport(Musl)
package import Musl
#endif
import CLinuxShims

extension FileIO {
    /// How a write takes its name.
    package enum WriteMode: Sendable, Equatable {
        /// Only if no file has the name; otherwise ``FileError/Kind/alreadyExists`` and the
        /// existing file is left as it was.
        case createOnly
        /// Over whatever has the name, in one step.
        case replace
    }

    /// What the temporary files' names start with: hidden, so ``names(in:)`` leaves them out,
    /// and distinctive, so a store can refuse keys that would collide with them.
    package static let temporaryPrefix = ".opensensor-tmp."

    /// Writes `bytes` to `path` atomically. `permissions` nil: 0644 less the umask; otherwise
    /// exactly those (the umask may narrow a credentials file's mode, or widen none). `durable:
    /// false` skips the fsyncs (benchmarks and scratch files only: a power cut may then leave an
    /// empty file).
    package static func write(_ bytes: [UInt8], to path: String, mode: WriteMode,
                              permissions: mode_t? = nil, durable: Bool = true) throws(FileError) {
        try write(to: path, mode: mode, permissions: permissions, durable: durable) { sink throws(FileError) in
            try sink.write(bytes)
        }
    }

    /// Writes what `fill` gives its sink to `path` atomically, as ``write(_:to:mode:permissions:durable:)``.
    /// When `fill` throws, nothing is published and the temporary file is removed.
    package static func write(to path: String, mode: WriteMode, permissions: mode_t? = nil, durable: Bool = true,
                              _ fill: (FileSink) throws(FileError) -> Void) throws(FileError) {
        try stage(for: path, permissions: permissions, durable: durable, fill).publish(mode)
    }

    /// The first half of an atomic write: the bytes under a temporary name beside `path`,
    /// fsynced when `durable`, for a caller that decides between the two halves (under a lock,
    /// after a check) whether to publish. Removed unless published.
    package static func stage(for path: String, permissions: mode_t? = nil, durable: Bool = true,
                              _ fill: (FileSink) throws(FileError) -> Void) throws(FileError) -> StagedFile {
        // The `.tmp` suffix too, so that a person (or a test) looking for leftovers finds them.
        let temp = split(path).folder + "/" + temporaryPrefix + String(UInt64.random(in: 0...UInt64.max), radix: 16) + ".tmp"
        let fd = try retrying("create", temp) { open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions ?? 0o644) }
        // From here on, the staged file's end removes the temporary file unless it was published.
        let staged = StagedFile(temporaryPath: temp, path: path, durable: durable)
        defer { close(fd) }
        if let permissions { try retrying("fchmod", temp) { fchmod(fd, permissions) } }
        try fill(FileSink(fd: fd, path: temp))
        if durable { try retrying("fsync", temp) { fsync(fd) } }
        return staged
    }

    /// The ways to give a file a name only if no file has it, in the order tried.
    package enum NoReplace: CaseIterable, Sendable {
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
    package static func publishWithoutReplacing(_ temp: String, as path: String,
                                                ways: [NoReplace] = NoReplace.allCases) throws(FileError) {
        var refused: [String] = []
        for way in ways {
            let name = switch way {
            case .link: "link"
            case .renameNoReplace: "renameat2"
            case .exclusivePlaceholder: "create"
            }
            let result: Int32
            do {
                result = try retrying(name, path) {
                    switch way {
                    case .link: link(temp, path)
                    case .renameNoReplace: cshim_rename_noreplace(temp, path)
                    case .exclusivePlaceholder: open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
                    }
                }
            } catch {
                // "This file system cannot": try the next way. Anything else, EEXIST included, is the answer.
                guard [EPERM, ENOSYS, EINVAL, EOPNOTSUPP, ENOTSUP, EMLINK].contains(error.errno) else { throw error }
                refused.append("\(name): \(error.reason)")
                continue
            }
            switch way {
            case .link: unlink(temp)
            case .renameNoReplace: break
            case .exclusivePlaceholder:
                close(result)
                // The placeholder is ours: replacing it replaces nothing anyone wrote.
                do {
                    try retrying("rename", path) { rename(temp, path) }
                } catch {
                    unlink(path)
                    throw error
                }
            }
            return
        }
        throw FileError(operation: "create without replacing", path: path, errno: EOPNOTSUPP,
                        detail: "the file system refuses every way to (\(refused.joined(separator: "; ")))")
    }

    /// fsyncs a folder, so that a name created, renamed or removed in it survives power loss.
    package static func syncFolder(_ dir: String) throws(FileError) {
        let fd = try retrying("open", dir) { open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        defer { close(fd) }
        try retrying("fsync", dir) { fsync(fd) }
    }

    /// `mkdir -p` of `path`; with `durable`, fsyncs each parent whose entry it created. Fails
    /// with ENOTDIR when something on the way is not a folder.
    package static func makeFolders(_ path: String, permissions: mode_t = 0o755, durable: Bool = true) throws(FileError) {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            let parent = current.isEmpty ? "/" : current
            current += "/" + part
            if mkdir(current, permissions) == 0 {
                if durable { try syncFolder(parent) }
                continue
            }
            let code = errno
            var st = stat()
            guard code == EEXIST else { throw FileError(operation: "mkdir", path: current, errno: code) }
            guard stat(current, &st) == 0, st.st_mode & S_IFMT == S_IFDIR else {
                throw FileError(operation: "mkdir", path: current, errno: ENOTDIR)
            }
        }
    }

    /// `a/b` → (`a`, `b`), `/b` → (`/`, `b`), `b` → (`.`, `b`).
    package static func split(_ path: String) -> (folder: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let dir = String(path[..<slash])
        return (dir.isEmpty ? "/" : dir, String(path[path.index(after: slash)...]))
    }
}

/// Bytes written and fsynced under a temporary name, waiting for their final one.
package final class StagedFile {
    package let temporaryPath: String
    package let path: String
    let durable: Bool

    init(temporaryPath: String, path: String, durable: Bool) {
        self.temporaryPath = temporaryPath
        self.path = path
        self.durable = durable
    }

    /// Gives the staged file its final name as `mode` says, then (when durable) fsyncs the
    /// folder. On failure the temporary file is removed and nothing else changed.
    package func publish(_ mode: FileIO.WriteMode) throws(FileError) {
        switch mode {
        case .replace: try FileIO.retrying("rename", path) { rename(temporaryPath, path) }
        case .createOnly: try FileIO.publishWithoutReplacing(temporaryPath, as: path)
        }
        if durable { try FileIO.syncFolder(FileIO.split(path).folder) }
    }

    // Published, the temporary name is gone and this unlink fails harmlessly (ENOENT).
    deinit { unlink(temporaryPath) }
}

/// Where an atomic write's bytes go: the temporary file, written in full (short writes and
/// EINTR retried).
package struct FileSink {
    let fd: Int32
    let path: String

    package func write(_ bytes: [UInt8]) throws(FileError) {
        try bytes.withUnsafeBytes { buffer in Result { () throws(FileError) in try write(buffer) } }.get()
    }

    package func write(_ buffer: UnsafeRawBufferPointer) throws(FileError) {
        var written = 0
        try FileIO.writeAll(fd, buffer, path: path, written: &written)
    }
}

extension FileIO {
    /// Writes all of `buffer` to `fd`, retrying short writes and EINTR; `written` counts the
    /// bytes that reached the file, also when a call fails.
    static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, path: String, written: inout Int) throws(FileError) {
        var offset = 0
        defer { written += offset }
        while offset < buffer.count {
            // At most 1 GiB a call: Linux writes no more than about 2 GiB at once anyway.
            offset += try retrying("write", path) {
                systemWrite(fd, buffer.baseAddress! + offset, min(buffer.count - offset, 1 << 30))
            }
        }
    }
}

// A file-scope name for write(2), which FileSink's own `write` would shadow.
private func systemWrite(_ fd: Int32, _ buf: UnsafeRawPointer, _ n: Int) -> Int { write(fd, buf, n) }
