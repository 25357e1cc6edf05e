import Foundation
import ObjectStore
import Synchronization
import Testing
import Parquet
@testable import Lake

/// A store that counts what it is asked (and can be told to fail listings).
final class CountingStore: ObjectStore {
    let inner: any ObjectStore
    let counts = Mutex<(lists: [String], everyKey: [String], gets: [String])>(([], [], []))
    let failListings = Mutex<ObjectStoreError?>(nil)

    init(_ inner: any ObjectStore) { self.inner = inner }
    var description: String { "counting \(inner)" }
    var lists: [String] { counts.withLock { $0.lists } }
    /// The prefixes listed without a delimiter, a page each.
    var everyKey: [String] { counts.withLock { $0.everyKey } }
    var gets: [String] { counts.withLock { $0.gets } }

    func put(_ path: ObjectPath, bytes: [UInt8], mode: PutMode) async throws -> PutResult { try await inner.put(path, bytes: bytes, mode: mode) }
    func head(_ path: ObjectPath) async throws -> ObjectMeta { try await inner.head(path) }
    func get(_ path: ObjectPath, range: ByteRange?) async throws -> GetResult {
        counts.withLock { $0.gets.append(path.rawValue) }
        return try await inner.get(path, range: range)
    }
    func list(prefix: String, continuation: String?, maxKeys: Int) async throws -> ObjectListPage {
        counts.withLock { $0.everyKey.append(prefix) }
        if let e = failListings.withLock({ $0 }) { throw e }
        return try await inner.list(prefix: prefix, continuation: continuation, maxKeys: maxKeys)
    }
    func list(prefix: String, delimiter: String, continuation: String?, maxKeys: Int) async throws -> ObjectListPage {
        counts.withLock { $0.lists.append(prefix) }
        if let e = failListings.withLock({ $0 }) { throw e }
        return try await inner.list(prefix: prefix, delimiter: delimiter, continuation: continuation, maxKeys: maxKeys)
    }
    func delete(_ path: ObjectPath) async throws { try await inner.delete(path) }
}

@Suite struct RemoteLakeTests {
    let june1: Int64 = 1_748_736_000_000
    let day: Int64 = 86_400_000

    /// Three days of one station and a day of another, on disk and uploaded under `lake/`.
    func lakes() async throws -> (TempLake, InMemoryObjectStore, [String]) {
        let lake = try TempLake()
        var paths: [String] = []
        for (station, d) in [("a", 0), ("a", 1), ("a", 2), ("b", 1)] {
            for q in 0..<3 {
                let t0 = june1 + Int64(d) * day + Int64(q) * 900_000 + 5_000
                let times = (0..<12).map { t0 + Int64($0) * 60_000 }
                paths.append(try lake.writeData(station: station, times: times,
                                                values: ["temperature": times.map { Float($0 % 97) / 4 }, "pm25": times.map { Float($0 % 13) }]))
            }
        }
        let store = InMemoryObjectStore()
        for p in paths { try await store.put(try ObjectPath("lake/" + p), bytes: try FileIO_read(lake.root + "/" + p)) }
        return (lake, store, paths)
    }

    func csv(_ r: QueryResult) -> [String] {
        var out: [String] = []
        QueryOutput.write(r, as: .csv) { out.append($0) }
        return out
    }

    @Test func aBucketAnswersAsTheFolderDoesAndListsOnlyWhatTheRangeNeeds() async throws {
        let (lake, memory, _) = try await lakes()
        let store = CountingStore(memory)
        let q = LakeQuery(stations: ["a"], from: june1 + day, to: june1 + 2 * day, every: .quarterHour, columns: ["temperature", "pm25"])
        let source = ObjectStoreLakeSource(store: store, prefix: "lake/", location: "s3://b/lake")
        let remote = await BlockingWork.run { Result { try QueryEngine(source: source).run(q) } }
        let local = try QueryEngine(root: lake.root).run(q)
        #expect(csv(try remote.get()) == csv(local))
        #expect(try remote.get().groups.count == 3)
        // Root, station a, its year, its month, then only the days that can hold the range
        // (the day before too: a batch may cross midnight) — never station b's folders.
        #expect(store.lists == ["lake/", "lake/station=a/", "lake/station=a/year=2025/", "lake/station=a/year=2025/month=06/",
                                "lake/station=a/year=2025/month=06/day=01/", "lake/station=a/year=2025/month=06/day=02/"])
        // One request per object of the two days, none for day 3.
        #expect(store.gets.count == 6 && store.gets.allSatisfy { !$0.contains("day=03") })
        #expect(source.counts.objectRequests == 6)
    }

    @Test func manyObjectsAreFetchedAWindowAheadOnceEachAndAnswerAsTheFolder() async throws {
        // Three days of quarter-hour batches: 288 objects, three windows, each fetched while the
        // one before is read.
        let lake = try TempLake()
        var paths: [String] = []
        for q in 0..<288 {
            let times = (0..<3).map { june1 + Int64(q) * 900_000 + 5_000 + Int64($0) * 300_000 }
            paths.append(try lake.writeData(station: "a", times: times, values: ["temperature": times.map { Float($0 % 89) / 8 }]))
        }
        let memory = InMemoryObjectStore()
        for p in paths { try await memory.put(try ObjectPath("lake/" + p), bytes: try FileIO_read(lake.root + "/" + p)) }
        let store = CountingStore(memory)
        let source = ObjectStoreLakeSource(store: store, prefix: "lake", location: "s3://b/lake")
        let q = LakeQuery(every: .hour, columns: ["temperature"])
        let remote = await BlockingWork.run { Result { try QueryEngine(source: source, workers: 2).run(q) } }
        #expect(csv(try remote.get()) == csv(try QueryEngine(root: lake.root, workers: 2).run(q)))
        #expect(store.gets.count == 288 && Set(store.gets).count == 288)
    }

    @Test func manyFoldersOfOneParentAreListedTogetherAndAnswerAsEachAlone() async throws {
        let memory = InMemoryObjectStore()
        let days = (1...10).map { String(format: "day=%02d", $0) }
        var keys = ["lake/m/readme", "lake/m/day=11/data_0000.parquet", "lake/n/day=01/data_0000.parquet"]
        for d in days {
            keys += ["data_0000.parquet", "data_0015.parquet", ".partial", "sub/a", "sub/b", "x", "x/y", ".hidden/z"].map { "lake/m/\(d)/\($0)" }
        }
        for (i, k) in keys.enumerated() { try await memory.put(try ObjectPath(k), bytes: Array(repeating: UInt8(i), count: i + 1)) }
        let store = CountingStore(memory)
        let source = ObjectStoreLakeSource(store: store, prefix: "lake", location: "s3://b/lake")
        let folders = days.map { "m/" + $0 }
        var alone: [[LakeEntry]] = []
        for f in folders { alone.append(try await source.list(f).get()) }
        #expect(alone[0].map(\.name) == ["data_0000.parquet", "data_0015.parquet", "sub", "x", "x"])
        let together = await source.list(folders, under: "m")
        #expect(together.map(\.0) == folders)
        for (i, (_, r)) in together.enumerated() { #expect(try r.get() == alone[i]) }

        // Through the walker's call: one listing of the parent, and each folder then asks nothing.
        #expect(ObjectStoreLakeSource.listingPlan(folders + ["n/day=01"]) == [.together(parent: "m", folders: folders), .folder("n/day=01")])
        let fresh = CountingStore(memory)
        let source2 = ObjectStoreLakeSource(store: fresh, prefix: "lake", location: "s3://b/lake")
        let entries = await BlockingWork.run {
            source2.prepareListings(Array(folders.prefix(ObjectStoreLakeSource.togetherFrom)))
            return folders.prefix(ObjectStoreLakeSource.togetherFrom).map { source2.entries(in: $0) { _ in true } }
        }
        #expect(entries == Array(alone.prefix(ObjectStoreLakeSource.togetherFrom)))
        #expect(fresh.everyKey == ["lake/m/"] && fresh.lists.isEmpty)
        #expect(source2.counts.listings == 1)
        // Seven folders are listed one by one.
        let fresh3 = CountingStore(memory)
        let source3 = ObjectStoreLakeSource(store: fresh3, prefix: "lake", location: "s3://b/lake")
        await BlockingWork.run { source3.prepareListings(Array(folders.prefix(7))) }
        #expect(fresh3.everyKey.isEmpty && fresh3.lists.count == 7)

        // A failed listing of the parent is each folder's failure, naming the parent.
        fresh.failListings.withLock { $0 = ObjectStoreError(.transient, "connection refused") }
        for (_, r) in await source2.list(folders, under: "m") {
            #expect { try r.get() } throws: { "\($0)".contains("s3://b/lake/m: ") }
        }
    }

    @Test func windowsFromABucketAreBoundedByFilesAndBytes() {
        #expect(QueryEngine.windows(Array(repeating: 10, count: 70), local: 32, remote: false) == [0..<32, 32..<64, 64..<70])
        #expect(QueryEngine.windows(Array(repeating: 10_000, count: 300), local: 32, remote: true) == [0..<128, 128..<256, 256..<300])
        // 3 MiB day files: two to a window; one larger than the bound is a window of its own.
        #expect(QueryEngine.windows([3 << 20, 3 << 20, 3 << 20, 9 << 20, 100], local: 32, remote: true) == [0..<2, 2..<3, 3..<4, 4..<5])
        #expect(QueryEngine.windows([], local: 32, remote: true).isEmpty)
    }

    @Test func aRepeatedQuestionIsAnsweredFromTheCacheWithoutFetchingAnObject() async throws {
        let (lake, memory, paths) = try await lakes()
        let store = CountingStore(memory)
        let cache = LakeObjectCache(folder: lake.root + "-cache", maxBytes: 64 << 20)
        defer { try? FileManager.default.removeItem(atPath: lake.root + "-cache") }
        let q = LakeQuery(every: .hour)
        func run() async throws -> (QueryResult, ObjectStoreLakeSource.Counts) {
            let source = ObjectStoreLakeSource(store: store, prefix: "lake", location: "s3://b/lake", cache: cache)
            let r = await BlockingWork.run { Result { try QueryEngine(source: source).run(q) } }
            return (try r.get(), source.counts)
        }
        let (first, cold) = try await run()
        #expect(cold.objectRequests == paths.count && cold.cacheHits == 0)
        let (second, warm) = try await run()
        #expect(warm.objectRequests == 0 && warm.cacheHits == paths.count)
        let local = try QueryEngine(root: lake.root).run(q)
        #expect(csv(first) == csv(second) && csv(first) == csv(local))

        // A damaged entry is dropped and fetched again; the answer does not change.
        let entries = try FileManager.default.contentsOfDirectory(atPath: cache.folder).filter { $0.hasSuffix(".entry") }.sorted()
        #expect(entries.count == paths.count)
        let victim = cache.folder + "/" + entries[0]
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: victim)))
        bytes[bytes.count / 2] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: victim))
        let (third, repaired) = try await run()
        #expect(repaired.objectRequests == 1 && repaired.cacheHits == paths.count - 1)
        #expect(csv(third) == csv(first))
    }

    @Test func theCacheStaysWithinItsBoundDroppingTheLeastRecentlyUsed() throws {
        let folder = NSTemporaryDirectory() + "opensensor-cache-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let cache = LakeObjectCache(folder: folder, maxBytes: 40_000)
        let blob = [UInt8](repeating: 7, count: 9_000)
        for i in 0..<3 { cache.store(key: "k\(i)", size: 9_000, tag: "t", bytes: blob) }
        #expect(cache.lookup(key: "k0", size: 9_000, tag: "t") == blob)
        // A different ETag or size is another version: a miss.
        #expect(cache.lookup(key: "k0", size: 9_000, tag: "other") == nil)
        Thread.sleep(forTimeInterval: 0.02)
        _ = cache.lookup(key: "k0", size: 9_000, tag: "t")  // k0 used last: k1 goes first
        for i in 3..<5 { cache.store(key: "k\(i)", size: 9_000, tag: "t", bytes: blob) }
        let held = (0..<5).filter { cache.lookup(key: "k\($0)", size: 9_000, tag: "t") != nil }
        #expect(!held.contains(1) && held.contains(0) && held.contains(4))
        let total = try FileManager.default.contentsOfDirectory(atPath: folder).reduce(0) {
            $0 + ((try? FileManager.default.attributesOfItem(atPath: folder + "/" + $1)[.size] as? Int) ?? 0)
        }
        #expect(total <= 40_000)
    }

    @Test func aCorruptObjectIsSkippedNamingItsKeyAndAnUnreachableBucketIsAnError() async throws {
        let (_, memory, paths) = try await lakes()
        try await memory.put(try ObjectPath("lake/" + paths[0]), bytes: Array("PAR1 not parquet PAR1".utf8))
        let source = ObjectStoreLakeSource(store: memory, prefix: "lake", location: "s3://b/lake")
        let r = try await BlockingWork.run { Result { try QueryEngine(source: source).run(LakeQuery()) } }.get()
        #expect(r.skipped.map(\.path) == [paths[0]])

        let failing = CountingStore(memory)
        failing.failListings.withLock { $0 = ObjectStoreError(.credentials, "access denied") }
        let denied = ObjectStoreLakeSource(store: failing, prefix: "lake", location: "s3://b/lake")
        let outcome = await BlockingWork.run { Result { try QueryEngine(source: denied).run(LakeQuery()) } }
        #expect(throws: QueryError.self) { try outcome.get() }
        if case .failure(let e) = outcome { #expect("\(e)".contains("s3://b/lake") && "\(e)".contains("access denied")) }
    }
}

func FileIO_read(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }
