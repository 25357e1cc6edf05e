import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A store held in memory: a real implementation of ``ObjectStore`` and the standard test
/// double. Conditional puts are atomic (one lock guards all state).
public final class InMemoryObjectStore: ObjectStore {
    private struct Entry {
        var bytes: [UInt8]
        var eTag: String
        var lastModified: Date
    }

    private struct State {
        var objects: [ObjectPath: Entry] = [:]
        var version = 0
    }

    private let state = Mutex(State())

    /// An empty store.
    public init() {}

    public var description: String { "memory store" }

    /// The number of objects stored.
    public var count: Int { state.withLock { $0.objects.count } }

    @discardableResult
    public func put(_ path: ObjectPath, bytes: [UInt8], mode: PutMode) async throws -> PutResult {
        try state.withLock { (state: inout State) throws(ObjectStoreError) -> PutResult in
            let existing = state.objects[path]
            switch mode {
            case .overwrite:
                break
            case .create:
                if existing != nil {
                    throw ObjectStoreError(
                        .alreadyExists, "an object already exists at this key", path: path.rawValue, operation: "PUT")
                }
            case .update(let eTag):
                guard let existing, existing.eTag == eTag else {
                    throw ObjectStoreError(
                        .preconditionFailed,
                        "expected ETag \(eTag), found " + (existing.map { "ETag \($0.eTag)" } ?? "no object"),
                        path: path.rawValue, operation: "PUT")
                }
            }
            state.version += 1
            let eTag = "mem-\(state.version)"
            state.objects[path] = Entry(bytes: bytes, eTag: eTag, lastModified: Date())
            return PutResult(eTag: eTag)
        }
    }

    public func head(_ path: ObjectPath) async throws -> ObjectMeta {
        guard let entry = state.withLock({ $0.objects[path] }) else { throw Self.notFound(path, "HEAD") }
        return ObjectMeta(path: path, size: entry.bytes.count, eTag: entry.eTag, lastModified: entry.lastModified)
    }

    public func get(_ path: ObjectPath, range: ByteRange?) async throws -> GetResult {
        guard let entry = state.withLock({ $0.objects[path] }) else { throw Self.notFound(path, "GET") }
        let meta = ObjectMeta(path: path, size: entry.bytes.count, eTag: entry.eTag, lastModified: entry.lastModified)
        let selected = try Self.select(range, size: entry.bytes.count, path: path)
        return GetResult(bytes: Array(entry.bytes[selected]), meta: meta, range: selected)
    }

    public func list(prefix: String, continuation: String?, maxKeys: Int) async throws -> ObjectListPage {
        let limit = max(1, min(maxKeys, 1000))
        let matching = state.withLock { state in
            state.objects.compactMap { path, entry -> ObjectMeta? in
                guard path.rawValue.utf8.starts(with: prefix.utf8) else { return nil }
                if let continuation, !utf8Precedes(continuation, path.rawValue) { return nil }
                return ObjectMeta(path: path, size: entry.bytes.count, eTag: entry.eTag, lastModified: entry.lastModified)
            }
        }.sorted { $0.path < $1.path }
        let page = Array(matching.prefix(limit))
        return ObjectListPage(objects: page, nextToken: matching.count > limit ? page.last?.path.rawValue : nil)
    }

    public func delete(_ path: ObjectPath) async throws {
        _ = state.withLock { $0.objects.removeValue(forKey: path) }
    }

    static func notFound(_ path: ObjectPath, _ operation: String) -> ObjectStoreError {
        ObjectStoreError(.notFound, "no object at this key", path: path.rawValue, operation: operation)
    }

    /// The bytes a range selects, or the error a store gives for an unsatisfiable range.
    static func select(_ range: ByteRange?, size: Int, path: ObjectPath) throws(ObjectStoreError) -> Range<Int> {
        guard let range else { return 0..<size }
        guard let resolved = range.resolve(size: size) else {
            throw ObjectStoreError(
                .rejected, "range \(range) selects no byte of a \(size)-byte object", path: path.rawValue,
                operation: "GET")
        }
        return resolved
    }
}
