import Collector
import Config
import Foundation
import TestSupport
import Testing
@testable import StationRuntime

/// What `status` and `info` read of a running collector's journal (Sources/StationRuntime/StationState.swift).
@Suite struct StationStateTests {
    static func reading(_ i: Int, at timestamp: Int64) -> Reading {
        Reading(timestamp: timestamp, values: (0..<Reading.valueCount).map { Float(i * 10 + $0) })
    }

    @Test func theNewestJournaledReadingIsTheNewestWhoseTimeIsKnown() throws {
        let out = try makeTemporaryFolder("station-state")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let envFile = out + "/.env"
        try Data().write(to: URL(fileURLWithPath: envFile))
        let (config, _) = try StationConfig.load(environment: ["OPENSENSOR_OUTPUT_DIR": out], envFile: envFile, overrides: [:])
        let t = Int64(1_748_736_000_000)
        let a = try Journal(directory: CollectorSettings.journalDirectory(outputDirectory: out, station: "a"))
        try a.append(Self.reading(1, at: t))
        try a.append(Self.reading(2, at: t + 5000))
        // A later reading of a run whose clock was not set: held, its time unknown.
        let b = try Journal(directory: CollectorSettings.journalDirectory(outputDirectory: out, station: "b"))
        try b.append(Self.reading(3, at: 60_000))
        try FileManager.default.createDirectory(atPath: out + "/.opensensor/sync", withIntermediateDirectories: true)

        let s = StationState(config: config, warnings: [])
        #expect(s.journals.map(\.station) == ["a", "b"])
        #expect(s.journals.map(\.pending.count) == [2, 1])  // held readings count as not yet filed
        #expect(s.journals.allSatisfy { $0.notice == nil })
        let newest = try #require(s.newestJournaled)
        #expect(newest.station == "a" && newest.reading == Self.reading(2, at: t + 5000))
        #expect(s.lastReading == t + 5000)
    }
}
