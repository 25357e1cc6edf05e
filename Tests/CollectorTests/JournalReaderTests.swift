import Foundation
import HAL
import Synchronization
import TestSupport
import Testing
@testable import Collector

/// The read-only journal reader (Sources/Collector/JournalReader.swift) beside a writer.
@Suite struct JournalReaderTests {
    static let station = "station-a"

    /// An output directory and the journal folder of `station` in it.
    func output() throws -> (output: String, journal: String) {
        let out = try makeTemporaryFolder("journal-reader")
        return (out, CollectorSettings.journalDirectory(outputDirectory: out, station: Self.station))
    }

    static func reading(_ i: Int) -> Reading {
        // Every value differs between readings, so a reading put together from two records
        // would not equal any written one.
        Reading(timestamp: 1_748_736_000_000 + Int64(i) * 5000,
                values: (0..<Reading.valueCount).map { $0 % 5 == 4 ? nil : Float(i) * 1.5 + Float($0) })
    }

    static func appendBytes(_ bytes: [UInt8], to path: String) throws {
        let handle = try #require(FileHandle(forWritingAtPath: path))
        defer { try? handle.close() }
        handle.seekToEndOfFile()
        handle.write(Data(bytes))
    }

    static func record(seq: UInt64, _ reading: Reading) -> [UInt8] {
        var bytes: [UInt8] = []
        Journal.appendRecord(Journal.Entry(seq: seq, reading: reading), to: &bytes)
        return bytes
    }

    /// A writer appends a reading every `interval` and files a batch (the journal replaced,
    /// keeping the last four, so a reading is filed at least four intervals after it was
    /// appended) every seventh, for `duration`, while a reader polls: each reading is returned
    /// once, whole, and all of them by the end.
    func followWhileWriting(duration: Duration, interval: Duration, sleeper: any Sleeper) async throws {
        let (out, dir) = try output()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let count = Int(duration / interval)
        let finished = Flag()
        let writer = Task.detached {
            defer { finished.set() }
            let journal = try Journal(directory: dir, sync: .never)
            for i in 0..<count {
                try journal.append(Self.reading(i))
                if i % 7 == 6 { try journal.retain(Array(journal.entries.suffix(4))) }
                try await sleeper.sleep(for: interval)
            }
            return journal.id
        }
        let reader = JournalReader(outputDirectory: out)
        var seen: [Reading] = []
        var looks = 0
        var notices: [String] = []
        while true {
            let done = finished.isSet  // read before the look: a look after the last append follows
            let read = reader.newReadings()
            seen += read.readings
            if let n = read.notice, !n.hasPrefix("no journal yet") { notices.append(n) }
            #expect(read.skippedRecords == 0)
            looks += 1
            if done { break }
            try await sleeper.sleep(for: .milliseconds(30))
        }
        let id = try await writer.value
        #expect(reader.newReadings().readings.isEmpty)
        #expect(notices.isEmpty)
        #expect(looks > count)  // it did read while the writer wrote
        #expect(seen.count == count)
        #expect(Set(seen.map(\.timestamp)).count == seen.count)  // none twice
        #expect(seen.sorted { $0.timestamp < $1.timestamp } == (0..<count).map(Self.reading))  // all, whole
        #expect(reader.readings().journalID == id)
    }

    final class Flag: Sendable {
        private let value = Mutex(false)
        func set() { value.withLock { $0 = true } }
        var isSet: Bool { value.withLock { $0 } }
    }

    /// A minute of readings every 100 ms: 600 appends, 85 batches filed while the reader looks.
    @Test(arguments: [Duration.seconds(60)])
    func everyReadingOnceWhileTheCollectorAppendsAndFiles(duration: Duration) async throws {
        try await followWhileWriting(duration: duration, interval: .milliseconds(100), sleeper: SystemClock())
    }

    /// Records written in two pieces, 50 ms apart, and the file replaced (the same header, the
    /// last four records) every seventh: a reader polling meanwhile sees half records and
    /// replacements whose inode may be the one it last read, and still returns each reading
    /// once, whole.
    @Test(arguments: [Duration.seconds(2)])
    func everyReadingOnceWhileRecordsArriveInPieces(duration: Duration) async throws {
        let (out, dir) = try output()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let path = try Journal(directory: dir, sync: .never).path
        let header = Array(try #require(FileManager.default.contents(atPath: path)))
        #expect(header.count == Journal.headerSize)
        let sleeper: any Sleeper = SystemClock()
        let count = Int(duration / .milliseconds(100))
        let finished = Flag()
        let writer = Task.detached {
            defer { finished.set() }
            var kept: [[UInt8]] = []
            for i in 0..<count {
                let record = Self.record(seq: UInt64(i + 1), Self.reading(i))
                try Self.appendBytes(Array(record[..<(record.count / 2)]), to: path)
                try await sleeper.sleep(for: .milliseconds(50))
                try Self.appendBytes(Array(record[(record.count / 2)...]), to: path)
                kept.append(record)
                if i % 7 == 6 {
                    kept = Array(kept.suffix(4))
                    try Data(header + kept.joined()).write(to: URL(fileURLWithPath: path + ".new"))
                    guard rename(path + ".new", path) == 0 else { throw CocoaError(.fileWriteUnknown) }
                }
                try await sleeper.sleep(for: .milliseconds(50))
            }
        }
        let reader = JournalReader(outputDirectory: out, station: Self.station)
        var seen: [Reading] = []
        while true {
            let done = finished.isSet
            let read = reader.newReadings()
            seen += read.readings
            #expect(read.skippedRecords == 0 && read.notice == nil)
            if done { break }
            try await sleeper.sleep(for: .milliseconds(15))
        }
        try await writer.value
        #expect(seen == (0..<count).map(Self.reading))  // each once, whole, in order
    }

    @Test func aTornLastRecordIsReturnedOnlyOnceWhole() throws {
        let (out, dir) = try output()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let path: String
        do {
            let journal = try Journal(directory: dir)
            for i in 0..<3 { try journal.append(Self.reading(i)) }
            path = journal.path
        }
        let reader = JournalReader(outputDirectory: out, station: Self.station)
        #expect(reader.newReadings().readings == (0..<3).map(Self.reading))
        let next = Self.record(seq: 4, Self.reading(3))
        var written = 0
        for cut in [3, 8, 20, next.count - 1] {  // within the length, the checksum, the payload
            try Self.appendBytes(Array(next[written..<cut]), to: path)
            written = cut
            let read = reader.newReadings()
            #expect(read.readings.isEmpty && read.skippedRecords == 0 && read.notice == nil)
            #expect(reader.readings().readings.count == 3)
        }
        try Self.appendBytes(Array(next[(next.count - 1)...]), to: path)
        #expect(reader.newReadings().readings == [Self.reading(3)])
        #expect(reader.newReadings().readings.isEmpty)
        #expect(reader.readings().readings == (0..<4).map(Self.reading))
    }

    @Test func aCorruptRecordInTheMiddleIsSkippedAndCountedOnce() throws {
        let (out, dir) = try output()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let path: String
        do {
            let journal = try Journal(directory: dir)
            try journal.append(Self.reading(0))
            path = journal.path
        }
        let reader = JournalReader(outputDirectory: out, station: Self.station)
        #expect(reader.newReadings().readings == [Self.reading(0)])
        // A record whose payload lost a bit, then a good one.
        var bad = Self.record(seq: 2, Self.reading(1))
        bad[20] ^= 0x10
        try Self.appendBytes(bad, to: path)
        let waiting = reader.newReadings()  // nothing follows it yet: it may be an append in progress
        #expect(waiting.readings.isEmpty && waiting.skippedRecords == 0)
        try Self.appendBytes(Self.record(seq: 3, Self.reading(2)), to: path)
        let read = reader.newReadings()
        #expect(read.readings == [Self.reading(2)])
        #expect(read.skippedRecords == 1)
        #expect(read.notice?.contains("1 damaged record skipped") == true)
        try Self.appendBytes(Self.record(seq: 4, Self.reading(3)), to: path)
        let after = reader.newReadings()
        #expect(after.readings == [Self.reading(3)] && after.skippedRecords == 0)
        // A reader that starts now, and the stateless read, see the same.
        let whole = JournalReader(outputDirectory: out).readings()
        #expect(whole.readings == [0, 2, 3].map(Self.reading) && whole.skippedRecords == 1)
        #expect(JournalReader(outputDirectory: out).newReadings().readings == [0, 2, 3].map(Self.reading))
    }

    @Test func aJournalReplacedAfterABatchIsFollowed() throws {
        let (out, dir) = try output()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let journal = try Journal(directory: dir)
        let reader = JournalReader(outputDirectory: out, station: Self.station)
        for i in 0..<5 { try journal.append(Self.reading(i)) }
        #expect(reader.newReadings().readings == (0..<5).map(Self.reading))
        // A batch took 0–2: the journal is replaced by one holding 3 and 4, then grows.
        try journal.retain(Array(journal.entries.suffix(2)))
        #expect(reader.newReadings().readings.isEmpty)
        try journal.append(Self.reading(5))
        try journal.append(Self.reading(6))
        #expect(reader.newReadings().readings == [5, 6].map(Self.reading))
        // Two replacements between looks (the first file's inode may be reused by the second),
        // the second one shorter than where the reader stopped. 7 and 8 went into batch files
        // before the reader looked: a consumer finds them in the lake.
        try journal.append(Self.reading(7))
        try journal.retain(Array(journal.entries.suffix(1)))
        try journal.append(Self.reading(8))
        try journal.retain([])
        try journal.append(Self.reading(9))
        #expect(reader.newReadings().readings == [Self.reading(9)])
        #expect(reader.readings().readings == [Self.reading(9)])
        #expect(reader.readings(since: Self.reading(9).timestamp + 1).readings.isEmpty)
        reader.reset()
        #expect(reader.newReadings().readings == [Self.reading(9)])
    }

    @Test func heldReadingsComeOnceTheyAreRestamped() throws {
        let (out, dir) = try output()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let journal = try Journal(directory: dir)
        let reader = JournalReader(outputDirectory: out)
        var held = Self.reading(1)
        held.timestamp = 60_000  // 1970: the clock was not set
        try journal.append(held)
        try journal.append(Self.reading(2))
        #expect(reader.newReadings().readings == [Self.reading(2)])
        // The collector re-stamps the held reading under its sequence number.
        var entries = journal.entries
        entries[0].reading.timestamp = Self.reading(1).timestamp
        try journal.retain(entries)
        #expect(reader.newReadings().readings == [Self.reading(1)])
        #expect(reader.newReadings().readings.isEmpty)
    }

    @Test func noJournalIsANoticeAndTheNewestStationIsRead() throws {
        let (out, _) = try output()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let none = JournalReader(outputDirectory: out).newReadings()
        #expect(none.readings.isEmpty && none.notice?.hasPrefix("no journal yet") == true)
        let a = try Journal(directory: CollectorSettings.journalDirectory(outputDirectory: out, station: "a"))
        try a.append(Self.reading(0))
        usleep(20_000)  // a later modification time than a's
        let b = try Journal(directory: CollectorSettings.journalDirectory(outputDirectory: out, station: "b"))
        try b.append(Self.reading(1))
        try FileManager.default.createDirectory(atPath: out + "/.opensensor/sync", withIntermediateDirectories: true)
        #expect(JournalReader.stations(outputDirectory: out) == ["a", "b"])
        #expect(JournalReader(outputDirectory: out).readings().readings == [Self.reading(1)])
        #expect(JournalReader(outputDirectory: out, station: "a").readings().readings == [Self.reading(0)])
    }
}
