// Sync and retention walk the lake as every other reader does (Lake's LakeWalker): a folder that
// is not a partition is neither uploaded nor deleted. The same tree as LakeTests' LakeWalkerTests (Tests/TestSupport).

import Foundation
import Lake
import Config
import TestSupport
import Testing
@testable import LakeSync

@Suite struct LakeWalkTests {
    static let valid = PartitionFixtures.valid
    static let invalid = PartitionFixtures.invalid
    static let filesAsFolders = PartitionFixtures.filesAsFolders

    /// Every path above holds a complete-looking Parquet file (magic at both ends).
    func badLake() throws -> String {
        let root = NSTemporaryDirectory() + "walk-\(UUID().uuidString)"
        for rel in [Self.valid] + Self.invalid + Self.filesAsFolders {
            let path = root + "/" + rel
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(("PAR1 " + rel + " PAR1").utf8).write(to: URL(fileURLWithPath: path))
        }
        return root
    }

    @Test func syncUploadsOnlyPartitions() async throws {
        let root = try badLake()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = ScriptedStore()
        let sync = try SyncEngine(
            root: root, store: store, keyPrefix: "lake", destination: "test", logger: quiet,
            now: { Int64(Date().timeIntervalSince1970 * 1000) + 60_000 })
        let report = await sync.sync()
        #expect(report.uploaded == [Self.valid])
        #expect(report.foldersListed == 1)
        #expect(report.failures.isEmpty && report.incomplete == 0)
    }

    /// Today is July 1: with no day kept, everything before it may go — but only what is in a
    /// partition.
    @Test func retentionDeletesOnlyFromPartitions() async throws {
        let root = try badLake()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let now: Int64 = 1_751_371_200_000  // 2025-07-01T12:00:00Z
        let retention = Retention(
            root: root, ledgerPath: nil, policy: RetentionPolicy(retentionDays: 0, minFreeBytes: 0, syncEnabled: false, deleteUnsynced: true),
            freeSpace: FixedFreeSpace(bytes: 1 << 40), logger: quiet, now: { now }, clockSynced: { _ in true })
        #expect(await retention.dayFolders().map(\.path) == ["station=s/year=2025/month=06/day=30"])
        let report = await retention.run()
        #expect(report.deleted == [Self.valid], "\(report)")
        for rel in Self.invalid + Self.filesAsFolders {
            #expect(FileManager.default.fileExists(atPath: root + "/" + rel), "\(rel)")
        }
    }
}
