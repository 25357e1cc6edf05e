// `start`'s daily compaction on real lakes: a day is compacted once it is over and, with sync on,
// once the ledger proves each of its batch files stored; the day file goes to the bucket under the
// daily prefix once, and again only when it changes.

import Foundation
import CivilTime
import Compaction
import Config
import Lake
import ObjectStore
import Parquet
import TestSupport
import Testing
@testable import LakeSync

@Suite struct DailyCompactionTests {
    static let station = "0190f5a0-0000-7000-8000-000000000002"
    static let today = CivilDate(year: 2025, month: 6, day: 10)!
    static let yesterday = CivilDate(year: 2025, month: 6, day: 9)!
    static let before = CivilDate(year: 2025, month: 6, day: 8)!
    /// Ten minutes into today: yesterday is over, with the 5-minute grace.
    static let now = Int64(today.daysSince1970) * 86_400_000 + 600_000

    /// A batch of 12 readings closing at `boundaryMinute` of `date`.
    @discardableResult
    func batch(_ root: String, _ date: CivilDate, boundaryMinute: Int) throws -> String {
        let end = Int64(date.daysSince1970) * 86_400_000 + Int64(boundaryMinute) * 60_000
        var columns: [ColumnValues] = [.int64((0..<12).map { end - 60_000 + Int64($0) * 5000 })]
        for c in 1..<LakeSchemas.sensor.columns.count { columns.append(.float((0..<12).map { Float(c * 100 + $0) })) }
        var writer = ParquetWriter(schema: LakeSchemas.sensor)
        try writer.write(columns)
        let folder = LakeLayout.dayFolder(station: Self.station, date: date)
        try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
        let name = folder + "/data_\(LakeLayout.pad(boundaryMinute / 60, 2))\(LakeLayout.pad(boundaryMinute % 60, 2)).parquet"
        try ParquetFile.write(writer.finish(), to: root + "/" + name, durable: false)
        return name
    }

    func dayFile(_ date: CivilDate) -> String { LakeLayout.dayFilePath(station: Self.station, kind: "data", date: date) }
    func folder(_ date: CivilDate) -> String { LakeLayout.dayFolder(station: Self.station, date: date) }

    func compaction(_ root: String, ledger: String? = nil, upload: (any ObjectStore)? = nil, now: Int64 = now) -> DailyCompaction {
        DailyCompaction(label: "data", root: root, dailyRoot: root + "-daily", kind: .data, ledgerPath: ledger, upload: upload,
                        now: { now }, logger: quiet)
    }

    @Test func withSyncOffADayIsCompactedOnceItIsOver() async throws {
        let root = try makeTemporaryFolder("daily-off")
        defer { try? FileManager.default.removeItem(atPath: root); try? FileManager.default.removeItem(atPath: root + "-daily") }
        try batch(root, Self.yesterday, boundaryMinute: 600)
        try batch(root, Self.yesterday, boundaryMinute: 615)
        try batch(root, Self.today, boundaryMinute: 5)

        let early = await compaction(root, now: Self.now - 420_000).run()  // 00:03: within the grace
        #expect(early.report.compacted.isEmpty && early.report.notClosed == 1)

        let pass = compaction(root)
        let first = await pass.run()
        #expect(first.report.compacted == [dayFile(Self.yesterday)])
        #expect(first.report.rowsWritten == 24 && first.stoppedBy == nil)
        #expect(FileManager.default.fileExists(atPath: root + "-daily/" + dayFile(Self.yesterday)))
        #expect(!FileManager.default.fileExists(atPath: root + "-daily/" + dayFile(Self.today)))
        #expect(pass.dayFilesStored.contains(folder(Self.yesterday)) && !pass.dayFilesStored.contains(folder(Self.today)))
        let second = await pass.run()
        #expect(second.report.compacted.isEmpty && second.report.upToDate == 1)
    }

    @Test func aLakeNotYetMadeIsNothingToCompactAndNoTrouble() async throws {
        let parent = try makeTemporaryFolder("daily-none")
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let root = parent + "/health"  // its -daily beside it, inside parent
        let none = await compaction(root).run()
        #expect(none.stoppedBy == nil && none.report.compacted.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: root + "-daily"))

        try batch(root, Self.yesterday, boundaryMinute: 600)
        let first = await compaction(root).run()
        #expect(first.report.compacted == [dayFile(Self.yesterday)] && first.stoppedBy == nil)
    }

    @Test func withSyncOnADayWaitsForItsUploadAndItsDayFileIsUploadedOnce() async throws {
        let root = try makeTemporaryFolder("daily-on")
        defer { try? FileManager.default.removeItem(atPath: root); try? FileManager.default.removeItem(atPath: root + "-daily") }
        try batch(root, Self.yesterday, boundaryMinute: 600)
        try batch(root, Self.yesterday, boundaryMinute: 615)
        let bucket = InMemoryObjectStore()
        let engine = try SyncEngine(
            root: root, store: bucket, keyPrefix: "lake", destination: "memory", logger: quiet,
            now: { Int64(Date().timeIntervalSince1970 * 1000) + 60_000 })
        #expect(await engine.sync().uploaded.count == 2)
        let late = try batch(root, Self.before, boundaryMinute: 900)  // written after the sync: not uploaded yet

        let pass = compaction(root, ledger: engine.ledgerPath, upload: PrefixedObjectStore(bucket, prefix: "lake-daily"))
        let first = await pass.run()
        #expect(first.report.compacted == [dayFile(Self.yesterday)])
        #expect(first.report.notClosed == 1)
        #expect(first.uploaded == [dayFile(Self.yesterday)])
        let local = try Data(contentsOf: URL(fileURLWithPath: root + "-daily/" + dayFile(Self.yesterday)))
        #expect(try await bucket.get(ObjectPath("lake-daily/" + dayFile(Self.yesterday))).bytes == Array(local))
        #expect(pass.dayFilesStored.contains(folder(Self.yesterday)) && !pass.dayFilesStored.contains(folder(Self.before)))

        let second = await pass.run()
        #expect(second.report.compacted.isEmpty && second.uploaded.isEmpty)

        #expect(await engine.sync().uploaded == [late])
        let third = await pass.run()
        #expect(third.report.compacted == [dayFile(Self.before)])
        #expect(third.uploaded == [dayFile(Self.before)])
        #expect(pass.dayFilesStored.contains(folder(Self.before)))
        // The raw lake's keys are the sync's alone: the day files sit beside them.
        let raw = try await bucket.list(prefix: "lake/", continuation: nil, maxKeys: 100).objects.map(\.path.rawValue)
        #expect(raw.count == 3 && raw.allSatisfy { !$0.contains("data_2025") })
    }

    @Test func aFailedUploadIsTriedAgainByTheNextPass() async throws {
        let root = try makeTemporaryFolder("daily-fail")
        defer { try? FileManager.default.removeItem(atPath: root); try? FileManager.default.removeItem(atPath: root + "-daily") }
        try batch(root, Self.yesterday, boundaryMinute: 600)
        let bucket = InMemoryObjectStore()
        let engine = try SyncEngine(
            root: root, store: bucket, keyPrefix: "", destination: "memory", logger: quiet,
            now: { Int64(Date().timeIntervalSince1970 * 1000) + 60_000 })
        _ = await engine.sync()
        let flaky = ScriptedStore()
        flaky.failure.withLock { $0 = ObjectStoreError(.transient, "connection reset", path: nil) }
        let pass = compaction(root, ledger: engine.ledgerPath, upload: PrefixedObjectStore(flaky, prefix: "daily"))
        let first = await pass.run()
        flaky.failure.withLock { $0 = nil }
        #expect(first.report.compacted.count == 1 && first.uploaded.isEmpty)
        #expect(first.stoppedBy?.contains(dayFile(Self.yesterday)) == true && first.stoppedBy?.contains("under daily/") == true)
        #expect(!pass.dayFilesStored.contains(folder(Self.yesterday)))  // on disk, not yet in the bucket
        let second = await pass.run()
        #expect(second.report.compacted.isEmpty && second.uploaded == [dayFile(Self.yesterday)])
        #expect(pass.dayFilesStored.contains(folder(Self.yesterday)))
    }
}

@Suite struct DailyCompactionConfigTests {
    @Test func keysAndDefaults() throws {
        let (defaults, _) = try StationConfig.load(
            environment: ["OPENSENSOR_OUTPUT_DIR": "/srv/lake", "OPENSENSOR_STORAGE_PREFIX": "net/enviroplus/"], envFile: nil, overrides: [:])
        #expect(defaults.compactEnabled)
        #expect(defaults.dailyDirectory == "/srv/lake-daily" && defaults.healthDailyDirectory == "/srv/lake-health-daily")
        #expect(defaults.dailyStoragePrefix(health: false) == "net/enviroplus-daily")
        let (set, _) = try StationConfig.load(
            environment: ["OPENSENSOR_COMPACT_ENABLED": "false", "OPENSENSOR_DAILY_DIR": "/srv/days", "OPENSENSOR_DAILY_STORAGE_PREFIX": "days"],
            envFile: nil, overrides: [:])
        #expect(!set.compactEnabled && set.dailyDirectory == "/srv/days" && set.dailyStoragePrefix(health: false) == "days")
        #expect(set.dailyStoragePrefix(health: true) == "daily")  // no health prefix: the bucket's root rule
        do {
            _ = try StationConfig.load(environment: ["OPENSENSOR_COMPACT_ENABLED": "sometimes"], envFile: nil, overrides: [:])
            Issue.record("OPENSENSOR_COMPACT_ENABLED=sometimes was accepted")
        } catch {
            guard case .invalidValue(let k, _, _) = error else { Issue.record("unexpected \(error)"); return }
            #expect(k == "OPENSENSOR_COMPACT_ENABLED")
        }
    }
}
