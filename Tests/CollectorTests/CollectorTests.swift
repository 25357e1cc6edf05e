import Foundation
import CivilTime
import Config
import DurableFiles
import TestSupport
import Testing
import Drivers
import HAL
import Lake
import Logging
import Parquet
@testable import Collector

@Suite struct CollectorTests {
    static let start: Int64 = 1_748_736_000_000  // 2025-06-01T00:00:00Z

    func tempDir() throws -> String { try makeTemporaryFolder("station") }

    func settings(_ dir: String) -> CollectorSettings {
        var s = CollectorSettings(station: "0190a0b0-0000-7000-8000-000000000001", outputDirectory: dir)
        s.warmupReadings = 2
        return s
    }

    /// All rows of every data file under `dir`: (relative path, timestamps).
    func files(_ dir: String) throws -> [(String, [Int64])] {
        let fm = FileManager.default
        var out: [(String, [Int64])] = []
        for rel in (fm.enumerator(atPath: dir)?.allObjects as? [String] ?? []).sorted() where rel.hasSuffix(".parquet") {
            let bytes = try ParquetFile.readAll(dir + "/" + rel)
            let meta = try FileMetaData.read(fileBytes: bytes)
            #expect(meta.leafColumns.map(\.name) == LakeSchemas.sensor.columns.map(\.name))
            var ts: [Int64] = []
            for g in meta.rowGroups.indices {
                guard case .int64(let v) = try ParquetFile.readColumn(bytes, metadata: meta, rowGroup: g, column: 0) else { continue }
                ts += v.compactMap { $0 }
            }
            out.append((rel, ts))
        }
        return out
    }

    @Test func valueIndexIsTheSchemaColumnLessTheTimestamp() {
        #expect(Reading.valueIndex("temperature") == 0)
        #expect(Reading.valueIndex("pm25") == 11)
        #expect(Reading.valueIndex("particles_100um") == Reading.valueCount - 1)
        for (i, column) in LakeSchemas.sensor.columns.dropFirst().enumerated() {
            #expect(Reading.valueIndex(column.name) == i)
        }
    }

    @Test func aSimulatedHourMakesFourClockAlignedBatches() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let clock = VirtualWallClock(start: Self.start - 1)
        let c = try Collector(board: SimulatedBoard(seed: 3), clock: clock, settings: settings(dir), logger: quiet)
        await c.run(stopAt: Self.start + 3_600_000)
        let found = try files(dir)
        let station = "station=0190a0b0-0000-7000-8000-000000000001/year=2025/month=06/day=01/"
        #expect(found.map(\.0) == ["data_0015", "data_0030", "data_0045", "data_0100"].map { station + $0 + ".parquet" })
        // 720 ticks from 00:00:00, the first 2 discarded as warm-up.
        #expect(found.map(\.1.count) == [178, 180, 180, 180])
        let all = found.flatMap(\.1)
        #expect(all == (2..<720).map { Self.start + Int64($0) * 5000 })
        #expect(await c.readingsCollected == 718)
        // Everything is in files: the journal is empty.
        #expect(try Journal(directory: settings(dir).journalDirectory).entries.isEmpty)
    }

    /// SD-card wear: what a station logs at INFO is bounded per hour, not per reading, even
    /// with sensors failing and health metrics on.
    @Test func infoLogLinesAreBoundedPerHour() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var s = settings(dir)
        s.healthDirectory = dir + "-health"
        defer { try? FileManager.default.removeItem(atPath: dir + "-health") }
        for failing in [false, true] {
            let lines = LockedLines()
            let logger = Logger(label: "test") { _ in LevelCaptureHandler(lines: lines) }
            let start = Self.start + (failing ? 86_400_000 : 0)
            let c = try Collector(board: FixedBoard(failing: failing), clock: VirtualWallClock(start: start - 1), settings: s, logger: logger)
            await c.run(stopAt: start + 2 * 3_600_000)
            let atInfo = lines.all.filter { $0.level >= .info }
            // Two hours: 8 data and 8 health batches, and a few lines at start and stop — while
            // every one of the 1,440 readings was logged at DEBUG.
            #expect(atInfo.count <= 2 * 8 + 6, "\(atInfo.count) lines at INFO or above in 2 hours")
            #expect(lines.all.filter { $0.level == .debug }.count >= 2 * 700)
        }
    }

    @Test func failingSensorsGiveNullsNotMissingColumns() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let c = try Collector(board: FixedBoard(failing: true), clock: VirtualWallClock(start: Self.start), settings: settings(dir), logger: quiet)
        await c.run(stopAt: Self.start + 60_000)
        let path = try #require(await c.filesWritten.first)
        let bytes = try ParquetFile.readAll(path)
        let meta = try FileMetaData.read(fileBytes: bytes)
        #expect(meta.leafColumns.count == 20)
        #expect(try ParquetFile.readColumn(bytes, metadata: meta, rowGroup: 0, column: 1) == .float(Array(repeating: nil, count: Int(meta.numRows))))
    }

    @Test func compensationIsApplied() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let c = try Collector(board: FixedBoard(), clock: VirtualWallClock(start: Self.start), settings: settings(dir), logger: quiet)
        await c.run(stopAt: Self.start + 30_000)
        let bytes = try ParquetFile.readAll(try #require(await c.filesWritten.first))
        let meta = try FileMetaData.read(fileBytes: bytes)
        // 30 − (52.5 − 30) / 2.25 = 20; humidity 40 + 5 · (30 − 20) = 90.
        #expect(try ParquetFile.readColumn(bytes, metadata: meta, rowGroup: 0, column: 1) == .float(Array(repeating: 20, count: Int(meta.numRows))))
        #expect(try ParquetFile.readColumn(bytes, metadata: meta, rowGroup: 0, column: 4) == .float(Array(repeating: 90, count: Int(meta.numRows))))
        #expect(try ParquetFile.readColumn(bytes, metadata: meta, rowGroup: 0, column: 2) == .float(Array(repeating: 30, count: Int(meta.numRows))))
    }

    @Test func aRestartWritesOutWhatTheJournalHolds() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A "crashed" run: readings journaled, never written.
        let journal = try Journal(directory: settings(dir).journalDirectory)
        let readings = (0..<50).map { Reading(timestamp: Self.start + Int64($0) * 5000, values: Array(repeating: Float($0), count: 19)) }
        for r in readings { try journal.append(r) }
        // Restart an hour later: the old batch is complete and written at once.
        let c = try Collector(board: FixedBoard(), clock: VirtualWallClock(start: Self.start + 3_600_000), settings: settings(dir), logger: quiet)
        await c.run(stopAt: Self.start + 3_600_000)
        let found = try files(dir)
        #expect(found.count == 1)
        #expect(found.first?.1 == readings.map(\.timestamp))
        #expect(try Journal(directory: settings(dir).journalDirectory).entries.isEmpty)
    }

    @Test func aCrashBetweenBatchAndTrimWritesNothingTwice() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = settings(dir)
        let journal = try Journal(directory: s.journalDirectory)
        var entries: [Journal.Entry] = []
        for i in 0..<30 {
            let r = Reading(timestamp: Self.start + Int64(i) * 5000, values: Array(repeating: 1, count: 19))
            entries.append(Journal.Entry(seq: try journal.append(r), reading: r))
        }
        // The batch file of the first 20 made it to disk; the journal was not trimmed.
        let writer = BatchWriter(root: dir, station: s.station, compression: .snappy)
        _ = try writer.write(Array(entries.prefix(20)), boundary: Self.start + 900_000, journalID: journal.id)
        let c = try Collector(board: FixedBoard(), clock: VirtualWallClock(start: Self.start + 3_600_000), settings: s, logger: quiet)
        await c.run(stopAt: Self.start + 3_600_000)
        let found = try files(dir)
        let names = Set(found.map { String($0.0.split(separator: "/").last!) })
        #expect(names == ["data_0015.parquet", "data_0015-1.parquet"])
        let all = found.flatMap(\.1).sorted()
        #expect(all == entries.map(\.reading.timestamp), "every reading exactly once")
    }

    @Test func aFailedBatchWriteLosesNothingAndIsRetried() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = settings(dir)
        // A file where the station's folder should be makes every batch write fail, as a full
        // disk would; it is removed while the collector runs.
        let blocker = dir + "/station=" + s.station
        #expect(FileManager.default.createFile(atPath: blocker, contents: Data([1])))
        let clock = VirtualWallClock(start: Self.start)
        let c = try Collector(board: FixedBoard(), clock: clock, settings: s, logger: quiet)
        let board = FixedBoard()
        var uncompensated: CPUHeatCompensator?
        for i in 0..<400 {  // 33 minutes: two boundaries pass while writes fail
            await c.collect(Reading(await board.read(at: Timestamp(millisecondsSinceEpoch: Self.start + Int64(i) * 5000)), compensator: &uncompensated))
        }
        #expect(await c.filesWritten.isEmpty)
        #expect(try Journal(directory: s.journalDirectory).entries.count == 400)
        try FileManager.default.removeItem(atPath: blocker)
        await c.collect(Reading(await board.read(at: Timestamp(millisecondsSinceEpoch: Self.start + 400 * 5000)), compensator: &uncompensated))
        #expect(await c.filesWritten.count == 2)
        let found = try files(dir)
        #expect(found.flatMap(\.1) == (0..<360).map { Self.start + Int64($0) * 5000 })
        #expect(try Journal(directory: s.journalDirectory).entries.count == 41)
        // No temporary file left anywhere.
        let all = FileManager.default.enumerator(atPath: dir)?.allObjects as? [String] ?? []
        #expect(all.filter { $0.contains(".tmp") }.isEmpty)
    }

    /// A wall clock that NTP or a user steps at given monotonic times, sleeping as the system's
    /// does: for the monotonic time the wall clock said was left.
    final class ScriptedStepClock: WallClock, @unchecked Sendable {
        let start: Int64
        let steps: [(atMono: Int64, by: Int64)]
        var mono: Int64 = 0
        init(start: Int64, steps: [(atMono: Int64, by: Int64)]) {
            self.start = start
            self.steps = steps
        }
        func monotonicMillis() -> Int64 { mono }
        func nowMillis() -> Int64 { start + mono + steps.filter { $0.atMono <= mono }.reduce(0) { $0 + $1.by } }
        func sleep(untilMillis millis: Int64) async throws { mono += max(0, millis - nowMillis()) }
    }

    @Test func clockStepsNeitherMixNorOverwriteNorLoseBatches() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let minute: Int64 = 60_000
        // 20 min, then back 10 min; 20 min more, then forward an hour; then 15 min.
        let clock = ScriptedStepClock(start: Self.start, steps: [(20 * minute + 1, -10 * minute), (40 * minute + 1, 60 * minute)])
        let c = try Collector(board: FixedBoard(), clock: clock, settings: settings(dir), logger: quiet)
        await c.run(stopAt: Self.start + 105 * minute)
        let found = try files(dir)
        // Every reading is in exactly one file.
        #expect(found.reduce(0) { $0 + $1.1.count } == (await c.readingsCollected))
        // Ticks every 5 s of monotonic time from 0:00:05 to 0:54:55 (659), less 2 warm-up
        // reads and the 2 ticks that noticed a step.
        #expect(await c.readingsCollected == 659 - 2 - 2)
        for (path, ts) in found {
            // One timeline per file: strictly increasing, inside the file's window, filed under
            // its first reading's day.
            #expect(zip(ts, ts.dropFirst()).allSatisfy { $0 < $1 }, "\(path) mixes readings from both sides of a step")
            let entry = try #require(LakeLayout.parse(path))
            let boundary = Self.start + Int64(entry.boundaryMinute == 0 ? 1440 : entry.boundaryMinute) * minute
            #expect(ts.allSatisfy { $0 >= boundary - 15 * minute && $0 < boundary }, "\(path) holds readings outside its window")
            #expect(path.hasPrefix(LakeLayout.partition(station: "0190a0b0-0000-7000-8000-000000000001", millis: ts[0])))
        }
        let names = Set(found.map { String($0.0.split(separator: "/").last!) })
        // The minutes 00:10–00:20 came twice: the second time into files of their own.
        #expect(names.isSuperset(of: ["data_0015.parquet", "data_0015-1.parquet", "data_0030.parquet", "data_0030-1.parquet"]))
        #expect(names.contains("data_0145.parquet"))
        #expect(try Journal(directory: settings(dir).journalDirectory).entries.isEmpty)
    }

    /// A wall clock that can be set (as NTP does after boot) while its monotonic clock runs on.
    final class SteppingClock: WallClock, @unchecked Sendable {
        var wall: Int64
        var mono: Int64 = 0
        init(wall: Int64) { self.wall = wall }
        func nowMillis() -> Int64 { wall }
        func monotonicMillis() -> Int64 { mono }
        func sleep(untilMillis millis: Int64) async throws {}
        func tick(_ ms: Int64) { wall += ms; mono += ms }
    }

    @Test func readingsBeforeTheClockIsSetAreHeldThenRestamped() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let clock = SteppingClock(wall: 60_000)  // booted at 1970-01-01T00:01:00Z
        let s = settings(dir)
        let c = try Collector(board: FixedBoard(), clock: clock, settings: s, logger: quiet)
        let board = FixedBoard()
        var uncompensated: CPUHeatCompensator?
        for _ in 0..<10 {
            clock.tick(5000)
            await c.collect(Reading(await board.read(at: Timestamp(millisecondsSinceEpoch: clock.nowMillis())), compensator: &uncompensated))
        }
        // Held: journaled (durable) but not filed, however many batch boundaries 1970 passed.
        await c.flush(all: false, now: .max)
        #expect(await c.filesWritten.isEmpty)
        #expect(JournalReader(outputDirectory: dir, station: s.station, clockFloor: .min).readings().readings.count == 10)
        // NTP sets the clock; the next reading files everything at its true time.
        clock.tick(5000)
        clock.wall = Self.start + 600_000
        await c.collect(Reading(await board.read(at: Timestamp(millisecondsSinceEpoch: clock.nowMillis())), compensator: &uncompensated))
        await c.flush(all: true)
        let found = try files(dir)
        #expect(found.count == 1 && found[0].0.contains("year=2025/month=06/day=01/data_0015"))
        #expect(found.flatMap(\.1) == (0...10).map { Self.start + 600_000 - Int64(10 - $0) * 5000 })
        #expect(JournalReader(outputDirectory: dir, station: s.station, clockFloor: .min).readings().readings.isEmpty)
    }

    @Test func tornJournalTailIsDropped() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let j = try Journal(directory: dir)
        for i in 0..<5 { try j.append(Reading(timestamp: Int64(i), values: Array(repeating: nil, count: 19))) }
        let path = j.path
        // A crash in the middle of the sixth record.
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data([40, 0, 0, 0, 1, 2, 3]))
        handle.closeFile()
        let reopened = try Journal(directory: dir)
        #expect(reopened.entries.map(\.reading.timestamp) == [0, 1, 2, 3, 4])
        #expect(reopened.droppedTailBytes == 7)
        // Sequence numbers never repeat, even after the journal is emptied.
        let j2 = try Journal(directory: dir)
        let seq = try j2.append(Reading(timestamp: 9, values: Array(repeating: nil, count: 19)))
        try j2.retain([])
        #expect(try Journal(directory: dir).append(Reading(timestamp: 10, values: Array(repeating: nil, count: 19))) > seq)
    }

    @Test func oneCollectorPerOutputDirectory() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = settings(dir)
        let first = try Collector(board: FixedBoard(), clock: VirtualWallClock(start: Self.start), settings: s, logger: quiet)
        #expect(Journal.lockHolder(directory: s.journalDirectory) == getpid())
        #expect { _ = try Collector(board: FixedBoard(), clock: VirtualWallClock(start: Self.start), settings: s, logger: quiet) } throws: {
            "\($0)".contains("another collector, pid \(getpid())")
        }
        _ = first
    }

    @Test func aJournalThatCannotBeReadIsAnErrorNotOverwritten() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A directory where the journal file should be: open succeeds, read fails (EISDIR).
        try FileManager.default.createDirectory(atPath: dir + "/readings.journal/keep", withIntermediateDirectories: true)
        #expect { _ = try Journal(directory: dir) } throws: { "\($0)".contains("read failed") }
        #expect(FileManager.default.fileExists(atPath: dir + "/readings.journal/keep"))
    }

    @Test func namesAreNeverReused() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let w = BatchWriter(root: dir, station: "s", compression: .snappy)
        let e = [Journal.Entry(seq: 1, reading: Reading(timestamp: Self.start, values: Array(repeating: 1, count: 19)))]
        let paths = try (0..<3).map { _ in try w.write(e, boundary: Self.start + 900_000, journalID: 1) }
        #expect(paths.map { String($0.split(separator: "/").last!) } == ["data_0015.parquet", "data_0015-1.parquet", "data_0015-2.parquet"])
    }
}

@Suite struct BatchClockTests {
    @Test(arguments: [
        (900, "2025-06-01T14:30:00.000Z", "2025-06-01T14:45:00.000Z"),
        (900, "2025-06-01T14:44:59.999Z", "2025-06-01T14:45:00.000Z"),
        (900, "2025-06-01T23:59:59.000Z", "2025-06-02T00:00:00.000Z"),
        (420, "2025-06-01T23:58:00.000Z", "2025-06-02T00:00:00.000Z"),  // 7 min does not divide a day
        (420, "2025-06-02T00:00:00.000Z", "2025-06-02T00:07:00.000Z"),
        (3600, "1969-12-31T23:30:00.000Z", "1970-01-01T00:00:00.000Z"),
    ])
    func boundaries(duration: Int, time: String, boundary: String) throws {
        let t = try #require(ISO8601.parseMillis(time))
        #expect(ISO8601.format(millis: BatchClock(durationSeconds: duration).boundary(after: t)) == boundary)
    }
}

