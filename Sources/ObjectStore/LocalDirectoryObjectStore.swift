import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A store in a local folder: the key `a/b/c.parquet` is the file `<root>/a/b/c.parquet`.
///
/// Puts are atomic and durable: the bytes go to a temporary file in the target folder, which is
/// fsynced, then renamed over the key (or hard-linked for a create-only put, which fails
/// atomically if the key exists), and the folder is fsynced. Temporary files are named
/// `.opensensor-tmp.*`, never listed, and keys with such a segment are refused. Conditional
/// updates (`If-Match`) are atomic within this process only. ETags are derived from inode,
/// modification time and size, as Apache Arrow's local store does.
public final class LocalDirectoryObjectStore: ObjectStore {
    /// The folder holding the objects.
    public let root: String
    private let commitLock = Mutex(())
    static let tempMarker = ".opensensor-tmp."

    /// A store rooted at `root`, which must exist and be a folder.
    /// - Throws: ``ObjectStoreError`` (configuration) when it is missing or not a folder.
    public init(root: String) throws {
        var trimmed = root
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        var st = stat()
        guard stat(trimmed, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
            throw ObjectStoreError(.configuration, "\(trimmed) is not an existing folder (create it first)")
        }
        self.root = trimmed
    }

    public var description: String { "local store at \(root)" }

    // MARK: ObjectStore

    @discardableResult
    public func put(_ path: ObjectPath, bytes: [UInt8], mode: PutMode) async throws -> PutResult {
        try checkUsable(path)
        let target = file(path)
        let folder = String(target[..<target.lastIndex(of: "/")!])
        try makeFolders(folder, for: path)
        let temp = folder + "/" + Self.tempMarker + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        try writeDurably(temp, bytes, path: path)
        defer { unlink(temp) }
        try commitLock.withLock { _ throws(ObjectStoreError) in
            switch mode {
            case .overwrite:
                guard rename(temp, target) == 0 else { throw Self.posixError("rename", errno, path, "PUT") }
            case .create:
                guard link(temp, target) == 0 else {
                    let code = errno
                    if code == EEXIST {
                        throw ObjectStoreError(
                            .alreadyExists, "an object already exists at this key", path: path.rawValue,
                            operation: "PUT")
                    }
                    throw Self.posixError("link", code, path, "PUT")
                }
            case .update(let eTag):
                let current = try? metaOrNil(path)
                guard let current = current ?? nil, current.eTag == eTag else {
                    throw ObjectStoreError(
                        .preconditionFailed, "expected ETag \(eTag), found a different version or none",
                        path: path.rawValue, operation: "PUT")
                }
                guard rename(temp, target) == 0 else { throw Self.posixError("rename", errno, path, "PUT") }
            }
        }
        syncFolder(folder)
        return PutResult(eTag: try headNow(path).eTag)
    }

    public func head(_ path: ObjectPath) async throws -> ObjectMeta { try headNow(path) }

    func headNow(_ path: ObjectPath) throws(ObjectStoreError) -> ObjectMeta {
        guard let meta = try metaOrNil(path) else { throw InMemoryObjectStore.notFound(path, "HEAD") }
        return meta
    }

    public func get(_ path: ObjectPath, range: ByteRange?) async throws -> GetResult {
        try checkUsable(path)
        let fd = open(file(path), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR || code == EISDIR { throw InMemoryObjectStore.notFound(path, "GET") }
            throw Self.posixError("open", code, path, "GET")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw Self.posixError("fstat", errno, path, "GET") }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw InMemoryObjectStore.notFound(path, "GET") }
        let meta = Self.meta(path, st)
        let selected = try InMemoryObjectStore.select(range, size: meta.size, path: path)
        var bytes = [UInt8](repeating: 0, count: selected.count)
        var done = 0
        while done < selected.count {
            let n = bytes.withUnsafeMutableBytes { buffer in
                pread(fd, buffer.baseAddress! + done, selected.count - done, off_t(selected.lowerBound + done))
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw n == 0
                    ? ObjectStoreError(.transient, "the file shrank while being read", path: path.rawValue, operation: "GET")
                    : Self.posixError("pread", errno, path, "GET")
            }
            done += n
        }
        return GetResult(bytes: bytes, meta: meta, range: selected)
    }

    public func list(prefix: String, continuation: String?, maxKeys: Int) async throws -> ObjectListPage {
        let limit = max(1, min(maxKeys, 1000))
        // Walk only the folder the prefix points into: "a/b/c" → walk "a/b", keep keys starting "a/b/c".
        let base = prefix.lastIndex(of: "/").map { String(prefix[..<$0]) } ?? ""
        var keys: [String] = []
        walk(relative: base, into: &keys)
        let matching = keys.filter { key in
            key.utf8.starts(with: prefix.utf8) && (continuation.map { utf8Precedes($0, key) } ?? true)
        }.sorted(by: utf8Precedes)
        var page: [ObjectMeta] = []
        for key in matching {
            if page.count == limit { break }
            guard let path = try? ObjectPath(key), let meta = try? metaOrNil(path) else { continue }
            page.append(meta)
        }
        let more = matching.count > limit
        return ObjectListPage(objects: page, nextToken: more ? page.last?.path.rawValue : nil)
    }

    public func delete(_ path: ObjectPath) async throws {
        try checkUsable(path)
        let target = file(path)
        if unlink(target) != 0 {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return }
            if code == EISDIR || code == EPERM {
                // A folder at this key is not an object (EPERM is what unlink(2) says for folders on Linux).
                var st = stat()
                if stat(target, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR { return }
            }
            throw Self.posixError("unlink", code, path, "DELETE")
        }
        syncFolder(String(target[..<target.lastIndex(of: "/")!]))
    }

    // MARK: Files

    func file(_ path: ObjectPath) -> String { root + "/" + path.rawValue }

    func checkUsable(_ path: ObjectPath) throws(ObjectStoreError) {
        if path.segments.contains(where: { $0.hasPrefix(Self.tempMarker) }) {
            throw ObjectStoreError(
                .configuration, "keys with a segment starting \"\(Self.tempMarker)\" are reserved by the local store",
                path: path.rawValue)
        }
    }

    func metaOrNil(_ path: ObjectPath) throws(ObjectStoreError) -> ObjectMeta? {
        try checkUsable(path)
        var st = stat()
        guard stat(file(path), &st) == 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return nil }
            throw Self.posixError("stat", code, path, "HEAD")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Self.meta(path, st)
    }

    static func meta(_ path: ObjectPath, _ st: stat) -> ObjectMeta {
        #if canImport(Darwin)
            let (seconds, nanos) = (Int(st.st_mtimespec.tv_sec), Int(st.st_mtimespec.tv_nsec))
        #else
            let (seconds, nanos) = (Int(st.st_mtim.tv_sec), Int(st.st_mtim.tv_nsec))
        #endif
        let eTag =
            String(UInt64(st.st_ino), radix: 16) + "-" + String(seconds * 1_000_000_000 + nanos, radix: 16) + "-"
            + String(Int(st.st_size), radix: 16)
        return ObjectMeta(
            path: path, size: Int(st.st_size), eTag: eTag,
            lastModified: Date(timeIntervalSince1970: Double(seconds) + Double(nanos) / 1e9))
    }

    func makeFolders(_ folder: String, for path: ObjectPath) throws(ObjectStoreError) {
        var current = root
        for segment in folder.dropFirst(root.count).split(separator: "/") {
            current += "/" + segment
            if mkdir(current, 0o755) != 0 {
                let code = errno
                var st = stat()
                if code == EEXIST && stat(current, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR { continue }
                if code == EEXIST {
                    throw ObjectStoreError(
                        .rejected, "\(current) is a file, so no object can be stored below it", path: path.rawValue,
                        operation: "PUT")
                }
                throw Self.posixError("mkdir", code, path, "PUT")
            }
        }
    }

    func writeDurably(_ temp: String, _ bytes: [UInt8], path: ObjectPath) throws(ObjectStoreError) {
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Self.posixError("open", errno, path, "PUT") }
        var failure: ObjectStoreError?
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, bytes.count - done) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 {
                failure = Self.posixError("write", errno, path, "PUT")
                break
            }
            done += n
        }
        if failure == nil && fsync(fd) != 0 { failure = Self.posixError("fsync", errno, path, "PUT") }
        if close(fd) != 0 && failure == nil { failure = Self.posixError("close", errno, path, "PUT") }
        if let failure {
            unlink(temp)
            throw failure
        }
    }

    func syncFolder(_ folder: String) {
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    func walk(relative: String, into keys: inout [String]) {
        let folder = relative.isEmpty ? root : root + "/" + relative
        guard let dir = opendir(folder) else { return }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name == "." || name == ".." || name.hasPrefix(Self.tempMarker) { continue }
            let key = relative.isEmpty ? name : relative + "/" + name
            var st = stat()
            guard lstat(root + "/" + key, &st) == 0 else { continue }
            switch st.st_mode & S_IFMT {
            case S_IFDIR: walk(relative: key, into: &keys)
            case S_IFREG: keys.append(key)
            default: continue
            }
        }
    }

    static func posixError(_ call: String, _ code: Int32, _ path: ObjectPath, _ operation: String) -> ObjectStoreError {
        let reason = String(cString: strerror(code))
        let kind: ObjectStoreError.Kind
        switch code {
        case EACCES, EPERM, EROFS: kind = .configuration
        case ENOSPC, EDQUOT, EIO, EAGAIN, EINTR, EMFILE, ENFILE, ENOMEM: kind = .transient
        default: kind = .rejected
        }
        return ObjectStoreError(
            kind, "\(call) failed: \(reason) (errno \(code))", path: path.rawValue, operation: operation)
    }
}
