import Foundation
import Testing
import CivilTime
import Lake
import ObjectStore
import Parquet
import TestSupport
@testable import Compaction

/// 2026-12-03, a closed day.
let day = CivilDate(year: 2026, month: 12, day: 3)!
let dayStart = Int64(day.daysSince1970) * 86_400_000
let station = "01937a2b-0000-7000-8000-000000000001"
let afterTheDay: @Sendable () -> Int64 = { dayStart + 2 * 86_400_000 }

/// A raw lake and a daily lake in temporary folders.
final class Lakes: @unchecked Sendable {
    let raw: String
    let daily: String
    var random = SplitMix64(state: 42)

    init() throws {
        raw = try makeTemporaryFolder("compact-raw")
        daily = try makeTemporaryFolder("compact-daily")
    }

    deinit {
        try? FileManager.default.removeItem(atPath: raw)
        try? FileManager.default.removeItem(atPath: daily)
    }

    func compactor(kind: LakeKind = .data, target: (any ObjectStore)? = nil, now: @escaping @Sendable () -> Int64 = afterTheDay) throws -> DayCompactor {
        DayCompactor(source: try LocalDirectoryObjectStore(root: raw), target: try target ?? LocalDirectoryObjectStore(root: daily), kind: kind,
                     isReady: DayCompactor.closed(now: now))
    }

    func run(_ c: DayCompactor) async throws -> CompactionReport {
        await c.run(try await c.days())
    }

    /// A batch of 180 readings every 5 s closing at `boundaryMinute` of `day` (0: the midnight
    /// ending it), with random values and some nulls; returns its columns.
    @discardableResult
    func writeBatch(boundaryMinute: Int, name: String? = nil, rows: Int = 180, date: CivilDate = day) throws -> [ColumnValues] {
        let start = Int64(date.daysSince1970) * 86_400_000
        let end = start + Int64(boundaryMinute == 0 ? 1440 : boundaryMinute) * 60_000
        let times: [Int64?] = (0..<rows).map { end - 900_000 + Int64($0) * 5000 + Int64(random.next() % 50) }
        var columns: [ColumnValues] = [.int64(times)]
        for _ in 1..<LakeSchemas.sensor.columns.count {
            columns.append(.float((0..<rows).map { _ in
                // Magnitudes from 2^-20 to 2^20, so the order of additions shows in a sum's last bits.
                random.next() % 17 == 0 ? nil
                    : Float(Int(random.next() % 2_000_000) - 1_000_000) * Float(sign: .plus, exponent: Int(random.next() % 41) - 40, significand: 1)
            }))
        }
        var writer = ParquetWriter(schema: LakeSchemas.sensor)
        try writer.write(columns)
        let folder = raw + "/" + LakeLayout.dayFolder(station: station, date: date)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let file = name ?? "data_\(LakeLayout.pad(boundaryMinute / 60, 2))\(LakeLayout.pad(boundaryMinute % 60, 2)).parquet"
        try ParquetFile.write(writer.finish(), to: folder + "/" + file, durable: false)
        return columns
    }

    var dayFile: String { daily + "/" + LakeLayout.dayFilePath(station: station, kind: "data", date: day) }

    func readDayFile() throws -> (columns: [ColumnValues], sources: DayFileSources?) {
        let reader = try ParquetFileReader(path: dayFile)
        var columns: [ColumnValues]? = nil
        for g in 0..<reader.rowGroupCount {
            let group = try reader.readRowGroup(g)
            columns = columns.map { zip($0, group).map { a, b in var a = a; a.append(b); return a } } ?? group
        }
        let text = reader.metadata.keyValueMetadata?.first { $0.key == DayFileSources.key }?.value
        return (columns ?? [], text.flatMap(DayFileSources.init(text:)))
    }

    func mtime(_ path: String) throws -> Date {
        try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as! Date
    }
}


/// The rows of several batches, sorted by time, as tuples of bit patterns for comparison.
func sortedRows(_ batches: [[ColumnValues]]) -> [[UInt64?]] {
    var rows: [[UInt64?]] = []
    for b in batches { rows += bitRows(b) }
    return rows.sorted { ($0[0] ?? .max) < ($1[0] ?? .max) }
}

func bitRows(_ columns: [ColumnValues]) -> [[UInt64?]] {
    let n = columns.first?.count ?? 0
    return (0..<n).map { i in
        columns.map { c -> UInt64? in
            switch c {
            case .int64(let v): v[i].map { UInt64(bitPattern: $0) }
            case .float(let v): v[i].map { UInt64($0.bitPattern) }
            case .double(let v): v[i].map { $0.bitPattern }
            case .int32(let v): v[i].map { UInt64(UInt32(bitPattern: $0)) }
            case .boolean(let v): v[i].map { $0 ? 1 : 0 }
            case .string(let v): v[i].map { UInt64(truncatingIfNeeded: $0.hashValue) }
            }
        }
    }
}

@Suite struct DayCompactorTests {
    @Test func aDayOfBatchesBecomesOneSortedFileHoldingExactlyTheirRows() async throws {
        let lakes = try Lakes()
        var batches: [[ColumnValues]] = []
        for q in 1...96 { batches.append(try lakes.writeBatch(boundaryMinute: (q * 15) % 1440)) }
        let report = try await lakes.run(try lakes.compactor())
        #expect(report.failed.isEmpty, "\(report.failed)")
        #expect(report.compacted == [LakeLayout.dayFilePath(station: station, kind: "data", date: day)])
        #expect(report.writes == 1 && report.batchFilesRead == 96 && report.rowsWritten == 96 * 180)
        let (columns, sources) = try lakes.readDayFile()
        #expect(bitRows(columns) == sortedRows(batches))
        // data_0000 (the quarter ending at midnight) sorts first by name but holds the last rows.
        let recorded = try #require(sources)
        #expect(recorded.sources.count == 96)
        #expect(recorded.sources.first?.name == "data_0000.parquet" && recorded.sources.first?.firstRow == 95 * 180)
        #expect(recorded.runs != nil)
        #expect(recorded.sources.allSatisfy { $0.rows == 180 && $0.size > 0 })
    }

    @Test func aSecondRunWithNothingNewWritesNothing() async throws {
        let lakes = try Lakes()
        for q in [1, 2, 3] { try lakes.writeBatch(boundaryMinute: q * 15) }
        let c = try lakes.compactor()
        #expect(try await lakes.run(c).writes == 1)
        let before = try lakes.mtime(lakes.dayFile)
        let again = try await lakes.run(c)
        #expect(again.writes == 0 && again.upToDate == 1 && again.compacted.isEmpty)
        // Even when every day file is read to compare its sources.
        var always = c
        always.alwaysCheck = true
        #expect(try await lakes.run(always).writes == 0)
        #expect(try lakes.mtime(lakes.dayFile) == before)
    }

    @Test func aDayThatIsNotOverIsLeftAlone() async throws {
        let lakes = try Lakes()
        try lakes.writeBatch(boundaryMinute: 15)
        let report = try await lakes.run(try lakes.compactor(now: { dayStart + 86_400_000 - 1 }))
        #expect(report.notClosed == 1 && report.writes == 0)
        #expect(!FileManager.default.fileExists(atPath: lakes.dayFile))
    }

    @Test func aLateBatchRecompactsItsDayAndARemovedBatchDoesNot() async throws {
        let lakes = try Lakes()
        var batches = [try lakes.writeBatch(boundaryMinute: 15), try lakes.writeBatch(boundaryMinute: 30)]
        let c = try lakes.compactor()
        #expect(try await lakes.run(c).writes == 1)
        // A batch uploaded late, after the day file was made.
        try await Task.sleep(for: .milliseconds(20))
        batches.append(try lakes.writeBatch(boundaryMinute: 45, name: "data_0045-1.parquet"))
        let late = try await lakes.run(c)
        #expect(late.replaced.count == 1 && late.writes == 1, "\(late)")
        #expect(bitRows(try lakes.readDayFile().columns) == sortedRows(batches))
        // Retention deleting a batch the day file holds changes nothing.
        try FileManager.default.removeItem(atPath: lakes.raw + "/" + LakeLayout.dayFolder(station: station, date: day) + "/data_0015.parquet")
        var always = c
        always.alwaysCheck = true
        #expect(try await lakes.run(always).writes == 0)
        #expect(bitRows(try lakes.readDayFile().columns) == sortedRows(batches))
    }

    @Test func aDayFileThatDoesNotReadBackExactlyIsRemovedAndReported() async throws {
        let lakes = try Lakes()
        try lakes.writeBatch(boundaryMinute: 15)
        try lakes.writeBatch(boundaryMinute: 30)
        let lossy = DroppingLastRowStore(base: try LocalDirectoryObjectStore(root: lakes.daily))
        let report = try await lakes.run(try lakes.compactor(target: lossy))
        #expect(report.compacted.isEmpty && report.writes == 1)
        let failure = try #require(report.failed.first)
        #expect(failure.day == LakeLayout.dayFolder(station: station, date: day))
        #expect(failure.reason.contains("failed verification") && failure.reason.contains("359 rows read back, the batch files hold 360"), "\(failure.reason)")
        #expect(!FileManager.default.fileExists(atPath: lakes.dayFile))
    }

    @Test func aValueChangedOnTheWayIsCaughtByTheColumnCheck() async throws {
        let lakes = try Lakes()
        try lakes.writeBatch(boundaryMinute: 15)
        let store = ChangingOneValueStore(base: try LocalDirectoryObjectStore(root: lakes.daily))
        let report = try await lakes.run(try lakes.compactor(target: store))
        let failure = try #require(report.failed.first)
        #expect(failure.reason.contains("column 'pm25'"), "\(failure.reason)")
        #expect(!FileManager.default.fileExists(atPath: lakes.dayFile))
    }

    @Test func aBatchOfTheWrongTypeFailsTheDayNamingFileAndColumn() async throws {
        let lakes = try Lakes()
        try lakes.writeBatch(boundaryMinute: 15)
        let schema = Schema(LakeSchemas.sensor.columns.map { $0.name == "pm25" ? Column("pm25", .double) : $0 })
        var writer = ParquetWriter(schema: schema)
        try writer.write(schema.columns.map { c in
            c.name == "timestamp" ? .int64([dayStart + 1_000_000]) : c.type == .double ? .double([1]) : .float([1])
        })
        let folder = lakes.raw + "/" + LakeLayout.dayFolder(station: station, date: day)
        try ParquetFile.write(writer.finish(), to: folder + "/data_0030.parquet", durable: false)
        let report = try await lakes.run(try lakes.compactor())
        let failure = try #require(report.failed.first)
        #expect(failure.reason.contains("data_0030.parquet") && failure.reason.contains("column 'pm25' is double, expected float"), "\(failure.reason)")
        #expect(report.writes == 0)
    }

    @Test func theSameEngineRunsOverAnyObjectStore() async throws {
        let lakes = try Lakes()
        var batches: [[ColumnValues]] = []
        for q in [4, 5] { batches.append(try lakes.writeBatch(boundaryMinute: q * 15)) }
        // A raw lake copied into a memory store (a bucket's stand-in), compacted into another.
        let raw = InMemoryObjectStore(), daily = InMemoryObjectStore()
        for try await meta in try LocalDirectoryObjectStore(root: lakes.raw).listAll() {
            try await raw.put(meta.path, bytes: try LocalDirectoryObjectStore(root: lakes.raw).get(meta.path).bytes)
        }
        try await raw.put(ObjectPath("notes.txt"), bytes: Array("not a batch".utf8))
        let c = DayCompactor(source: raw, target: daily, isReady: DayCompactor.closed(now: afterTheDay))
        let days = try await c.days()
        #expect(days.count == 1 && days[0].sources.count == 2)
        let report = await c.run(days)
        #expect(report.compacted.count == 1 && report.failed.isEmpty)
        let bytes = try await daily.get(ObjectPath(report.compacted[0])).bytes
        let reader = try ParquetFileReader(bytes: bytes)
        #expect(bitRows(try reader.readRowGroup(0)) == sortedRows(batches))
        #expect(await c.run(try await c.days()).writes == 0)
    }

    @Test func healthDaysKeepTheirStringsAndBooleans() async throws {
        let lakes = try Lakes()
        let schema = LakeSchemas.health
        let folder = lakes.raw + "/" + LakeLayout.dayFolder(station: station, date: day)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var all: [[ColumnValues]] = []
        for (q, name) in [(2, "health_0030.parquet"), (1, "health_0015.parquet")] {
            let t = (0..<15).map { Int64?(dayStart + Int64(q - 1) * 900_000 + Int64($0) * 60_000) }
            let columns: [ColumnValues] = schema.columns.map { c in
                switch c.type {
                case .timestampMillisUTC: .int64(t)
                case .double: .double(t.map { Double($0! % 997) / 7 })
                case .int32: .int32(t.map { _ in -61 })
                case .boolean: .boolean(t.map { $0! % 2 == 0 ? true : nil })
                default: .string(t.map { "ssid-\($0! % 5)" })
                }
            }
            var writer = ParquetWriter(schema: schema)
            try writer.write(columns)
            try ParquetFile.write(writer.finish(), to: folder + "/" + name, durable: false)
            all.append(columns)
        }
        let c = try lakes.compactor(kind: .health)
        let report = try await lakes.run(c)
        #expect(report.compacted == [LakeLayout.dayFilePath(station: station, kind: "health", date: day)], "\(report.failed)")
        let reader = try ParquetFileReader(path: lakes.daily + "/" + report.compacted[0])
        #expect(bitRows(try reader.readRowGroup(0)) == sortedRows(all))
        // A data compaction of the same lake finds no data batches.
        #expect(try await lakes.run(try lakes.compactor()).writes == 0)
    }

    @Test func dayFileSourcesRoundTripAndDecideStaleness() throws {
        let s = DayFileSources([
            .init(name: "data_0000.parquet", size: 10, eTag: "a", rows: 2, firstRow: 3),
            .init(name: "data_0015.parquet", size: 11, eTag: "", rows: 3, firstRow: 0),
        ])
        #expect(DayFileSources(text: s.text) == s)
        #expect(s.runs == [3..<5, 0..<3])
        #expect(s.covers([("data_0015.parquet", 11)]))
        #expect(!s.covers([("data_0015.parquet", 12)]))
        #expect(!s.covers([("data_0015.parquet", 11), ("data_0030.parquet", 5)]))
        #expect(DayFileSources(text: "data_0000.parquet\tx\t\t1\t0") == nil)
        var interleaved = s
        interleaved.sources[0].firstRow = nil
        #expect(interleaved.runs == nil)
        #expect(LakeLayout.parse(LakeLayout.dayFilePath(station: station, kind: "data", date: day)) == nil)
        #expect(LakeLayout.dailyRoot(of: "/var/lib/opensensor/output/") == "/var/lib/opensensor/output-daily")
    }
}

/// A store that keeps all but the last row of every Parquet file put into it.
final class DroppingLastRowStore: ObjectStore, @unchecked Sendable {
    let base: any ObjectStore
    init(base: any ObjectStore) { self.base = base }
    var description: String { "lossy \(base)" }
    func put(_ path: ObjectPath, bytes: [UInt8], mode: PutMode) async throws -> PutResult {
        try await base.put(path, bytes: try rewrite(bytes) { columns in columns.map { $0.dropLast() } }, mode: mode)
    }
    func head(_ path: ObjectPath) async throws -> ObjectMeta { try await base.head(path) }
    func get(_ path: ObjectPath, range: ByteRange?) async throws -> GetResult { try await base.get(path, range: range) }
    func list(prefix: String, continuation: String?, maxKeys: Int) async throws -> ObjectListPage {
        try await base.list(prefix: prefix, continuation: continuation, maxKeys: maxKeys)
    }
    func delete(_ path: ObjectPath) async throws { try await base.delete(path) }
}

/// A store that changes the first non-null pm25 value of every Parquet file put into it.
final class ChangingOneValueStore: ObjectStore, @unchecked Sendable {
    let base: any ObjectStore
    init(base: any ObjectStore) { self.base = base }
    var description: String { "changing \(base)" }
    func put(_ path: ObjectPath, bytes: [UInt8], mode: PutMode) async throws -> PutResult {
        let pm25 = LakeSchemas.sensor.index(of: "pm25")!
        return try await base.put(path, bytes: try rewrite(bytes) { columns in
            var columns = columns
            if case .float(var v) = columns[pm25], let i = v.firstIndex(where: { $0 != nil }) {
                v[i] = v[i]! + 1
                columns[pm25] = .float(v)
            }
            return columns
        }, mode: mode)
    }
    func head(_ path: ObjectPath) async throws -> ObjectMeta { try await base.head(path) }
    func get(_ path: ObjectPath, range: ByteRange?) async throws -> GetResult { try await base.get(path, range: range) }
    func list(prefix: String, continuation: String?, maxKeys: Int) async throws -> ObjectListPage {
        try await base.list(prefix: prefix, continuation: continuation, maxKeys: maxKeys)
    }
    func delete(_ path: ObjectPath) async throws { try await base.delete(path) }
}

func rewrite(_ bytes: [UInt8], _ change: ([ColumnValues]) -> [ColumnValues]) throws -> [UInt8] {
    let reader = try ParquetFileReader(bytes: bytes)
    var columns: [ColumnValues]? = nil
    for g in 0..<reader.rowGroupCount {
        let group = try reader.readRowGroup(g)
        columns = columns.map { zip($0, group).map { a, b in var a = a; a.append(b); return a } } ?? group
    }
    var writer = ParquetWriter(schema: LakeSchemas.sensor)
    try writer.write(change(columns ?? []))
    return writer.finish(keyValueMetadata: reader.metadata.keyValueMetadata ?? [])
}

extension ColumnValues {
    func dropLast() -> ColumnValues {
        switch self {
        case .boolean(let v): .boolean(Array(v.dropLast()))
        case .int32(let v): .int32(Array(v.dropLast()))
        case .int64(let v): .int64(Array(v.dropLast()))
        case .float(let v): .float(Array(v.dropLast()))
        case .double(let v): .double(Array(v.dropLast()))
        case .string(let v): .string(Array(v.dropLast()))
        }
    }
}
