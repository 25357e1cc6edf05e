import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import DurableFiles

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A store in a local folder: the key `a/b/c.parquet` is the file `<root>/a/b/c.parquet`.
///
/// Puts are atomic and durable, on the durable-file layer: the bytes go to a temporary file in
/// the target folder, which is fsynced, then renamed over the key (or published create-only,
/// which fails if the key exists), and the folder is fsynced. Temporary files are named
/// `.opensensor-tmp.*`, never listed, and keys with such a segment are refused. Conditional
/// updates (`If-Match`) are atomic within this process only. ETags are derived from inode,
/// modification time and size, as Apache Arrow's local store does.
public final class LocalDirectoryObjectStore: ObjectStore {
    /// The folder holding the objects.
    public let root: String
    private let commitLock = Mutex(())
    static let tempMarker = FileIO.temporaryPrefix

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
        let staged: StagedFile
        do {
            staged = try FileIO.stage(for: target) { sink throws(FileError) in try sink.write(bytes) }
        } catch {
            throw Self.posixError(error, path, "PUT")
        }
        try commitLock.withLock { _ throws(ObjectStoreError) in
            let publish: FileIO.WriteMode
            switch mode {
            case .overwrite: publish = .replace
            case .create: publish = .createOnly
            case .update(let eTag):
                let current = try? metaOrNil(path)
                guard let current = current ?? nil, current.eTag == eTag else {
                    throw ObjectStoreError(
                        .preconditionFailed, "expected ETag \(eTag), found a different version or none",
                        path: path.rawValue, operation: "PUT")
                }
                publish = .replace
            }
            do throws(FileError) {
                try staged.publish(publish)
            } catch {
                guard error.kind == .alreadyExists && publish == .createOnly else { throw Self.posixError(error, path, "PUT") }
                throw ObjectStoreError(
                    .alreadyExists, "an object already exists at this key", path: path.rawValue, operation: "PUT")
            }
        }
        return PutResult(eTag: try headNow(path).eTag)
    }

    public func head(_ path: ObjectPath) async throws -> ObjectMeta { try headNow(path) }

    func headNow(_ path: ObjectPath) throws(ObjectStoreError) -> ObjectMeta {
        guard let meta = try metaOrNil(path) else { throw InMemoryObjectStore.notFound(path, "HEAD") }
        return meta
    }

    public func get(_ path: ObjectPath, range: ByteRange?) async throws -> GetResult {
        try checkUsable(path)
        let file: ReadFile
        do {
            file = try ReadFile(path: self.file(path))
        } catch {
            if error.kind == .notFound || error.errno == EISDIR { throw InMemoryObjectStore.notFound(path, "GET") }
            throw Self.posixError(error, path, "GET")
        }
        guard file.isRegular else { throw InMemoryObjectStore.notFound(path, "GET") }
        let meta = Self.meta(path, file.status)
        let selected = try InMemoryObjectStore.select(range, size: meta.size, path: path)
        let bytes: [UInt8]
        do {
            bytes = try file.read(count: selected.count, at: selected.lowerBound)
        } catch {
            throw Self.posixError(error, path, "GET")
        }
        guard bytes.count == selected.count else {
            throw ObjectStoreError(.transient, "the file shrank while being read", path: path.rawValue, operation: "GET")
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
        // The key is gone either way; only its durability across a power cut is at stake.
        try? FileIO.syncFolder(String(target[..<target.lastIndex(of: "/")!]))
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
        let (seconds, nanos) = (Int(st.st_mtim.tv_sec), Int(st.st_mtim.tv_nsec))
        let eTag =
            String(UInt64(st.st_ino), radix: 16) + "-" + String(seconds * 1_000_000_000 + nanos, radix: 16) + "-"
            + String(Int(st.st_size), radix: 16)
        return ObjectMeta(
            path: path, size: Int(st.st_size), eTag: eTag,
            lastModified: Date(timeIntervalSince1970: Double(seconds) + Double(nanos) / 1e9))
    }

    func makeFolders(_ folder: String, for path: ObjectPath) throws(ObjectStoreError) {
        do {
            try FileIO.makeFolders(folder)
        } catch {
            guard error.errno == ENOTDIR else { throw Self.posixError(error, path, "PUT") }
            throw ObjectStoreError(
                .rejected, "\(error.path) is a file, so no object can be stored below it", path: path.rawValue,
                operation: "PUT")
        }
    }

    func walk(relative: String, into keys: inout [String]) {
        let folder = relative.isEmpty ? root : root + "/" + relative
        // Hidden names are keys too; only the layer's temporary files are not.
        for entry in (try? FileIO.entries(in: folder, hidden: true)) ?? [] where !entry.name.hasPrefix(Self.tempMarker) {
            let key = relative.isEmpty ? entry.name : relative + "/" + entry.name
            switch entry.kind {
            case .folder: walk(relative: key, into: &keys)
            case .file: keys.append(key)
            case .symbolicLink, .other: continue
            }
        }
    }

    static func posixError(_ error: FileError, _ path: ObjectPath, _ operation: String) -> ObjectStoreError {
        posixError(error.operation, error.errno, path, operation)
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
