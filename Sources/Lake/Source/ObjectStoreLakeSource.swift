// A lake under a prefix of a bucket (any ObjectStore; S3 in practice). The walk lists one level
// at a time with delimiter listings (a month's many days in one listing of the month), so a
// question costs the station, year, month and day folders that can hold its range, never the
// whole bucket; objects are fetched whole, several at a time, through the local cache of
// immutable objects (LakeObjectCache.swift), before the query engine's threads read them, so no
// reading thread waits on the network.
//
// The walker and the engine are synchronous (they read folders on a station); the store is
// async. Each call here waits for its async work on a semaphore, with a time limit, so it must
// not run on the Swift concurrency pool: callers run the engine through BlockingWork.run.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Dispatch
public import ObjectStore
import Synchronization

public final class ObjectStoreLakeSource: LakeSource {
    public let store: any ObjectStore
    /// The key prefix of the lake's root, without a trailing `/` (empty: the bucket's root).
    public let prefix: String
    public let location: String
    public let cache: LakeObjectCache?
    /// Requests at once.
    public let concurrency: Int
    /// The longest one call waits (a listing, or the fetch of a window of files); the store's
    /// own retries happen inside it.
    public let timeout: Duration

    /// What a source has asked of its store so far.
    public struct Counts: Sendable, Equatable {
        public var listings = 0
        public var objectRequests = 0
        public var bytesFetched: Int64 = 0
        public var cacheHits = 0

        /// Both sources' requests together (a lake and its day files).
        public static func + (a: Counts, b: Counts) -> Counts {
            Counts(listings: a.listings + b.listings, objectRequests: a.objectRequests + b.objectRequests,
                   bytesFetched: a.bytesFetched + b.bytesFetched, cacheHits: a.cacheHits + b.cacheHits)
        }
    }

    private struct State {
        var counts = Counts()
        var listings: [String: Result<[LakeEntry], LakeSourceError>] = [:]
        var staged: [String: Result<[UInt8], LakeSourceError>] = [:]
        /// The ETag each listed file had, for readers that pass on only path and size.
        var tags: [String: String] = [:]
        var failure: String?
    }
    private let state = Mutex(State())

    public init(store: any ObjectStore, prefix: String, location: String, cache: LakeObjectCache? = nil,
                concurrency: Int = 16, timeout: Duration = .seconds(120)) {
        var p = Substring(prefix)
        while p.hasPrefix("/") { p = p.dropFirst() }
        while p.hasSuffix("/") { p = p.dropLast() }
        self.store = store
        self.prefix = String(p)
        self.location = location
        self.cache = cache
        self.concurrency = max(1, concurrency)
        self.timeout = timeout
    }

    public var counts: Counts { state.withLock { $0.counts } }

    func key(_ path: String) -> String {
        prefix.isEmpty ? path : path.isEmpty ? prefix : prefix + "/" + path
    }

    // MARK: Listings

    public func entries(in path: String, accepting accept: (String) -> Bool) -> [LakeEntry] {
        let prepared = state.withLock { $0.listings.removeValue(forKey: path) }
        let listed = prepared ?? wait { await self.list(path) } ?? .failure(LakeSourceError("\(self.describe(path)): no answer within \(timeout)"))
        switch listed {
        case .success(let entries): return entries.filter { accept($0.name) }
        case .failure(let error):
            state.withLock { if $0.failure == nil { $0.failure = error.message } }
            return []
        }
    }

    public func prepareListings(_ paths: [String]) {
        guard paths.count > 1 else { return }
        let done: Void? = wait {
            await Self.forEach(Self.listingPlan(paths), limit: self.concurrency) { job in
                let listed: [(String, Result<[LakeEntry], LakeSourceError>)]
                switch job {
                case .folder(let path): listed = [(path, await self.list(path))]
                case .together(let parent, let folders): listed = await self.list(folders, under: parent)
                }
                self.state.withLock { s in for (path, r) in listed { s.listings[path] = r } }
            }
        }
        if done == nil { state.withLock { s in for p in paths { s.listings[p] = nil } } }
    }

    /// How to list some folders: one by one, or — when at least ``togetherFrom`` of them share
    /// a parent — that parent's every key at once, split by folder. A month of 31 day folders
    /// of 96 batch files each is then 3 pages instead of 31 listings: fewer requests whatever
    /// the distance, and far less time on a store whose listings cost per request, not per key.
    enum ListingJob: Sendable, Equatable {
        case folder(String)
        case together(parent: String, folders: [String])
    }

    /// Folders under one parent from which they are listed together: above the 3 pages a
    /// month of quarter-hour batch files takes.
    static let togetherFrom = 8

    static func listingPlan(_ paths: [String]) -> [ListingJob] {
        func parent(_ path: String) -> String { path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "" }
        var order: [String] = []
        var byParent: [String: [String]] = [:]
        for path in paths where !path.isEmpty {
            let p = parent(path)
            if byParent[p] == nil { order.append(p) }
            byParent[p, default: []].append(path)
        }
        return order.flatMap { p -> [ListingJob] in
            let folders = byParent[p]!
            return folders.count >= togetherFrom ? [.together(parent: p, folders: folders)] : folders.map { .folder($0) }
        }
    }

    public func takeListingFailure() -> String? {
        state.withLock { s in
            defer { s.failure = nil }
            return s.failure
        }
    }

    func describe(_ path: String) -> String { path.isEmpty ? location : location + "/" + path }

    /// One level under `path`: folders from the common prefixes, files from the objects.
    func list(_ path: String) async -> Result<[LakeEntry], LakeSourceError> {
        let folder = key(path).isEmpty ? "" : key(path) + "/"
        var out: [LakeEntry] = []
        do {
            try await eachPage({ try await self.store.list(prefix: folder, delimiter: "/", continuation: $0, maxKeys: 1000) }) { page in
                for p in page.commonPrefixes where p.utf8.starts(with: folder.utf8) && p.hasSuffix("/") {
                    let name = String(p.dropFirst(folder.count).dropLast())
                    if Self.isListed(name), !name.contains("/") { out.append(LakeEntry(name: name, kind: .folder)) }
                }
                for o in page.objects where o.path.rawValue.utf8.starts(with: folder.utf8) {
                    let name = String(o.path.rawValue.dropFirst(folder.count))
                    if Self.isListed(name), !name.contains("/") { out.append(Self.fileEntry(name, o)) }
                }
            }
        } catch {
            return .failure(LakeSourceError("\(describe(path)): \(error)"))
        }
        return .success(listed(path, out))
    }

    /// Each of `folders` (all directly under `parent`) as ``list(_:)`` gives it, from one
    /// listing of `parent` without a delimiter.
    func list(_ folders: [String], under parent: String) async -> [(String, Result<[LakeEntry], LakeSourceError>)] {
        let base = key(parent).isEmpty ? "" : key(parent) + "/"
        let lead = parent.isEmpty ? "" : parent + "/"
        var found: [String: [LakeEntry]] = [:]
        for f in folders { found[f] = [] }
        do {
            try await eachPage({ try await self.store.list(prefix: base, continuation: $0, maxKeys: 1000) }) { page in
                for o in page.objects where o.path.rawValue.utf8.starts(with: base.utf8) {
                    let rest = o.path.rawValue.dropFirst(base.count)
                    guard let slash = rest.firstIndex(of: "/") else { continue }  // a file beside the folders
                    let folder = lead + rest[..<slash]
                    guard found[folder] != nil else { continue }
                    let below = rest[rest.index(after: slash)...]
                    if let sub = below.firstIndex(of: "/") {
                        // Deeper keys stand for a folder; keys are in byte order, so its keys
                        // come together and one entry is enough.
                        let entry = LakeEntry(name: String(below[..<sub]), kind: .folder)
                        if Self.isListed(entry.name), found[folder]!.last != entry { found[folder]!.append(entry) }
                    } else if Self.isListed(String(below)) {
                        found[folder]!.append(Self.fileEntry(String(below), o))
                    }
                }
            }
        } catch {
            let failure = LakeSourceError("\(describe(parent)): \(error)")
            return folders.map { ($0, .failure(failure)) }
        }
        return folders.map { f in (f, .success(listed(f, found[f]!))) }
    }

    /// Asks for every page of a listing (`page(token)` asks for one), counting each, and hands
    /// each to `body`.
    private func eachPage(_ page: (String?) async throws -> ObjectListPage, _ body: (ObjectListPage) -> Void) async throws {
        var token: String?
        repeat {
            let got = try await page(token)
            state.withLock { $0.counts.listings += 1 }
            body(got)
            token = got.nextToken
        } while token != nil
    }

    /// Whether a name is one a walk sees: not empty, not hidden.
    private static func isListed(_ name: String) -> Bool { !name.isEmpty && !name.hasPrefix(".") }

    private static func fileEntry(_ name: String, _ o: ObjectMeta) -> LakeEntry {
        let mtime = o.lastModified.map { Int64(($0.timeIntervalSince1970 * 1e9).rounded()) } ?? 0
        return LakeEntry(name: name, kind: .file, size: Int64(o.size), mtimeNanos: mtime, tag: o.eTag)
    }

    /// A folder's entries in name order, their ETags noted for ``fetch(_:)``.
    private func listed(_ path: String, _ entries: [LakeEntry]) -> [LakeEntry] {
        var out = entries
        // By name, a folder before a file of the same name: one order however it was listed.
        out.sort { $0.name == $1.name ? $0.kind == .folder && $1.kind == .file : $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        state.withLock { s in
            for e in out where e.kind == .file { s.tags[path.isEmpty ? e.name : path + "/" + e.name] = e.tag }
        }
        return out
    }

    // MARK: Objects

    public func contents(of file: LakeFileRef) throws(LakeSourceError) -> [UInt8] {
        let staged = state.withLock { $0.staged.removeValue(forKey: file.path) }
        let result = staged ?? wait { await self.fetch(file) }
            ?? .failure(LakeSourceError("no answer within \(timeout)"))
        return try result.get()
    }

    public func prepareContents(_ files: [LakeFileRef]) {
        let done: Void? = wait {
            await Self.forEach(files, limit: self.concurrency) { file in
                let r = await self.fetch(file)
                self.state.withLock { $0.staged[file.path] = r }
            }
        }
        if done == nil {
            state.withLock { s in
                for f in files where s.staged[f.path] == nil { s.staged[f.path] = .failure(LakeSourceError("no answer within \(timeout)")) }
            }
        }
    }

    /// The whole object, from the cache when it holds this key, size and ETag; one request
    /// otherwise, kept in the cache after.
    func fetch(_ file: LakeFileRef) async -> Result<[UInt8], LakeSourceError> {
        var file = file
        if file.tag == nil { file.tag = state.withLock { $0.tags[file.path] } }
        let key = key(file.path)
        if let cache, let tag = file.tag, let hit = cache.lookup(key: key, size: file.size, tag: tag) {
            state.withLock { $0.counts.cacheHits += 1 }
            return .success(hit)
        }
        do {
            let got = try await store.get(try ObjectPath(key), range: nil)
            state.withLock {
                $0.counts.objectRequests += 1
                $0.counts.bytesFetched += Int64(got.bytes.count)
            }
            guard Int64(got.bytes.count) == file.size else {
                return .failure(LakeSourceError("\(got.bytes.count) bytes received, the listing said \(file.size) (changed since?)"))
            }
            // Cached only when it is the version listed: the key names that version.
            if let cache, let tag = file.tag, got.meta.eTag == nil || got.meta.eTag == tag {
                cache.store(key: key, size: file.size, tag: tag, bytes: got.bytes)
            }
            return .success(got.bytes)
        } catch {
            return .failure(LakeSourceError("\(error)"))
        }
    }

    // MARK: Waiting

    /// Runs `body` and waits for it at most `timeout`; nil (and the work cancelled) after that.
    func wait<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T? {
        let box = Mutex<T?>(nil)
        let done = DispatchSemaphore(value: 0)
        let task = Task.detached {
            let value = await body()
            box.withLock { $0 = value }
            done.signal()
        }
        let c = timeout.components
        let nanos = Int(min(c.seconds, 86_400)) * 1_000_000_000 + Int(c.attoseconds / 1_000_000_000)
        if done.wait(timeout: .now() + .nanoseconds(nanos)) == .timedOut {
            task.cancel()
            return nil
        }
        return box.withLock { $0 }
    }

    /// `body` for each item, at most `limit` at once.
    static func forEach<T: Sendable>(_ items: [T], limit: Int, _ body: @escaping @Sendable (T) async -> Void) async {
        await withTaskGroup(of: Void.self) { group in
            var next = items.makeIterator()
            var running = 0
            while running < limit, let item = next.next() {
                group.addTask { await body(item) }
                running += 1
            }
            while await group.next() != nil {
                if Task.isCancelled { group.cancelAll() }
                if let item = next.next() { group.addTask { await body(item) } }
            }
        }
    }
}

/// Synchronous lake work that may wait on the network, kept off the Swift concurrency pool.
public enum BlockingWork {
    /// Runs `work` on a thread of its own and resumes with its result: a query over a bucket
    /// blocks its thread while the store's async requests run on the pool, which must never be
    /// the thread waiting for them.
    public static func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { (c: CheckedContinuation<T, Never>) in
            let job = Unmanaged.passRetained(ThreadJob { c.resume(returning: work()) })
            var thread = pthread_t()
            let rc = pthread_create(&thread, nil, { raw in
                Unmanaged<ThreadJob>.fromOpaque(raw!).takeRetainedValue().body()
                return nil
            }, job.toOpaque())
            if rc == 0 {
                pthread_detach(thread)
            } else {
                job.takeRetainedValue().body()  // No thread to be had: run here rather than not at all.
            }
        }
    }
}

private final class ThreadJob: @unchecked Sendable {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
}
