#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// A store of whole, immutable-once-written objects addressed by key: S3 and friends, a local
/// folder, or memory.
///
/// The shape follows object stores rather than files (as Apache Arrow's `object_store` crate
/// argues): a put replaces an object atomically, a get reads a snapshot, there are no folders
/// and no appends. That is exactly what syncing finished Parquet files needs.
///
/// Every method throws ``ObjectStoreError`` (or `CancellationError` when the task is cancelled).
/// Stores retry transient failures themselves according to their ``RetryConfig``.
public protocol ObjectStore: Sendable, CustomStringConvertible {
    /// Stores `bytes` under `path`. The store verifies the bytes on arrival (S3: Content-MD5)
    /// and uploads large objects in parts.
    @discardableResult
    func put(_ path: ObjectPath, bytes: [UInt8], mode: PutMode) async throws -> PutResult

    /// Metadata of the object at `path`; ``ObjectStoreError/Kind-swift.struct/notFound`` if absent.
    func head(_ path: ObjectPath) async throws -> ObjectMeta

    /// The object's bytes, or a range of them.
    func get(_ path: ObjectPath, range: ByteRange?) async throws -> GetResult

    /// One page of the objects whose keys start with `prefix` (a plain string prefix, as in S3),
    /// in UTF-8 byte order. Pass the previous page's ``ObjectListPage/nextToken`` to continue.
    func list(prefix: String, continuation: String?, maxKeys: Int) async throws -> ObjectListPage

    /// One page of what lies directly under `prefix`, as S3's ListObjectsV2 with a delimiter:
    /// the objects whose keys have no `delimiter` after the prefix, and in
    /// ``ObjectListPage/commonPrefixes`` each distinct key prefix that ends at the first
    /// `delimiter` after it (a "folder"). Lets a reader descend a layout one level at a time
    /// instead of listing a bucket's every key.
    func list(prefix: String, delimiter: String, continuation: String?, maxKeys: Int) async throws -> ObjectListPage

    /// Deletes the object; deleting a missing object succeeds (S3 semantics).
    func delete(_ path: ObjectPath) async throws
}

extension ObjectStore {
    /// Stores `bytes`, replacing any existing object.
    @discardableResult
    public func put(_ path: ObjectPath, bytes: [UInt8]) async throws -> PutResult {
        try await put(path, bytes: bytes, mode: .overwrite)
    }

    /// The whole object.
    public func get(_ path: ObjectPath) async throws -> GetResult { try await get(path, range: nil) }

    /// A delimiter listing from the plain one, for stores that have no cheaper way (memory, a
    /// local folder): every key under `prefix` is listed and grouped here, in one page.
    public func list(prefix: String, delimiter: String, continuation: String?, maxKeys: Int) async throws -> ObjectListPage {
        var objects: [ObjectMeta] = []
        var prefixes: [String] = []
        for try await meta in listAll(prefix: prefix) {
            let rest = Array(meta.path.rawValue.utf8.dropFirst(prefix.utf8.count))
            if let cut = firstOffset(of: Array(delimiter.utf8), in: rest) {
                let folder = String(decoding: meta.path.rawValue.utf8.prefix(prefix.utf8.count + cut), as: UTF8.self) + delimiter
                if prefixes.last != folder { prefixes.append(folder) }
            } else {
                objects.append(meta)
            }
        }
        return ObjectListPage(objects: objects, nextToken: nil, commonPrefixes: prefixes)
    }
}

/// The offset of the first occurrence of `needle` in `bytes`.
private func firstOffset(of needle: [UInt8], in bytes: [UInt8]) -> Int? {
    guard !needle.isEmpty, bytes.count >= needle.count else { return nil }
    for i in 0...(bytes.count - needle.count) where bytes[i..<(i + needle.count)].elementsEqual(needle) { return i }
    return nil
}

extension ObjectStore {
    /// Every object under `prefix`, fetched page by page as the sequence is iterated.
    public func listAll(prefix: String = "", pageSize: Int = 1000) -> ObjectListing {
        ObjectListing(store: self, prefix: prefix, pageSize: pageSize)
    }
}

/// How a put treats an existing object.
public enum PutMode: Sendable, Equatable {
    /// Replace whatever is there.
    case overwrite
    /// Create only: fail with ``ObjectStoreError/Kind-swift.struct/alreadyExists`` if the key
    /// exists (S3 `If-None-Match: *`).
    case create
    /// Replace only the version with this ETag: fail with
    /// ``ObjectStoreError/Kind-swift.struct/preconditionFailed`` otherwise (S3 `If-Match`).
    case update(eTag: String)
}

/// What a put returns.
public struct PutResult: Sendable, Equatable {
    /// The new object's ETag, without quotes.
    public var eTag: String?
    /// A put result.
    public init(eTag: String?) { self.eTag = eTag }
}

/// Metadata of one object.
public struct ObjectMeta: Sendable, Equatable, CustomStringConvertible {
    /// The key.
    public var path: ObjectPath
    /// Size in bytes.
    public var size: Int
    /// The entity tag, without quotes (S3: the MD5 hex for single-part uploads).
    public var eTag: String?
    /// When the object was last written, if the store says.
    public var lastModified: Date?

    /// Object metadata.
    public init(path: ObjectPath, size: Int, eTag: String?, lastModified: Date?) {
        self.path = path
        self.size = size
        self.eTag = eTag
        self.lastModified = lastModified
    }

    public var description: String { "\(path) (\(size) bytes" + (eTag.map { ", etag \($0)" } ?? "") + ")" }
}

/// A byte range of a get, as in HTTP `Range`.
public enum ByteRange: Sendable, Equatable, CustomStringConvertible {
    /// `lowerBound ..< upperBound`; an upper bound past the end is clamped to the size.
    case offsets(Range<Int>)
    /// From an offset to the end.
    case from(Int)
    /// The last `n` bytes.
    case suffix(Int)

    /// The `Range` header value: `bytes=0-9`, `bytes=10-`, `bytes=-5`.
    public var httpValue: String {
        switch self {
        case .offsets(let r): "bytes=\(r.lowerBound)-\(r.upperBound - 1)"
        case .from(let offset): "bytes=\(offset)-"
        case .suffix(let n): "bytes=-\(n)"
        }
    }

    public var description: String { httpValue }

    /// The concrete range within an object of `size` bytes, or nil if it selects nothing
    /// (HTTP 416).
    public func resolve(size: Int) -> Range<Int>? {
        switch self {
        case .offsets(let r):
            guard r.lowerBound >= 0, r.lowerBound < r.upperBound, r.lowerBound < size else { return nil }
            return r.lowerBound..<min(r.upperBound, size)
        case .from(let offset):
            guard offset >= 0, offset < size else { return nil }
            return offset..<size
        case .suffix(let n):
            guard n > 0, size > 0 else { return nil }
            return max(0, size - n)..<size
        }
    }
}

/// What a get returns.
public struct GetResult: Sendable {
    /// The bytes read (the whole object or the requested range).
    public var bytes: [UInt8]
    /// The object's metadata (``ObjectMeta/size`` is the whole object's size).
    public var meta: ObjectMeta
    /// Which bytes of the object ``bytes`` holds.
    public var range: Range<Int>

    /// A get result.
    public init(bytes: [UInt8], meta: ObjectMeta, range: Range<Int>) {
        self.bytes = bytes
        self.meta = meta
        self.range = range
    }
}

/// One page of a listing.
public struct ObjectListPage: Sendable {
    /// The objects of this page, in UTF-8 key order.
    public var objects: [ObjectMeta]
    /// Pass to the next ``ObjectStore/list(prefix:continuation:maxKeys:)``; nil on the last page.
    public var nextToken: String?
    /// A delimiter listing's "folders": key prefixes ending in the delimiter, in UTF-8 order.
    public var commonPrefixes: [String]

    /// A page.
    public init(objects: [ObjectMeta], nextToken: String?, commonPrefixes: [String] = []) {
        self.objects = objects
        self.nextToken = nextToken
        self.commonPrefixes = commonPrefixes
    }
}

/// Every object under a prefix, one page at a time (requests are made only as iteration needs
/// them).
public struct ObjectListing: AsyncSequence, Sendable {
    public typealias Element = ObjectMeta
    let store: any ObjectStore
    let prefix: String
    let pageSize: Int

    public func makeAsyncIterator() -> Iterator { Iterator(listing: self) }

    /// Fetches pages lazily.
    public struct Iterator: AsyncIteratorProtocol {
        let listing: ObjectListing
        var buffer: [ObjectMeta] = []
        var index = 0
        var token: String?
        var finished = false

        init(listing: ObjectListing) { self.listing = listing }

        public mutating func next() async throws -> ObjectMeta? {
            while index >= buffer.count {
                if finished { return nil }
                let page = try await listing.store.list(
                    prefix: listing.prefix, continuation: token, maxKeys: listing.pageSize)
                buffer = page.objects
                index = 0
                token = page.nextToken
                finished = page.nextToken == nil
            }
            defer { index += 1 }
            return buffer[index]
        }
    }
}
