/// A store seen from under a key prefix: `station=a/…` here is `<prefix>/station=a/…` in the
/// store beneath. Lets code written for a lake at a store's root (the compactor, which a local
/// folder also serves) work on a lake at `s3://bucket/prefix`.
///
/// Keys are joined as ``ObjectPath/init(prefix:relativePath:)`` joins them, the rule sync uploads
/// with. Listings ask the store beneath for the prefixed keys and give them back relative; a
/// delimiter listing stays the store's own (one request per level on S3). Errors are the store's,
/// and name the object's full key, so a report points at what is really there.
public struct PrefixedObjectStore: ObjectStore {
    /// The store beneath.
    public let base: any ObjectStore
    /// The prefix, without slashes around it; empty: the base store's keys as they are.
    public let prefix: String

    /// `base` under `prefix` (slashes around it are trimmed).
    public init(_ base: any ObjectStore, prefix: String) {
        self.base = base
        var p = Substring(prefix)
        while p.hasPrefix("/") { p = p.dropFirst() }
        while p.hasSuffix("/") { p = p.dropLast() }
        self.prefix = String(p)
    }

    public var description: String { prefix.isEmpty ? base.description : "\(base) under \(prefix)/" }

    private var keyPrefix: String { prefix.isEmpty ? "" : prefix + "/" }

    private func full(_ path: ObjectPath) throws(ObjectStoreError) -> ObjectPath {
        try ObjectPath(prefix: prefix, relativePath: path.rawValue)
    }

    /// `key` without the prefix, compared byte for byte as keys are (ObjectPath); nil for a key
    /// outside the prefix, which a store that honours its listing's prefix never returns.
    private func relative(_ key: String) -> String? {
        let (bytes, prefix) = (Array(key.utf8), Array(keyPrefix.utf8))
        guard bytes.count > prefix.count, bytes.starts(with: prefix) else { return nil }
        return String(decoding: bytes[prefix.count...], as: UTF8.self)
    }

    private func relative(_ meta: ObjectMeta) -> ObjectMeta? {
        guard let key = relative(meta.path.rawValue), let path = try? ObjectPath(key) else { return nil }
        var out = meta
        out.path = path
        return out
    }

    @discardableResult
    public func put(_ path: ObjectPath, bytes: [UInt8], mode: PutMode) async throws -> PutResult {
        try await base.put(try full(path), bytes: bytes, mode: mode)
    }

    public func head(_ path: ObjectPath) async throws -> ObjectMeta {
        let meta = try await base.head(try full(path))
        return ObjectMeta(path: path, size: meta.size, eTag: meta.eTag, lastModified: meta.lastModified)
    }

    public func get(_ path: ObjectPath, range: ByteRange?) async throws -> GetResult {
        var result = try await base.get(try full(path), range: range)
        result.meta.path = path
        return result
    }

    public func list(prefix: String, continuation: String?, maxKeys: Int) async throws -> ObjectListPage {
        let page = try await base.list(prefix: keyPrefix + prefix, continuation: continuation, maxKeys: maxKeys)
        return ObjectListPage(objects: page.objects.compactMap(relative), nextToken: page.nextToken)
    }

    public func list(prefix: String, delimiter: String, continuation: String?, maxKeys: Int) async throws -> ObjectListPage {
        let page = try await base.list(
            prefix: keyPrefix + prefix, delimiter: delimiter, continuation: continuation, maxKeys: maxKeys)
        return ObjectListPage(
            objects: page.objects.compactMap(relative), nextToken: page.nextToken,
            commonPrefixes: page.commonPrefixes.compactMap(relative))
    }

    public func delete(_ path: ObjectPath) async throws {
        try await base.delete(try full(path))
    }
}
