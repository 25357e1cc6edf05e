import Foundation
import CivilTime
import Config
import DurableFiles
import TestSupport
import Testing
@testable import StationRuntime

/// The log file stays bounded (Sources/StationRuntime/RotatingLogFile.swift).
@Suite struct RotatingLogFileTests {
    @Test func theLogIsRotatedBySizeAndTheOldestDropped() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("logs-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = try RotatingLogFile(path: dir + "/opensensor.log", maxBytes: 4096, keep: 3)
        let line = String(repeating: "x", count: 99) + "\n"  // 100 bytes
        for i in 0..<1000 { log.write(String(format: "%06d", i) + line.dropFirst(6)) }
        // 100,000 bytes written; at most 4 files of 4096 bytes remain.
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(files == ["opensensor.log", "opensensor.log.1", "opensensor.log.2", "opensensor.log.3"])
        var total = 0
        for f in files {
            let size = try #require(FileManager.default.attributesOfItem(atPath: dir + "/" + f)[.size] as? Int)
            #expect(size <= 4096)
            total += size
        }
        #expect(total <= 4 * 4096)
        // Whole lines only, and the newest lines are in the current file, in order.
        let current = try String(contentsOfFile: dir + "/opensensor.log", encoding: .utf8)
        #expect(current.hasSuffix("000999" + line.dropFirst(6)))
        let older = try String(contentsOfFile: dir + "/opensensor.log.1", encoding: .utf8)
        let lastOfOlder = Int(older.split(separator: "\n").last!.prefix(6))!
        let firstOfCurrent = Int(current.split(separator: "\n").first!.prefix(6))!
        #expect(firstOfCurrent == lastOfOlder + 1)
    }

    @Test func anExistingLogCountsTowardsTheLimit() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("logs-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Data(repeating: 65, count: 4000).write(to: URL(fileURLWithPath: dir + "/opensensor.log"))
        let log = try RotatingLogFile(path: dir + "/opensensor.log", maxBytes: 4096, keep: 2)
        log.write(String(repeating: "y", count: 199) + "\n")
        #expect(try FileManager.default.attributesOfItem(atPath: dir + "/opensensor.log.1")[.size] as? Int == 4000)
        #expect(try FileManager.default.attributesOfItem(atPath: dir + "/opensensor.log")[.size] as? Int == 200)
    }
}
