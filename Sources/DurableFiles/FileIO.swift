// The package's file work on plain POSIX calls, without Foundation: whole-file reads, folder
// listings and the EINTR retry every system call loop shares. Atomic writes are in
// AtomicWrite.swift, appends in AppendFile.swift.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

package enum FileIO {
    // MARK: EINTR

    /// `body`'s result, calling it again while it fails with EINTR (a signal arrived before the
    /// call did anything). A negative result is returned as is, errno still describing it.
    package static func retryingInterrupted<T: BinaryInteger>(_ body: () -> T) -> T {
        while true {
            let result = body()
            if result >= 0 || errno != EINTR { return result }
        }
    }

    /// Runs a system call, retrying EINTR; a negative result becomes a ``FileError`` naming
    /// `operation` and `path`.
    @discardableResult
    package static func retrying<T: BinaryInteger>(_ operation: String, _ path: String, _ body: () -> T) throws(FileError) -> T {
        let result = retryingInterrupted(body)
        guard result >= 0 else { throw FileError(operation: operation, path: path, errno: errno) }
        return result
    }

    // MARK: Reading

    package static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// Reads a whole file until end of file, refusing one of more than `limit` bytes. The size
    /// `fstat` reports is a hint only: /proc and /sys files report 0, and a file may grow while
    /// it is read.
    package static func readWholeFile(_ path: String, limit: Int = .max) throws(FileError) -> [UInt8] {
        let fd = try retrying("open", path) { open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        var st = stat()
        let hint = fstat(fd, &st) == 0 ? max(0, Int(st.st_size)) : 0
        let tooLarge = FileError(operation: "read", path: path, errno: EFBIG, detail: "larger than the \(limit)-byte limit")
        guard hint <= limit else { throw tooLarge }
        // One byte past the hint, so that a file of exactly that size ends with a read of 0.
        var bytes = [UInt8](repeating: 0, count: hint + 1)
        var count = 0
        while true {
            if count == bytes.count {
                bytes.append(contentsOf: repeatElement(0, count: min(max(16384, bytes.count), limit - count) + 1))
            }
            let n = try retrying("read", path) {
                bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + count, $0.count - count) }
            }
            if n == 0 { break }
            count += n
            guard count <= limit else { throw tooLarge }
        }
        bytes.removeSubrange(count...)
        return bytes
    }

    // MARK: Folders

    /// One name in a folder and what it is (a symbolic link is not followed).
    package struct Entry: Sendable, Equatable {
        package enum Kind: Sendable, Equatable { case file, folder, symbolicLink, other }
        package var name: String
        package var kind: Kind

        package init(name: String, kind: Kind) {
            self.name = name
            self.kind = kind
        }
    }

    /// The entries of a folder in byte order of their names, without `.` and `..`. Hidden
    /// names (the layer's temporary files, `.opensensor`) are left out unless `hidden`. A name
    /// that is not UTF-8 is always left out: decoded, it would collapse with others into U+FFFD,
    /// and one file's record could stand for another's (nothing the package writes has one).
    package static func entries(in path: String, hidden: Bool = false) throws(FileError) -> [Entry] {
        guard let dir = opendir(path) else { throw FileError(operation: "opendir", path: path, errno: errno) }
        defer { closedir(dir) }
        var out: [Entry] = []
        while true {
            errno = 0
            guard let ent = readdir(dir) else {
                if errno != 0 { throw FileError(operation: "readdir", path: path, errno: errno) }
                break
            }
            let bytes = withUnsafeBytes(of: ent.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            if bytes == [0x2E] || bytes == [0x2E, 0x2E] { continue }
            if !hidden && bytes.first == 0x2E { continue }
            guard let name = String(validating: bytes, as: UTF8.self) else { continue }
            out.append(Entry(name: name, kind: kind(Int32(ent.pointee.d_type), name, in: dir)))
        }
        return out.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    }

    /// The names in a folder, as ``entries(in:hidden:)`` without hidden ones; empty when the
    /// folder cannot be read.
    package static func names(in path: String) -> [String] {
        ((try? entries(in: path)) ?? []).map(\.name)
    }

    /// What `d_type` says, or `lstat` when the file system does not fill it in (DT_UNKNOWN).
    private static func kind(_ type: Int32, _ name: String, in dir: OpaquePointer) -> Entry.Kind {
        var type = type
        if type == Int32(DT_UNKNOWN) {
            var st = stat()
            guard fstatat(dirfd(dir), name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { return .other }
            switch st.st_mode & S_IFMT {
            case S_IFREG: type = Int32(DT_REG)
            case S_IFDIR: type = Int32(DT_DIR)
            case S_IFLNK: type = Int32(DT_LNK)
            default: return .other
            }
        }
        switch type {
        case Int32(DT_REG): return .file
        case Int32(DT_DIR): return .folder
        case Int32(DT_LNK): return .symbolicLink
        default: return .other
        }
    }
}
