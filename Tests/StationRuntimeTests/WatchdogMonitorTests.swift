// systemd's watchdog, seen by the collector only as a CollectorMonitor
// (Sources/StationRuntime/WatchdogMonitor.swift): the collector's failures reach the service
// manager once per streak, and its recovery too.

import Foundation
import CivilTime
import Collector
import Drivers
import HAL
import Parquet
import Systemd
import TestSupport
import Testing
@testable import StationRuntime

@Suite struct WatchdogMonitorTests {
    static let start: Int64 = 1_748_736_000_000  // 2025-06-01T00:00:00Z

    func tempDir() throws -> String { try makeTemporaryFolder("station") }

    func settings(_ dir: String) -> CollectorSettings {
        var s = CollectorSettings(station: "0190a0b0-0000-7000-8000-000000000001", outputDirectory: dir)
        s.warmupReadings = 2
        return s
    }

    @Test func aFailingBatchWriteIsReportedToTheServiceManagerOncePerStreak() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = settings(dir)
        let blocker = dir + "/station=" + s.station
        #expect(FileManager.default.createFile(atPath: blocker, contents: Data([1])))
        let receiver = try NotifyReceiver(abstract: true)
        let watchdog = ServiceWatchdog.fromEnvironment(
            ["NOTIFY_SOCKET": receiver.name, "WATCHDOG_USEC": "60000000"], readIntervalSeconds: 5, logger: quiet)
        let c = try Collector(board: FixedBoard(), clock: VirtualWallClock(start: Self.start), settings: s, logger: quiet,
                              monitor: watchdog)
        let board = FixedBoard()
        var uncompensated: CPUHeatCompensator?
        func collect(_ i: Int) async {
            await c.collect(Reading(await board.read(at: Timestamp(millisecondsSinceEpoch: Self.start + Int64(i) * 5000)), compensator: &uncompensated))
        }
        for i in 0..<400 { await collect(i) }  // two boundaries pass while writes fail, each retried at every reading
        let failing = receiver.drain()
        #expect(failing.count == 1)
        #expect(failing.first?.hasPrefix("STATUS=batch write failing (readings kept in the journal): ") == true)
        try FileManager.default.removeItem(atPath: blocker)
        await collect(400)
        let recovered = receiver.drain()
        #expect(recovered.count == 2)
        #expect(recovered.allSatisfy { $0.hasPrefix("STATUS=collecting; last batch ") && $0.hasSuffix(".parquet") })
        #expect(watchdog.heartbeat.batchesFailingSince == nil)
    }
}
