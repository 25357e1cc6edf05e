import Foundation
import CivilTime
import Config
import DurableFiles
import Synchronization
import TestSupport
import Testing
import Logging
@testable import Collector

/// The journal's recovery from damage and its sync interval (Sources/Collector/Journal.swift).
@Suite struct JournalTests {
    func tempDir() throws -> String { try makeTemporaryFolder("journal") }

    func reading(_ i: Int) -> Reading {
        Reading(timestamp: 1_748_736_000_000 + Int64(i) * 5000, values: (0..<Reading.valueCount).map { Float(i * 100 + $0) })
    }

    /// A journal of `count` readings, closed; returns its path and bytes.
    func journal(_ dir: String, count: Int) throws -> (String, [UInt8]) {
        let j = try Journal(directory: dir)
        for i in 0..<count { try j.append(reading(i)) }
        let bytes = [UInt8](try #require(FileManager.default.contents(atPath: j.path)))
        return (j.path, bytes)
    }

    func overwrite(_ path: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    @Test func aFlippedBitInTheHeaderKeepsEveryRecord() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (path, original) = try journal(dir, count: 69)
        let oldID = try Journal(directory: dir).id
        for bit in [4 * 8 + 3, 12 * 8 + 1, 20 * 8 + 7, 1] {  // in the id, nextSeq, checksum, magic
            var bytes = original
            bytes[bit / 8] ^= 1 << UInt8(bit % 8)
            try overwrite(path, bytes)
            let j = try Journal(directory: dir)
            #expect(j.entries.map(\.reading) == (0..<69).map(reading))
            let damage = try #require(j.damage)
            #expect(damage.headerDamaged && damage.recovered == 69)
            #expect(j.id != oldID)
            // The id as the damaged header still tells it, for matching batch tags.
            switch bit / 8 {
            case 0..<4: #expect(j.formerID == nil)  // no magic: nothing to trust
            case 4..<12: #expect(j.formerID != nil && j.formerID != oldID)  // the id itself flipped
            default: #expect(j.formerID == oldID)
            }
            #expect([UInt8](try #require(FileManager.default.contents(atPath: damage.keptAside))) == bytes)
            // The rewritten journal is whole again, and new appends follow the recovered ones.
            let seq = try j.append(reading(69))
            #expect(seq > 69)
            let again = try Journal(directory: dir)
            #expect(again.damage == nil && again.entries.count == 70)
            try overwrite(path, original)
        }
        let asides = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".damaged-") }
        #expect(asides.count == 4)  // never one kept aside over another
    }

    @Test func aFlippedBitInARecordLosesOnlyThatRecord() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (path, original) = try journal(dir, count: 65)
        let recordSize = Journal.maxRecordSize  // every value present
        for victim in [0, 1, 30, 63] {
            var bytes = original
            bytes[Journal.headerSize + victim * recordSize + 8 + 13] ^= 0x04  // inside the payload
            try overwrite(path, bytes)
            let j = try Journal(directory: dir)
            #expect(j.entries.map(\.reading) == (0..<65).filter { $0 != victim }.map(reading))
            let damage = try #require(j.damage)
            #expect(!damage.headerDamaged && damage.recovered == 64)
            let start = Journal.headerSize + victim * recordSize
            #expect(damage.damagedRanges == [start..<(start + recordSize)])
            #expect([UInt8](try #require(FileManager.default.contents(atPath: damage.keptAside))) == bytes)
            try overwrite(path, original)
        }
        // A damaged length field: the scan still finds the next record.
        var bytes = original
        bytes[Journal.headerSize + 10 * recordSize] = 0xFF
        try overwrite(path, bytes)
        #expect(try Journal(directory: dir).entries.count == 64)
    }

    @Test func onlyATornTailIsCut() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (path, original) = try journal(dir, count: 10)
        // Garbage longer than one record after the last one is damage, not a torn append.
        try overwrite(path, original + [UInt8](repeating: 0xA5, count: Journal.maxRecordSize + 1))
        let j = try Journal(directory: dir)
        #expect(j.entries.count == 10 && j.damage?.damagedRanges == [original.count..<(original.count + Journal.maxRecordSize + 1)])
        // A half-written record is a torn tail: cut, nothing kept aside.
        try overwrite(path, original + Array(original[Journal.headerSize..<(Journal.headerSize + 30)]))
        let torn = try Journal(directory: dir)
        #expect(torn.entries.count == 10 && torn.damage == nil && torn.droppedTailBytes == 30)
    }

    @Test func anEmptyOrShortFileIsKeptAside() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try overwrite(dir + "/readings.journal", Array("OSJ1".utf8))
        let j = try Journal(directory: dir)
        #expect(j.entries.isEmpty && j.damage?.headerDamaged == true)
        #expect(FileManager.default.fileExists(atPath: dir + "/readings.journal.damaged-0"))
    }

    @Test func theSyncIntervalBoundsWhatAPowerCutLoses() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let j = try Journal(directory: dir, sync: .every(seconds: 30))
        var synced: [Int] = []  // the appends after which the journal was synced
        var last = j.durableLength
        for i in 0..<40 {
            try j.append(reading(i), now: Int64(i) * 5000)
            if j.durableLength != last { synced.append(i); last = j.durableLength }
        }
        // fdatasync at 0 s, 30 s, 60 s, …: at most 30 s of readings are ever not durable.
        #expect(synced == [0, 6, 12, 18, 24, 30, 36])
        // A process crash (kill -9) keeps the page cache: every reading is there.
        #expect(try Journal(directory: dir, sync: .every(seconds: 30)).entries.count == 40)
        // A power cut loses what was not synced (the page cache), and nothing before it.
        let original = [UInt8](try #require(FileManager.default.contents(atPath: j.path)))
        try overwrite(j.path, Array(original[0..<j.durableLength]))
        let afterCut = try Journal(directory: dir)
        #expect(afterCut.entries.map(\.reading) == (0..<37).map(reading))
        #expect(afterCut.damage == nil)
        // A power cut in the middle of writing back a record: a torn tail, the rest whole.
        try overwrite(j.path, Array(original[0..<(j.durableLength + 40)]))
        let torn = try Journal(directory: dir)
        #expect(torn.entries.count == 37 && torn.damage == nil && torn.droppedTailBytes == 40)
    }

    @Test func everyAppendIsDurableAtZeroAndSyncNowCatchesUp() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let every = try Journal(directory: dir, sync: .every(seconds: 0))
        for i in 0..<3 {
            try every.append(reading(i), now: 0)
            #expect(every.durableLength == (try FileManager.default.attributesOfItem(atPath: every.path)[.size] as? Int))
        }
        let dir2 = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir2) }
        let lazy = try Journal(directory: dir2, sync: .every(seconds: 3600))
        try lazy.append(reading(0), now: 0)
        try lazy.append(reading(1), now: 5000)
        let before = lazy.durableLength
        try lazy.syncNow()
        #expect(lazy.durableLength > before)
        #expect(lazy.durableLength == (try FileManager.default.attributesOfItem(atPath: lazy.path)[.size] as? Int))
    }

    /// A damaged journal is reported at error level by the collector that opens it.
    @Test func theCollectorLogsDamageAtErrorLevel() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var s = CollectorSettings(station: "0190a0b0-0000-7000-8000-000000000001", outputDirectory: dir)
        s.warmupReadings = 0
        let (path, original) = try journal(s.journalDirectory, count: 5)
        var bytes = original
        bytes[Journal.headerSize + 8 + 13] ^= 1
        try overwrite(path, bytes)
        let lines = LockedLines()
        let logger = Logger(label: "test") { _ in LevelCaptureHandler(lines: lines) }
        let collector = try Collector(board: FixedBoard(), clock: VirtualWallClock(start: 1_748_736_000_000), settings: s, logger: logger)
        await collector.run(stopAt: 1_748_736_000_000)
        #expect(lines.all.contains { $0.level == .error && $0.message.contains("journal was damaged") })
    }

    /// `status` asks whether a collector holds the lock while collectors start: asking must
    /// never take the lock, or a collector starting in that moment finds it taken and refuses
    /// to run (what `flock` probing did, now and then, under Tests/Interop/collector/crash_test.py).
    @Test func askingWhoHoldsTheLockNeverStopsACollectorTakingIt() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try Journal(directory: dir)
        #expect(Journal.lockHolder(directory: dir) == nil)
        // Asks on its own thread until told to stop, counting the times it found a holder.
        let asks = Counter(), stop = Counter()
        Thread.detachNewThread {
            while stop.value.load(ordering: .sequentiallyConsistent) == 0 {
                if Journal.lockHolder(directory: dir) != nil { asks.value.add(1, ordering: .relaxed) }
            }
            stop.value.add(1, ordering: .sequentiallyConsistent)
        }
        var refused = 0, taken = 0
        let deadline = Date().addingTimeInterval(20)
        while taken < 3000 || (asks.value.load(ordering: .relaxed) < 1000 && Date() < deadline) {
            let j = try Journal(directory: dir)
            do { try j.lock() } catch { refused += 1 }
            #expect(Journal.lockHolder(directory: dir) == getpid())
            taken += 1
        }
        stop.value.add(1, ordering: .sequentiallyConsistent)
        while stop.value.load(ordering: .sequentiallyConsistent) < 2 { usleep(1000) }
        #expect(asks.value.load(ordering: .relaxed) >= 1000)  // the asking ran alongside and saw collectors
        #expect(refused == 0)
        #expect(Journal.lockHolder(directory: dir) == nil)  // each lock ended with its journal
    }
}

final class LockedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [(level: Logger.Level, message: String)] = []
    func add(_ level: Logger.Level, _ message: String) { lock.lock(); lines.append((level, message)); lock.unlock() }
    var all: [(level: Logger.Level, message: String)] { lock.lock(); defer { lock.unlock() }; return lines }
}

struct LevelCaptureHandler: LogHandler {
    let lines: LockedLines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) { lines.add(event.level, "\(event.message)") }
}
