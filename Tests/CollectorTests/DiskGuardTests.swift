// The collector's side of the free-space floor: it warns once per streak and keeps writing.

import Foundation
import CivilTime
import TestSupport
import Testing
@testable import Collector

@Suite struct DiskGuardTests {
    @Test func theDiskGuardSaysSoOncePerStreak() {
        let log = CapturedLog()
        let free = ScriptedFreeSpace(300 << 20)
        var guardian = DiskGuard(path: "/x", floorBytes: 256 << 20, freeSpace: free)
        guardian.check(logger: log.logger)
        #expect(!guardian.belowFloor && log.all.isEmpty)
        free.bytes.store(100 << 20, ordering: .relaxed)
        guardian.check(logger: log.logger)
        guardian.check(logger: log.logger)
        #expect(guardian.belowFloor)
        free.bytes.store(400 << 20, ordering: .relaxed)
        guardian.check(logger: log.logger)
        #expect(!guardian.belowFloor)
        #expect(log.all.count == 2)
        #expect(log.all[0].hasPrefix("error:") && log.all[0].contains("OPENSENSOR_MIN_FREE_MB") && log.all[0].contains("100"))
        #expect(log.all[1].hasPrefix("notice:"))
    }

    @Test func belowTheFloorTheCollectorKeepsWritingBatchesAndWarnsOnce() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("diskguard-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var s = CollectorSettings(station: "0190a0b0-0000-7000-8000-000000000001", outputDirectory: dir)
        s.warmupReadings = 0
        let log = CapturedLog()
        let start: Int64 = 1_748_736_000_000  // 2025-06-01T00:00:00Z
        let c = try Collector(
            board: FixedBoard(), clock: VirtualWallClock(start: start - 1), settings: s, logger: log.logger,
            diskGuard: DiskGuard(path: dir, floorBytes: 256 << 20, freeSpace: FixedFreeSpace(bytes: 5 << 20)))
        await c.run(stopAt: start + 3_600_000)
        #expect(await c.filesWritten.count == 4)
        let errors = log.all.filter { $0.hasPrefix("error:") }
        #expect(errors.count == 1)
        #expect(errors.first?.contains("OPENSENSOR_MIN_FREE_MB") == true)
    }
}
