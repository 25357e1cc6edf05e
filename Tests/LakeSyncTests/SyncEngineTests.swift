import Foundation
import Lake
import Logging
import ObjectStore
import Synchronization
import CivilTime
import Config
import DurableFiles
import TestSupport
import Testing
@testable import LakeSync

/// A store that fails in chosen ways, wrapping an in-memory one.
final class ScriptedStore: ObjectStore {
    let base = InMemoryObjectStore()
    /// Create-only puts answer "unsupported" (as OpenStack Swift's S3 API does).
    let noConditionalPuts: Bool
    /// Every put fails with this, while set.
    let failure = Mutex<ObjectStoreError?>(nil)
    let puts = Atomic<Int>(0)

    init(noConditionalPuts: Bool = false) { self.noConditionalPuts = noConditionalPuts }

    var description: String { "scripted store" }

    func put(_ path: ObjectPath, bytes: [UInt8], mode: PutMode) async throws -> PutResult {
        puts.add(1, ordering: .relaxed)
        if let error = failure.withLock({ $0 }) { throw error }
        if noConditionalPuts, mode != .overwrite { throw ObjectStoreError(.unsupported, "no conditional puts") }
        return try await base.put(path, bytes: bytes, mode: mode)
    }
    func head(_ path: ObjectPath) async throws -> ObjectMeta { try await base.head(path) }
    func get(_ path: ObjectPath, range: ByteRange?) async throws -> GetResult { try await base.get(path, range: range) }
    func list(prefix: String, continuation: String?, maxKeys: Int) async throws -> ObjectListPage {
        try await base.list(prefix: prefix, continuation: continuation, maxKeys: maxKeys)
    }
    func delete(_ path: ObjectPath) async throws { try await base.delete(path) }
}

@Suite struct SyncEngineTests {
    let station = "station=0190f5a0-0000-7000-8000-000000000001"
    let logger = quiet  // tests check reports, not log lines

    func lake() throws -> String {
        let dir = NSTemporaryDirectory() + "sync-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Writes `relative` under `root` with distinct content between Parquet's magic (the engine
    /// uploads only files with the magic at both ends; it does not parse them).
    @discardableResult
    func write(_ root: String, _ relative: String, _ text: String? = nil, complete: Bool = true) throws -> [UInt8] {
        let path = root + "/" + relative
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let bytes = Array(("PAR1" + (text ?? "contents of \(relative)") + (complete ? "PAR1" : "")).utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return bytes
    }

    func day(_ d: Int) -> String { "\(station)/year=2025/month=06/day=\(d < 10 ? "0" : "")\(d)" }

    /// An engine whose "now" is a minute ahead, so every file counts as settled.
    func engine(_ root: String, _ store: any ObjectStore, prefix: String = "lake", options: SyncOptions = SyncOptions()) throws -> SyncEngine {
        try SyncEngine(
            root: root, store: store, keyPrefix: prefix, destination: "test", options: options, logger: logger,
            now: { Int64(Date().timeIntervalSince1970 * 1000) + 60_000 })
    }

    @Test func uploadsLayoutFilesOnceAndThenMakesNoRequests() async throws {
        let root = try lake()
        var expected: [String: [UInt8]] = [:]
        for d in 1...3 {
            for name in ["data_0015.parquet", "data_0030.parquet", "data_0030-1.parquet"] {
                expected[day(d) + "/" + name] = try write(root, day(d) + "/" + name)
            }
        }
        // Not the layout: never uploaded.
        try write(root, day(1) + "/.data_0045.parquet.tmp-1")
        try write(root, day(1) + "/notes.txt")
        try write(root, "\(station)/year=2025/month=06/data_0015.parquet")
        try write(root, "README.md")
        let store = ScriptedStore()
        let sync = try engine(root, store)

        let first = await sync.sync()
        #expect(first.uploaded.count == 9)
        #expect(first.failures.isEmpty && first.conflicts.isEmpty && first.stoppedBy == nil)
        #expect(first.bytesUploaded == expected.values.reduce(0) { $0 + $1.count })
        let keys = try await store.base.listAll().reduce(into: [String]()) { $0.append($1.path.rawValue) }
        #expect(Set(keys) == Set(expected.keys.map { "lake/" + $0 }))
        for (rel, bytes) in expected {
            #expect(try await store.base.get(ObjectPath("lake/" + rel)).bytes == bytes)
        }

        let second = await sync.sync()
        #expect(second.requests == 0)
        #expect(second.foldersListed == 0)
        #expect(second.filesRead == 0)
        #expect(second.uploaded.isEmpty)

        // A new file: only its folder is listed, one request.
        try write(root, day(3) + "/data_0045.parquet")
        let third = await sync.sync()
        #expect(third.uploaded == [day(3) + "/data_0045.parquet"])
        #expect(third.requests == 1)
        #expect(third.foldersListed == 1)
        #expect(third.filesRead == 1)

        // A new process reads the same ledger: still nothing to do.
        let reopened = try engine(root, store)
        let fourth = await reopened.sync()
        #expect(fourth.requests == 0 && fourth.foldersListed == 0)
        #expect(store.puts.load(ordering: .relaxed) == 10 + 2)  // and the first sync's probe of create-only puts
    }

    @Test func aDifferentRemoteObjectIsNeverOverwritten() async throws {
        let root = try lake()
        let rel = day(1) + "/data_0015.parquet"
        try write(root, rel, "local")
        let store = ScriptedStore()
        try await store.base.put(ObjectPath("lake/" + rel), bytes: Array("someone else's".utf8))
        let sync = try engine(root, store)
        let report = await sync.sync()
        #expect(report.conflicts.map(\.path) == [rel])
        #expect(report.uploaded.isEmpty)
        #expect(!report.succeeded)
        #expect(try await store.base.get(ObjectPath("lake/" + rel)).bytes == Array("someone else's".utf8))
        // Recorded: the next sync makes no request, but still counts it.
        let again = await sync.sync()
        #expect(again.requests == 0)
        #expect(again.knownConflicts == 1)
    }

    @Test func anIdenticalRemoteObjectIsRecordedWithoutSendingItAgain() async throws {
        let root = try lake()
        let rel = day(1) + "/data_0015.parquet"
        let bytes = try write(root, rel)
        for noConditionalPuts in [false, true] {
            let store = ScriptedStore(noConditionalPuts: noConditionalPuts)
            try await store.base.put(ObjectPath("lake/" + rel), bytes: bytes)
            // The ledger was lost (or another machine uploaded the file).
            try? FileManager.default.removeItem(atPath: root + "/.opensensor")
            let report = try await engine(root, store).sync()
            #expect(report.alreadyStored == [rel], "conditional puts unsupported: \(noConditionalPuts)")
            #expect(report.uploaded.isEmpty)
            #expect(report.succeeded)
        }
    }

    @Test func storesWithoutConditionalPutsListEachDayFolderOnce() async throws {
        let root = try lake()
        try write(root, day(1) + "/data_0015.parquet")
        try write(root, day(2) + "/data_0015.parquet")
        let store = ScriptedStore(noConditionalPuts: true)
        let sync = try engine(root, store, options: SyncOptions(concurrency: 1))
        let report = await sync.sync()
        #expect(report.uploaded.count == 2)
        #expect(report.succeeded)
        // The probe (put, refused create-only put, delete), a listing of each day folder, 2 puts.
        #expect(report.requests == 3 + 2 + 2)
        #expect(try await store.base.get(ObjectPath("lake/" + day(2) + "/data_0015.parquet")).bytes.count > 0)
    }

    @Test func offlineStopsEarlyAndEverythingGoesUpExactlyOnceLater() async throws {
        let root = try lake()
        let store = ScriptedStore()
        let sync = try engine(root, store, options: SyncOptions(concurrency: 1, maxConsecutiveFailures: 2))
        // Online once, so what the store does with create-only puts is known.
        try write(root, day(9) + "/data_0015.parquet")
        #expect(await sync.sync().uploaded.count == 1)
        for d in 1...4 { try write(root, day(d) + "/data_0015.parquet") }
        store.failure.withLock { $0 = ObjectStoreError(.transient, "connection refused") }
        let offline = await sync.sync()
        #expect(offline.failures.count == 2)
        #expect(offline.deferred == 2)
        #expect(offline.uploaded.isEmpty)
        #expect(!offline.succeeded)

        store.failure.withLock { $0 = nil }
        let online = await sync.sync()
        #expect(online.uploaded.count == 4)
        #expect(online.requests == 4)
        #expect(try await store.base.listAll().reduce(0) { n, _ in n + 1 } == 5)
        #expect(await sync.sync().requests == 0)
    }

    @Test func wrongCredentialsStopAtOnce() async throws {
        let root = try lake()
        for d in 1...5 { try write(root, day(d) + "/data_0015.parquet") }
        let store = ScriptedStore()
        store.failure.withLock { $0 = ObjectStoreError(.credentials, "InvalidAccessKeyId") }
        let sync = try engine(root, store, options: SyncOptions(concurrency: 2))
        let report = await sync.sync()
        #expect(report.stoppedBy?.kind == .credentials)
        #expect(report.requests <= 2)
        #expect(report.deferred >= 3)
    }

    @Test func filesStillBeingCopiedInWaitForTheNextSync() async throws {
        let root = try lake()
        let rel = day(1) + "/data_0015.parquet"
        try write(root, rel, complete: false)
        try write(root, day(1) + "/data_0030.parquet", "", complete: false)  // too short to be Parquet
        let store = ScriptedStore()
        let sync = try engine(root, store)
        let early = await sync.sync()
        #expect(early.uploaded.isEmpty)
        #expect(early.incomplete == 2)
        #expect(early.requests == 0)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: root + "/" + rel))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("PAR1".utf8))
        try handle.close()
        let later = await sync.sync()
        #expect(later.uploaded == [rel])
        #expect(later.incomplete == 1)
    }

    @Test func aFolderChangedWithinTheSettleTimeIsListedAgain() async throws {
        let root = try lake()
        try write(root, day(1) + "/data_0015.parquet")
        let store = ScriptedStore()
        let clock = Mutex<Int64>(Int64(Date().timeIntervalSince1970 * 1000))
        let sync = try SyncEngine(
            root: root, store: store, keyPrefix: "", destination: "test", logger: logger, now: { clock.withLock { $0 } })
        let first = await sync.sync()
        #expect(first.uploaded == [day(1) + "/data_0015.parquet"])
        // No prefix: the key is the relative path, as the Python collector does.
        #expect(try await store.base.head(ObjectPath(day(1) + "/data_0015.parquet")).size > 0)
        // Its mtime may share a timestamp tick with a file added right after: not settled yet.
        let second = await sync.sync()
        #expect(second.foldersListed == 1 && second.requests == 0)
        clock.withLock { $0 += 10_000 }
        #expect(await sync.sync().foldersListed == 1)
        #expect(await sync.sync().foldersListed == 0)
    }

    @Test func dryRunMakesNoRequestAndChangesNothing() async throws {
        let root = try lake()
        try write(root, day(1) + "/data_0015.parquet")
        try write(root, day(1) + "/health_0015.parquet")
        let store = ScriptedStore()
        let sync = try engine(root, store)
        let dry = await sync.sync(dryRun: true)
        #expect(dry.requests == 0)
        #expect(dry.wouldUpload.map(\.path) == [day(1) + "/data_0015.parquet", day(1) + "/health_0015.parquet"])
        #expect(await sync.sync().uploaded.count == 2)
    }

    @Test func verifyUploadsWhatTheStoreLost() async throws {
        let root = try lake()
        for d in 1...3 { try write(root, day(d) + "/data_0015.parquet") }
        let store = ScriptedStore()
        let sync = try engine(root, store)
        #expect(await sync.sync().uploaded.count == 3)
        try await store.base.delete(ObjectPath("lake/" + day(2) + "/data_0015.parquet"))
        let verified = await sync.verify()
        #expect(verified.missingRemotely == [day(2) + "/data_0015.parquet"])
        #expect(verified.uploaded == [day(2) + "/data_0015.parquet"])
        #expect(verified.foldersListed == 3)
        #expect(verified.succeeded)
        #expect(await sync.sync().requests == 0)

        // A conflict the owner has since resolved goes up with --verify.
        let rel = day(4) + "/data_0015.parquet"
        let bytes = try write(root, rel)
        try await store.base.put(ObjectPath("lake/" + rel), bytes: [1, 2, 3])
        #expect(await sync.sync().conflicts.map(\.path) == [rel])
        try await store.base.delete(ObjectPath("lake/" + rel))
        #expect(await sync.sync().requests == 0)
        let resolved = await sync.verify()
        #expect(resolved.uploaded == [rel])
        #expect(resolved.knownConflicts == 0)
        #expect(try await store.base.get(ObjectPath("lake/" + rel)).bytes == bytes)
    }

    @Test func aTornLedgerLineOnlyMeansACheckAgain() async throws {
        let root = try lake()
        try write(root, day(1) + "/data_0015.parquet")
        try write(root, day(1) + "/data_0030.parquet")
        let store = ScriptedStore()
        let sync = try engine(root, store, options: SyncOptions(concurrency: 1))  // records in file order
        _ = await sync.sync()
        let ledger = sync.ledgerPath
        // Power loss mid-append: the file ends inside the record of the second upload (so the
        // folder's settled record after it never made it either).
        let text = try String(contentsOfFile: ledger, encoding: .utf8)
        let lines = text.split(separator: "\n")
        let damaged = try #require(lines.firstIndex { $0.hasPrefix("F\t") && $0.contains("data_0030") })
        let torn = lines[..<damaged].joined(separator: "\n") + "\n" + lines[damaged].dropLast(3)
        try torn.write(toFile: ledger, atomically: false, encoding: .utf8)
        let reopened = try engine(root, store)
        let report = await reopened.sync()
        #expect(report.alreadyStored == [day(1) + "/data_0030.parquet"])
        #expect(report.uploaded.isEmpty)
        #expect(store.puts.load(ordering: .relaxed) == 2 + 2 + 1)  // the probe, 2 uploads, 1 refused create
    }

    @Test func aFileThatIsNotALedgerIsAnError() throws {
        let root = try lake()
        try write(root, ".opensensor/sync/" + SyncLedger.fileName("test prefix=lake"), "something else\n")
        #expect(throws: SyncLedgerError.self) { try engine(root, ScriptedStore()) }
    }

    @Test func compactionKeepsEveryLiveRecord() throws {
        let root = try lake()
        let ledger = try SyncLedger(root: root, destination: "compaction")
        let entry = try #require(LakeLayoutEntry.parse(day(1) + "/data_0015.parquet"))
        try ledger.recordUpload(day: day(1), file: "data_0015.parquet", key: entry, size: 1234, mtimeNanos: 42, eTag: "abc")
        for m in 0..<1500 { try ledger.settle(day: day(1), mtime: Int64(m)) }
        try ledger.flush()  // superseded settle lines exceed the live ones: rewritten
        let lines = try String(contentsOfFile: ledger.path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[1].hasPrefix("F\t\(day(1))\tdata_0015.parquet\t1234\tabc\t42\t"))
        #expect(lines[2].hasPrefix("D\t\(day(1))\t1499\t"))
        let reloaded = try SyncLedger(root: root, destination: "compaction")
        #expect(reloaded.isHandled(day: day(1), entry))
        #expect(reloaded.settledMtime(day: day(1)) == 1499)
    }
}

@Suite struct LedgerFileKeyTests {
    @Test(arguments: [
        "data_0000.parquet", "data_2359.parquet", "data_1445-1.parquet", "data_1445-12.parquet", "health_0015.parquet",
        "health_0015-3.parquet", "data_2400.parquet", "data_1460.parquet", "data_145.parquet", "data_14450.parquet",
        "data_1445-0.parquet", "data_1445-01.parquet", "data_1445-.parquet", "data_1445.parq", "Data_1445.parquet",
        "data-1445.parquet", "other_1445.parquet", "data_1445-1x.parquet", "data_1445.parquet.tmp", "health_.parquet",
    ])
    func theFastParserAgreesWithTheLayout(name: String) {
        let day = "station=s/year=2025/month=06/day=01"
        let viaLayout = LakeLayout.parse(day + "/" + name).flatMap(LedgerFileKey.init)
        #expect(LedgerFileKey(fileName: name[...]) == viaLayout)
        if let key = viaLayout { #expect(SyncLedger.name(of: key) == name) }
    }
}

/// The ledger key of a layout path (test helper).
enum LakeLayoutEntry {
    static func parse(_ path: String) -> LedgerFileKey? {
        LakeLayout.parse(path).flatMap(LedgerFileKey.init)
    }
}

@Suite struct AutoSyncTests {
    @Test func runsAreClockAlignedAfterTheBatchBoundary() {
        let sync = AutoSync(jobs: [], clock: VirtualWallClock(start: 0), logger: quiet)
        let t = Int64(1_748_736_000_000)  // 2025-06-01T00:00:00Z
        #expect(sync.nextRun(after: t, intervalMinutes: 15) == t + 20_000)
        #expect(sync.nextRun(after: t + 20_000, intervalMinutes: 15) == t + 900_000 + 20_000)
        #expect(sync.nextRun(after: t + 19_999, intervalMinutes: 15) == t + 20_000)
        #expect(sync.nextRun(after: t + 7 * 60_000, intervalMinutes: 60) == t + 3_600_000 + 20_000)
    }

    @Test func syncsAtStartThenOnEveryBoundaryUntilCancelled() async throws {
        let dir = NSTemporaryDirectory() + "autosync-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let store = ScriptedStore()
        let engine = try SyncEngine(
            root: dir, store: store, keyPrefix: "", destination: "auto", logger: quiet,
            now: { Int64(Date().timeIntervalSince1970 * 1000) + 60_000 })
        let start = Int64(1_748_736_000_000)
        let clock = StoppingClock(start: start, stopAt: start + 3_600_000)
        let sync = AutoSync(jobs: [AutoSync.Job(label: "data", engine: engine, intervalMinutes: 15)], clock: clock, logger: quiet)
        let runs = await sync.run()
        // At start, then 20 s after each boundary: 00:00:20, 00:15:20, 00:30:20, 00:45:20; the
        // sleep toward 01:00:20 is cancelled.
        #expect(runs == 5)
        #expect(clock.sleptUntil.withLock { $0 } == [start + 20_000, start + 920_000, start + 1_820_000, start + 2_720_000])
    }
}

/// A virtual clock whose sleeps throw (as a cancelled task's do) once past `stopAt`.
final class StoppingClock: WallClock {
    let now: Mutex<Int64>
    let stopAt: Int64
    let sleptUntil = Mutex<[Int64]>([])

    init(start: Int64, stopAt: Int64) {
        now = Mutex(start)
        self.stopAt = stopAt
    }

    func nowMillis() -> Int64 { now.withLock { $0 } }

    func sleep(untilMillis millis: Int64) async throws {
        if millis > stopAt { throw CancellationError() }
        sleptUntil.withLock { $0.append(millis) }
        now.withLock { $0 = max($0, millis) }
    }
}
