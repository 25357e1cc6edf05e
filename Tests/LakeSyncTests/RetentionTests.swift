// Retention and the free-space floor on simulated lakes: a real folder tree, a real ledger, a
// fake disk whose free space follows the files in it, and an injected clock.

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

/// A disk of `capacity` bytes that holds only `root`: free space grows as files are deleted.
final class FakeDisk: FreeSpace {
    let root: String
    let capacity: Int64
    let measurements = Atomic<Int>(0)

    init(root: String, capacity: Int64) {
        self.root = root
        self.capacity = capacity
    }

    static func used(_ root: String) -> Int64 {
        let fm = FileManager.default
        var total: Int64 = 0
        for rel in fm.enumerator(atPath: root)?.allObjects as? [String] ?? [] {
            guard let attributes = try? fm.attributesOfItem(atPath: root + "/" + rel),
                  attributes[.type] as? FileAttributeType == .typeRegular,
                  let size = attributes[.size] as? NSNumber
            else { continue }
            total += size.int64Value
        }
        return total
    }

    func availableBytes(at path: String) throws(FreeSpaceError) -> Int64 {
        measurements.add(1, ordering: .relaxed)
        return capacity - Self.used(root)
    }
}

/// A disk whose free space cannot be measured.
struct BrokenFreeSpace: FreeSpace {
    func availableBytes(at path: String) throws(FreeSpaceError) -> Int64 { throw FreeSpaceError(path: path, errno: EIO) }
}

@Suite struct RetentionTests {
    static let station = "station=0190f5a0-0000-7000-8000-000000000001"
    /// 2025-06-10T12:00:00Z: "today" is June 10.
    static let now = ISO8601.parseMillis("2025-06-10T12:00:00Z")!

    func lake() throws -> String {
        let dir = NSTemporaryDirectory() + "retention-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func day(_ d: Int, month: Int = 6, year: Int = 2025, station: String = station) -> String {
        "\(station)/year=\(year)/month=\(month < 10 ? "0" : "")\(month)/day=\(d < 10 ? "0" : "")\(d)"
    }

    /// A complete-looking Parquet file of exactly `size` bytes.
    @discardableResult
    func write(_ root: String, _ relative: String, size: Int = 1000) throws -> String {
        let path = root + "/" + relative
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        var bytes = Array("PAR1".utf8) + Array(repeating: UInt8(ascii: "x"), count: size - 8) + Array("PAR1".utf8)
        bytes[4] = UInt8(truncatingIfNeeded: relative.hashValue)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return relative
    }

    /// A ledger that records `uploaded` as uploaded (as the files are now) and `conflicts` as
    /// conflicts; its path.
    func ledger(_ root: String, uploaded: [String], conflicts: [String] = []) throws -> String {
        let ledger = try SyncLedger(root: root, destination: "test destination")
        for rel in uploaded {
            let slash = rel.lastIndex(of: "/")!
            let entry = try #require(LakeLayout.parse(rel))
            let key = try #require(LedgerFileKey(entry))
            var st = stat()
            try #require(stat(root + "/" + rel, &st) == 0)
            try ledger.recordUpload(
                day: String(rel[..<slash]), file: String(rel[rel.index(after: slash)...]), key: key, size: Int(st.st_size),
                mtimeNanos: SyncEngine.nanos(st.st_mtim), eTag: nil)
        }
        for rel in conflicts {
            let slash = rel.lastIndex(of: "/")!
            let entry = try #require(LakeLayout.parse(rel))
            let key = try #require(LedgerFileKey(entry))
            try ledger.recordConflict(day: String(rel[..<slash]), file: String(rel[rel.index(after: slash)...]), key: key, reason: "differs")
        }
        try ledger.flush()
        return ledger.path
    }

    func retention(
        _ root: String, ledger: String?, _ policy: RetentionPolicy, freeSpace: any FreeSpace = FixedFreeSpace(bytes: 1 << 40),
        logger: Logger = quiet, now: Int64 = Self.now, clockSynced: Bool? = true
    ) -> Retention {
        Retention(
            root: root, ledgerPath: ledger, policy: policy, freeSpace: freeSpace, logger: logger, now: { now },
            clockSynced: { _ in clockSynced })
    }

    func exists(_ root: String, _ rel: String) -> Bool { FileManager.default.fileExists(atPath: root + "/" + rel) }

    /// Every layout file left under `root`.
    func remaining(_ root: String) -> Set<String> {
        Set((FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []).filter { LakeLayout.parse($0) != nil })
    }

    /// Two files a day from June 1 to June 10 (today).
    func tenDays(_ root: String) throws -> [String] {
        var all: [String] = []
        for d in 1...10 {
            for name in ["data_0015.parquet", "data_0030.parquet"] { all.append(try write(root, Self.day(d) + "/" + name)) }
        }
        return all
    }

    // MARK: - Age

    @Test func deletesOnlySyncedFilesOlderThanTheRetentionDays() async throws {
        let root = try lake()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let all = try tenDays(root)
        let unsynced = Self.day(2) + "/data_0030.parquet"
        let conflict = Self.day(3) + "/data_0015.parquet"
        // Everything is synced but those two — today's files too.
        let path = try ledger(root, uploaded: all.filter { $0 != unsynced && $0 != conflict }, conflicts: [conflict])
        // Not the layout: never touched.
        try write(root, Self.day(1) + "/.data_0045.parquet.tmp-12")
        try write(root, Self.day(2) + "/notes.parquet")

        let r = retention(root, ledger: path, RetentionPolicy(retentionDays: 5, minFreeBytes: 0, syncEnabled: true))
        let report = await r.run()
        // Today is June 10: June 5–9 and today stay; June 1–4 go, except what is not synced.
        let expected = (1...4).flatMap { d in ["data_0015", "data_0030"].map { Self.day(d) + "/" + $0 + ".parquet" } }
            .filter { $0 != unsynced && $0 != conflict }
        #expect(report.deleted == expected)
        #expect(report.bytesFreed == Int64(expected.count * 1000))
        #expect(report.keptUnsynced == 2)
        #expect(report.stoppedBy == nil && report.failures.isEmpty && !report.floorBreached)
        #expect(remaining(root) == Set(all).subtracting(expected))
        #expect(exists(root, Self.day(1) + "/.data_0045.parquet.tmp-12"))
        #expect(exists(root, Self.day(2) + "/notes.parquet"))
        // June 4's folder was emptied and removed; June 1's still holds the temporary file.
        #expect(!exists(root, Self.day(4)))
        #expect(report.foldersRemoved == 1)

        // A second pass has nothing left to do.
        let again = await r.run()
        #expect(again.deleted.isEmpty)
        #expect(again.keptUnsynced == 2)
    }

    @Test func todaysFilesAreNeverDeleted() async throws {
        let root = try lake()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let all = try tenDays(root)
        // A day ahead of the clock (it was set wrong for a while): not deleted either.
        let future = try write(root, Self.day(11) + "/data_0015.parquet")
        let path = try ledger(root, uploaded: all + [future])
        // The oldest retention there is, and a floor nothing can reach.
        let r = retention(root, ledger: path, RetentionPolicy(retentionDays: 1, minFreeBytes: 1 << 50, syncEnabled: true))
        let report = await r.run()
        #expect(remaining(root) == [Self.day(10) + "/data_0015.parquet", Self.day(10) + "/data_0030.parquet", future])
        #expect(report.deleted.count == 18)
        #expect(report.floorBreached)
    }

    @Test func syncOnWithoutALedgerDeletesNothing() async throws {
        let root = try lake()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let all = try tenDays(root)
        let report = await retention(root, ledger: nil, RetentionPolicy(retentionDays: 1, minFreeBytes: 0, syncEnabled: true)).run()
        #expect(report.deleted.isEmpty)
        #expect(report.keptUnsynced == 16)  // June 1–8
        #expect(remaining(root) == Set(all))
    }

    @Test func withSyncOnTheOptInIsIgnored() async throws {
        let root = try lake()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let all = try tenDays(root)
        let policy = RetentionPolicy(retentionDays: 1, minFreeBytes: 0, syncEnabled: true, deleteUnsynced: true)
        #expect(!policy.mayDeleteUnsynced)
        let report = await retention(root, ledger: try ledger(root, uploaded: []), policy).run()
        #expect(report.deleted.isEmpty)
        #expect(remaining(root) == Set(all))
    }

    /// With daily compaction on, age waits for a day's day file; the floor does not.
    @Test func ageWaitsForTheDayFileTheFloorDoesNot() async throws {
        let root = try lake()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let all = try tenDays(root)
        let stored = DayFolderSet()
        stored.insert(Self.day(2))
        let policy = RetentionPolicy(retentionDays: 3, minFreeBytes: 0, syncEnabled: false, deleteUnsynced: true)
        let pass = Retention(root: root, ledgerPath: nil, policy: policy, freeSpace: FixedFreeSpace(bytes: 1 << 40), logger: quiet,
                             now: { Self.now }, clockSynced: { _ in true }, dayFilesStored: stored)
        let first = await pass.run()
        #expect(first.deleted == all.filter { $0.hasPrefix(Self.day(2) + "/") })
        #expect(first.keptForDayFile == 10)  // June 1 and 3–6, two files each
        for d in [1, 3, 4, 5, 6] { stored.insert(Self.day(d)) }
        #expect(await pass.run().deleted.count == 10)

        // Below the floor, the oldest files go whether or not their day file is stored.
        let other = try lake()
        defer { try? FileManager.default.removeItem(atPath: other) }
        let files = try tenDays(other)
        let disk = FakeDisk(root: other, capacity: FakeDisk.used(other) + 500)
        let floor = Retention(root: other, ledgerPath: nil, policy: RetentionPolicy(retentionDays: nil, minFreeBytes: 1500, syncEnabled: false, deleteUnsynced: true),
                              freeSpace: disk, logger: quiet, now: { Self.now }, clockSynced: { _ in true }, dayFilesStored: DayFolderSet())
        #expect(await floor.run().deleted == [files[0]])
    }

    @Test func withSyncOffOnlyTheOptInDeletes() async throws {
        let root = try lake()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let all = try tenDays(root)
        let without = await retention(root, ledger: nil, RetentionPolicy(retentionDays: 3, minFreeBytes: 0, syncEnabled: false)).run()
        #expect(without.deleted.isEmpty)
        #expect(without.keptUnsynced == 12)

        let with = await retention(
            root, ledger: nil, RetentionPolicy(retentionDays: 3, minFreeBytes: 0, syncEnabled: false, deleteUnsynced: true)).run()
        #expect(with.deleted == Array(all.prefix(12)))  // June 1–6, oldest first
        #expect(remaining(root) == Set(all.suffix(8)))
        #expect(with.keptUnsynced == 0)
    }

    @Test func emptiedDayMonthAndYearFoldersAreRemoved() async throws {
        let root = try lake()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let old = [
            try write(root, Self.day(20, month: 12, year: 2024) + "/data_1200.parquet"),
            try write(root, Self.day(31, month: 5) + "/data_0000.parquet"),
            try write(root, Self.day(31, month: 5) + "/data_0000-1.parquet"),
            try write(root, Self.day(1) + "/health_0015.parquet"),
        ]
        let kept = try write(root, Self.day(1) + "/data_0015.parquet")  // not synced: June 1 stays
        try write(root, Self.day(10) + "/data_0015.parquet")  // today's: the collector is running
        let path = try ledger(root, uploaded: old)
        let report = await retention(root, ledger: path, RetentionPolicy(retentionDays: 2, minFreeBytes: 0, syncEnabled: true)).run()
        #expect(report.deleted == old)
        #expect(!exists(root, "\(Self.station)/year=2024"))
        #expect(!exists(root, "\(Self.station)/year=2025/month=05"))
        #expect(exists(root, Self.day(1)) && exists(root, kept))
        #expect(exists(root, Self.station))  // the station folder stays
        #expect(report.foldersRemoved == 5)  // day, month, year of 2024; day and month of May
    }

    // MARK: - A clock in doubt

    @Test func nothingIsDeletedByAgeWhileTheClockIsNotSynchronised() async throws {
        let root = try lake()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let all = try tenDays(root)
        let path = try ledger(root, uploaded: all)
        let log = CapturedLog()
        let r = retention(
            root, ledger: path, RetentionPolicy(retentionDays: 1, minFreeBytes: 0, syncEnabled: true), logger: log.logger,
            clockSynced: false)
        let report = await r.run()
        #expect(report.deleted.isEmpty)
        #expect(report.ageSkipped == "the system clock is not synchronised")
        #expect(remaining(root) == Set(all))
        _ = await r.run()
        #expect(log.all.filter { $0.contains("not deleted by age") }.count == 1)  // once while it lasts
        // Unknown (a virtual clock) is not "unsynchronised".
        let unknown = await retention(
            root, ledger: path, RetentionPolicy(retentionDays: 1, minFreeBytes: 0, syncEnabled: true), clockSynced: nil).run()
        #expect(unknown.deleted.count == 16)
    }

    @Test func aClockFarPastTheNewestPartitionDeletesNothingByAge() async throws {
        let root = try lake()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let all = try tenDays(root)
        let path = try ledger(root, uploaded: all)
        // The clock jumped to 2031 (a bad NTP answer, a wrong manual date).
        let jumped = ISO8601.parseMillis("2031-06-10T12:00:00Z")!
        let policy = RetentionPolicy(retentionDays: 30, minFreeBytes: 0, syncEnabled: true)
        let report = await retention(root, ledger: path, policy, now: jumped).run()
        #expect(report.deleted.isEmpty)
        #expect(report.ageSkipped?.contains("days past the newest partition") == true)
        #expect(remaining(root) == Set(all))
        // The floor still frees space, but never from the newest partition.
        let floor = RetentionPolicy(retentionDays: 30, minFreeBytes: 1 << 50, syncEnabled: true)
        let full = await retention(root, ledger: path, floor, now: jumped).run()
        #expect(full.deleted.count == 18)
        #expect(remaining(root) == [Self.day(10) + "/data_0015.parquet", Self.day(10) + "/data_0030.parquet"])
        // Yesterday's partition as the newest (just after midnight): trusted.
        let nextDay = ISO8601.parseMillis("2025-06-11T00:05:00Z")!
        #expect(await retention(root, ledger: path, RetentionPolicy(retentionDays: 0, minFreeBytes: 0, syncEnabled: true), now: nextDay)
            .run().deleted.count == 2)
    }

    // MARK: - The free-space floor

    @Test func belowTheFloorTheOldestSyncedFilesGoFirstUntilItIsReached() async throws {
        let root = try lake()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let all = try tenDays(root)
        let unsynced = [all[0], all[3]]  // June 1 data_0015, June 2 data_0030
        let path = try ledger(root, uploaded: all.filter { !unsynced.contains($0) })
        let floor: Int64 = 100_000
        // 2,500 bytes short of the floor: three 1,000-byte files must go.
        let disk = FakeDisk(root: root, capacity: FakeDisk.used(root) + floor - 2500)
        let report = await retention(root, ledger: path, RetentionPolicy(minFreeBytes: floor, syncEnabled: true), freeSpace: disk).run()
        #expect(report.deleted == [all[1], all[2], all[4]])
        #expect(report.keptUnsynced == 2)
        #expect(!report.floorBreached)
        #expect(report.freeBytes == floor + 500)
        #expect(remaining(root) == Set(all).subtracting(report.deleted))

        // Above the floor now: the next pass deletes nothing.
        let again = await retention(root, ledger: path, RetentionPolicy(minFreeBytes: floor, syncEnabled: true), freeSpace: disk).run()
        #expect(again.deleted.isEmpty && !again.floorBreached)
    }

    @Test func withNothingSyncedTheFloorStaysBreachedAndSaysSoOnce() async throws {
        let root = try lake()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let all = try tenDays(root)
        let path = try ledger(root, uploaded: [], conflicts: [all[0]])
        let log = CapturedLog()
        let r = retention(
            root, ledger: path, RetentionPolicy(retentionDays: 30, minFreeBytes: 64 << 20, syncEnabled: true),
            freeSpace: FixedFreeSpace(bytes: 10 << 20), logger: log.logger)
        let first = await r.run()
        #expect(first.deleted.isEmpty)
        #expect(first.floorBreached)
        #expect(first.keptUnsynced == 18)  // all but today's
        #expect(first.freeBytes == 10 << 20)
        _ = await r.run()
        #expect(remaining(root) == Set(all))
        let errors = log.all.filter { $0.hasPrefix("error:") }
        #expect(errors.count == 1)
        #expect(errors.first?.contains("OPENSENSOR_MIN_FREE_MB") == true)
        #expect(errors.first?.contains("free_mb: 10") == true || errors.first?.contains("\"free_mb\": 10") == true)
    }

    @Test func aFloorThatCannotBeMeasuredDeletesNothing() async throws {
        let root = try lake()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let all = try tenDays(root)
        let path = try ledger(root, uploaded: all)
        let report = await retention(root, ledger: path, RetentionPolicy(syncEnabled: true), freeSpace: BrokenFreeSpace()).run()
        #expect(report.deleted.isEmpty)
        #expect(report.failures.count == 1)
        #expect(!report.floorBreached)
    }

    // MARK: - The ledger

    @Test func anUnreadableLedgerDeletesNothing() async throws {
        let root = try lake()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let all = try tenDays(root)
        let path = try ledger(root, uploaded: all)
        try Data("not a ledger\n".utf8).write(to: URL(fileURLWithPath: path))
        let log = CapturedLog()
        let r = retention(root, ledger: path, RetentionPolicy(retentionDays: 1, minFreeBytes: 1 << 50, syncEnabled: true), logger: log.logger)
        let report = await r.run()
        #expect(report.deleted.isEmpty)
        #expect(report.stoppedBy?.contains("ledger") == true)
        #expect(report.floorBreached)
        #expect(remaining(root) == Set(all))
        #expect(log.all.contains { $0.hasPrefix("error:") && $0.contains("ledger") })

        // A ledger that is not there at all (the sync folder was removed) is no better.
        let missing = await retention(
            root, ledger: root + "/.opensensor/sync/0000000000000000.ledger",
            RetentionPolicy(retentionDays: 1, minFreeBytes: 0, syncEnabled: true)).run()
        #expect(missing.deleted.isEmpty && missing.stoppedBy != nil)
    }

    @Test func aSyncHoldingTheLedgerMakesThePassWait() async throws {
        let root = try lake()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let all = try tenDays(root)
        let path = try ledger(root, uploaded: all)
        let holder = try SyncLedger(root: root, destination: "test destination")
        #expect(try holder.tryLock())
        let r = retention(root, ledger: path, RetentionPolicy(retentionDays: 1, minFreeBytes: 0, syncEnabled: true))
        let waiting = await r.run()
        #expect(waiting.deleted.isEmpty && waiting.stoppedBy == Retention.ledgerBusy)
        holder.release()
        #expect(await r.run().deleted.count == 16)
    }

    @Test func deletesWhatASyncEngineUploaded() async throws {
        let root = try lake()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let old = [try write(root, Self.day(1) + "/data_0015.parquet"), try write(root, Self.day(2) + "/data_0015.parquet")]
        let store = InMemoryObjectStore()
        try await store.put(ObjectPath("lake/" + old[1]), bytes: Array("someone else's".utf8))  // a conflict
        let engine = try SyncEngine(
            root: root, store: store, keyPrefix: "lake", destination: "memory", logger: quiet,
            now: { Int64(Date().timeIntervalSince1970 * 1000) + 60_000 })
        let sync = await engine.sync()
        #expect(sync.uploaded == [old[0]] && sync.conflicts.count == 1)
        let today = try write(root, Self.day(10) + "/data_0015.parquet")  // the collector is running
        let report = await retention(root, ledger: engine.ledgerPath, RetentionPolicy(retentionDays: 1, minFreeBytes: 0, syncEnabled: true)).run()
        #expect(report.deleted == [old[0]])
        #expect(report.keptUnsynced == 1)
        // The engine carries on: nothing to upload, nothing re-sent.
        let next = await engine.sync()
        #expect(next.uploaded == [today] && next.failures.isEmpty)
    }

    // MARK: - Scheduling, the collector's guard, configuration

    @Test func autoSyncRunsTheHookAfterEachSync() async throws {
        let root = try lake()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let engine = try SyncEngine(root: root, store: InMemoryObjectStore(), keyPrefix: "", destination: "memory", logger: quiet)
        let runs = Counter()
        let job = AutoSync.Job(label: "data", engine: engine, intervalMinutes: 15) { _ in
            // Stop after the third: cancelling the job's task ends its loop at the next sleep.
            if runs.value.add(1, ordering: .relaxed).newValue == 3 { withUnsafeCurrentTask { $0?.cancel() } }
        }
        let syncs = await AutoSync(jobs: [job], clock: VirtualWallClock(start: Self.now), logger: quiet).run()
        #expect(syncs == 3)
        #expect(runs.value.load(ordering: .relaxed) == 3)
    }

    @Test func configurationKeys() throws {
        let (defaults, _) = try StationConfig.load(environment: ["OPENSENSOR_RETENTION_DAYS": " "], envFile: nil, overrides: [:])
        #expect(defaults.retentionDays == nil)
        #expect(defaults.minFreeMB == 256 && defaults.minFreeBytes == 256 << 20)
        #expect(!defaults.retentionDeleteUnsynced)

        let (set, _) = try StationConfig.load(
            environment: ["OPENSENSOR_RETENTION_DAYS": "30", "OPENSENSOR_MIN_FREE_MB": "0", "OPENSENSOR_RETENTION_DELETE_UNSYNCED": "yes"],
            envFile: nil, overrides: [:])
        #expect(set.retentionPolicy(syncEnabled: false)
            == RetentionPolicy(retentionDays: 30, minFreeBytes: 0, syncEnabled: false, deleteUnsynced: true))
        #expect(set.retentionPolicy(syncEnabled: false).mayDeleteUnsynced)
        #expect(set.retentionPolicy(syncEnabled: false).isActive)
        #expect(!RetentionPolicy(retentionDays: nil, minFreeBytes: 0, syncEnabled: true).isActive)

        for (key, value) in [
            ("OPENSENSOR_RETENTION_DAYS", "0"), ("OPENSENSOR_RETENTION_DAYS", "-3"), ("OPENSENSOR_RETENTION_DAYS", "a week"),
            ("OPENSENSOR_RETENTION_DAYS", "1.5"), ("OPENSENSOR_MIN_FREE_MB", "-1"), ("OPENSENSOR_MIN_FREE_MB", "lots"),
            ("OPENSENSOR_RETENTION_DELETE_UNSYNCED", "maybe"),
        ] {
            do {
                _ = try StationConfig.load(environment: [key: value], envFile: nil, overrides: [:])
                Issue.record("\(key)=\(value) was accepted")
            } catch {
                guard case .invalidValue(let k, let v, _) = error else { Issue.record("unexpected \(error)"); continue }
                #expect(k == key && v == value)
                #expect(error.description.contains("\(key)=\(value)"))
            }
        }

        // Deleting unsynced files is refused while sync is on, naming both keys.
        do {
            _ = try StationConfig.load(
                environment: ["OPENSENSOR_SYNC_ENABLED": "true", "OPENSENSOR_RETENTION_DELETE_UNSYNCED": "true"],
                envFile: nil, overrides: [:])
            Issue.record("deleting unsynced files was accepted with sync on")
        } catch {
            #expect(error.description.contains("OPENSENSOR_RETENTION_DELETE_UNSYNCED=true"))
            #expect(error.description.contains("OPENSENSOR_SYNC_ENABLED"))
        }
        let doc = ConfigKey.documentation()
        for key in ["OPENSENSOR_RETENTION_DAYS", "OPENSENSOR_MIN_FREE_MB", "OPENSENSOR_RETENTION_DELETE_UNSYNCED"] {
            #expect(doc.contains("`\(key)`"))
        }
    }

}
