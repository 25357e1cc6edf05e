import Foundation
import Testing
import Parquet
@testable import Lake
import TestSupport

/// A lake in a fresh temporary folder, written with the Parquet writer as the collector would.
final class TempLake {
    let root: String

    init() throws {
        root = NSTemporaryDirectory() + "opensensor-query-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    /// Writes a sensor file under the partition of `rows`' first time (or `partitionMillis`).
    /// Columns of the schema not in `values` are null.
    @discardableResult
    func writeData(station: String, times: [Int64?], values: [String: [Float?]], name: String? = nil,
                   partitionMillis: Int64? = nil, schema: Schema = LakeSchemas.sensor, rowGroup: Int? = nil) throws -> String {
        let columns: [ColumnValues] = schema.columns.map { c in
            if c.name == "timestamp" { return .int64(times) }
            return .float(values[c.name] ?? Array(repeating: nil, count: times.count))
        }
        return try write(schema, columns, station: station, at: partitionMillis ?? times.compactMap { $0 }.first!, prefix: "data",
                         name: name, rowGroup: rowGroup)
    }

    func write(_ schema: Schema, _ columns: [ColumnValues], station: String, at millis: Int64, prefix: String,
               name: String? = nil, rowGroup: Int? = nil) throws -> String {
        var options = WriterOptions()
        if let rowGroup { options.maxRowsPerRowGroup = rowGroup }
        var writer = ParquetWriter(schema: schema, options: options)
        try writer.write(columns)
        let dir = LakeLayout.partition(station: station, millis: millis)
        let file = name ?? LakeLayout.fileName(stem: LakeLayout.stem(prefix: prefix, boundaryMillis: millis - millis % 900_000 + 900_000), attempt: 0)
        try FileManager.default.createDirectory(atPath: root + "/" + dir, withIntermediateDirectories: true)
        try ParquetFile.write(writer.finish(), to: root + "/" + dir + "/" + file, durable: false)
        return dir + "/" + file
    }

    /// Puts `bytes` at a relative path, creating folders.
    func put(_ rel: String, _ bytes: [UInt8]) throws {
        let path = root + "/" + rel
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}


/// The answer computed the obvious way, row by row, to check the engine against.
struct Reference {
    struct Cell { var n = 0, sum = 0.0, lo = Double.infinity, hi = -Double.infinity }
    var groups: [String: (count: Int64, cells: [Cell])] = [:]

    static func key(_ station: String, _ bucket: Int64) -> String { "\(station)|\(bucket)" }

    mutating func add(station: String, time: Int64, values: [Float?], from: Int64?, to: Int64?, every: Int64) {
        if let from, time < from { return }
        if let to, time >= to { return }
        var bucket = time / every * every
        if bucket > time { bucket -= every }
        let k = Self.key(station, bucket)
        var g = groups[k] ?? (0, Array(repeating: Cell(), count: values.count))
        g.count += 1
        for (i, v) in values.enumerated() {
            guard let v else { continue }
            g.cells[i].n += 1
            g.cells[i].sum += Double(v)
            g.cells[i].lo = min(g.cells[i].lo, Double(v))
            g.cells[i].hi = max(g.cells[i].hi, Double(v))
        }
        groups[k] = g
    }

    func check(_ result: QueryResult, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.groups.count == groups.count, sourceLocation: sourceLocation)
        for g in result.groups {
            guard let r = groups[Self.key(g.station, g.start)] else {
                Issue.record("unexpected group \(g.station) \(g.start)", sourceLocation: sourceLocation)
                continue
            }
            #expect(g.count == r.count, sourceLocation: sourceLocation)
            for (a, c) in zip(g.aggregates, r.cells) {
                #expect(a.count == Int64(c.n), sourceLocation: sourceLocation)
                if c.n == 0 {
                    #expect(a.average == nil && a.minimum == nil && a.maximum == nil, sourceLocation: sourceLocation)
                } else {
                    let avg = c.sum / Double(c.n)
                    #expect(abs(a.average! - avg) <= 1e-12 * max(1, abs(avg)), sourceLocation: sourceLocation)
                    #expect(a.minimum == c.lo && a.maximum == c.hi, sourceLocation: sourceLocation)
                }
            }
        }
        let keys = result.groups.map { ($0.station, $0.start) }
        #expect(zip(keys, keys.dropFirst()).allSatisfy { $0 < $1 }, "sorted by station, then time", sourceLocation: sourceLocation)
    }
}

let june1: Int64 = 1_748_736_000_000  // 2025-06-01T00:00:00Z

@Suite struct QueryEngineTests {
    @Test(arguments: ["15m", "1h", "3h", "1d"])
    func matchesRowByRowReference(every: String) throws {
        let lake = try TempLake()
        let names = ["temperature", "pm25"]
        let width = try #require(BucketWidth(parsing: every))
        let from = june1 + 5 * 3_600_000 + 123, to = june1 + 86_400_000 + 7 * 3_600_000 + 7 * 60_000
        var all = Reference(), ranged = Reference()
        var rng = SplitMix64(state: 42)
        for station in ["st-b", "st-a"] {
            for batch in 0..<(2 * 96) {
                let start = june1 + Int64(batch) * 900_000
                var times: [Int64?] = [], cols: [String: [Float?]] = [:]
                for k in 0..<12 {
                    let t = start + Int64(k) * 75_000 + Int64.random(in: 0..<1000, using: &rng)
                    times.append(t)
                    var row: [Float?] = []
                    for c in names {
                        let v: Float? = Int.random(in: 0..<10, using: &rng) == 0 ? nil : Float.random(in: -40...120, using: &rng)
                        cols[c, default: []].append(v)
                        row.append(v)
                    }
                    all.add(station: station, time: t, values: row, from: nil, to: nil, every: width.millis)
                    ranged.add(station: station, time: t, values: row, from: from, to: to, every: width.millis)
                }
                try lake.writeData(station: station, times: times, values: cols)
            }
        }
        // The values run past the plausible temperatures: this is the engine's arithmetic, not
        // its rules (PlausibilityTests.swift).
        let engine = QueryEngine(root: lake.root, workers: 3)
        let whole = try engine.run(LakeQuery(every: width, columns: names, keepImplausible: true))
        all.check(whole)
        // Files are merged in path order whatever the thread count: the same answer, bit for bit.
        #expect(try QueryEngine(root: lake.root, workers: 1).run(LakeQuery(every: width, columns: names, keepImplausible: true)).groups == whole.groups)
        let r = try engine.run(LakeQuery(from: from, to: to, every: width, columns: names, keepImplausible: true))
        ranged.check(r)
        #expect(r.partitionsPruned == 0 && r.rowGroupsPruned > 0, "both days can hold the range; batches outside it are pruned by statistics")
    }

    @Test func nullsAreIgnoredAndAnAllNullColumnHasNoAverage() throws {
        let lake = try TempLake()
        try lake.writeData(station: "s", times: [june1, june1 + 5000, june1 + 10_000],
                           values: ["temperature": [1, nil, 2], "lux": [nil, nil, nil]])
        let r = try QueryEngine(root: lake.root).run(LakeQuery(columns: ["temperature", "lux"]))
        let g = try #require(r.groups.first)
        #expect(r.groups.count == 1 && g.count == 3 && g.start == june1)
        #expect(g.aggregates[0].average == 1.5 && g.aggregates[0].minimum == 1 && g.aggregates[0].maximum == 2)
        #expect(g.aggregates[1].count == 0 && g.aggregates[1].average == nil && g.aggregates[1].maximum == nil)
        var csv: [String] = []
        QueryOutput.write(r, as: .csv) { csv.append($0) }
        #expect(csv == ["station,time,count,temperature_avg,temperature_min,temperature_max,lux_avg,lux_min,lux_max",
                        "s,2025-06-01T00:00:00.000Z,3,1.5,1.0,2.0,,,"])
    }

    @Test func fromIsInclusiveAndToExclusive() throws {
        let lake = try TempLake()
        let ts = (0..<6).map { june1 + Int64($0) * 60_000 }
        try lake.writeData(station: "s", times: ts, values: ["pm25": ts.indices.map { Float($0) }])
        let r = try QueryEngine(root: lake.root).run(LakeQuery(from: ts[1], to: ts[4], columns: ["pm25"]))
        #expect(r.groups.map(\.count) == [3])
        #expect(r.groups.first?.aggregates.first.map { ($0.minimum, $0.maximum) } ?? (nil, nil) == (1, 3))
    }

    @Test func columnsAreMatchedByNameAndMissingOnesAreNull() throws {
        let lake = try TempLake()
        // pyarrow and the Python collector may order columns differently, or lack one.
        let odd = Schema([Column("pm25", .float), Column("temperature", .double), Column("timestamp", .timestampMillisUTC)])
        var w = ParquetWriter(schema: odd)
        try w.write([.float([7, 9]), .double([20.5, nil]), .int64([june1 + 1000, june1 + 2000])])
        try lake.put("station=s/year=2025/month=06/day=01/data_0015.parquet", w.finish())
        let r = try QueryEngine(root: lake.root).run(LakeQuery(columns: ["temperature", "pm25", "humidity"]))
        let g = try #require(r.groups.first)
        #expect(g.count == 2)
        #expect(g.aggregates.map(\.average) == [20.5, 8, nil])
        #expect(r.skipped.isEmpty)
    }

    @Test func unreadableFilesAreSkippedAndNamed() throws {
        let lake = try TempLake()
        try lake.writeData(station: "s", times: [june1 + 1000], values: ["temperature": [10]])
        let bad = "station=s/year=2025/month=06/day=01/data_0030.parquet"
        try lake.put(bad, Array("PAR1 this is not parquet".utf8))
        // A file with a text column where a number is expected.
        let textual = Schema([Column("timestamp", .timestampMillisUTC), Column("temperature", .string)])
        var w = ParquetWriter(schema: textual)
        try w.write([.int64([june1 + 2000]), .string(["warm"])])
        try lake.put("station=s/year=2025/month=06/day=01/data_0045.parquet", w.finish())
        // Not in the layout: ignored, not reported.
        try lake.put("station=s/year=2025/month=06/day=01/notes.txt", [1, 2, 3])

        var heard: [String] = []
        let r = try QueryEngine(root: lake.root).run(LakeQuery(columns: ["temperature"]), skipped: { heard.append($0.path) })
        #expect(r.skipped.map(\.path) == [bad, "station=s/year=2025/month=06/day=01/data_0045.parquet"])
        #expect(heard == r.skipped.map(\.path))
        #expect(r.skipped[1].reason.contains("'temperature'") && r.skipped[1].reason.contains("not a number"))
        #expect(r.groups.map(\.count) == [1] && r.groups[0].aggregates[0].average == 10)
    }

    @Test func partitionsOutsideTheRangeAreNeverOpened() throws {
        let lake = try TempLake()
        try lake.writeData(station: "s", times: [june1 + 86_400_000 * 3 + 1000], values: ["temperature": [1]])
        // Corrupt files in partitions a query must not open: found only if opened.
        let garbage = Array("garbage".utf8)
        for rel in ["station=s/year=2025/month=06/day=01/data_0015.parquet",    // two days before: pruned
                    "station=s/year=2025/month=06/day=05/data_0015.parquet",    // on 'to': pruned
                    "station=s/year=2024/month=06/day=04/data_0015.parquet",    // another year
                    "station=s/year=2025/month=05/day=04/data_0015.parquet",    // another month
                    "station=other/year=2025/month=06/day=04/data_0015.parquet"] { // another station
            try lake.put(rel, garbage)
        }
        let q = LakeQuery(stations: ["s"], from: june1 + 86_400_000 * 3, to: june1 + 86_400_000 * 4, columns: ["temperature"])
        let r = try QueryEngine(root: lake.root).run(q)
        #expect(r.skipped.isEmpty, "\(r.skipped)")
        #expect(r.groups.map(\.count) == [1])
        #expect(r.partitionsPruned == 5)
        // The day before the range is kept: its last batch may run past midnight.
        try lake.put("station=s/year=2025/month=06/day=03/data_0015.parquet", garbage)
        #expect(try QueryEngine(root: lake.root).run(q).skipped.count == 1)
    }

    @Test func aBatchCrossingMidnightCountsInTheNextDay() throws {
        let lake = try TempLake()
        let midnight = june1 + 86_400_000
        // Filed under June 1 (its first reading), two readings on June 2.
        try lake.writeData(station: "s", times: [midnight - 5000, midnight, midnight + 5000],
                           values: ["temperature": [1, 2, 3]], name: "data_0000.parquet")
        let r = try QueryEngine(root: lake.root).run(LakeQuery(from: midnight, every: .day, columns: ["temperature"]))
        #expect(r.groups.map(\.start) == [midnight] && r.groups.map(\.count) == [2])
        #expect(r.groups.first?.aggregates.first?.average == 2.5)
    }

    @Test func rowGroupsOutsideTheRangeAreNotRead() throws {
        let lake = try TempLake()
        let ts = (0..<100).map { june1 + Int64($0) * 5000 }
        try lake.writeData(station: "s", times: ts, values: ["temperature": ts.indices.map { Float($0) }], rowGroup: 10)
        let r = try QueryEngine(root: lake.root).run(LakeQuery(from: ts[25], to: ts[45], columns: ["temperature"]))
        #expect(r.rowGroupsRead == 3 && r.rowGroupsPruned == 7)
        #expect(r.groups.map(\.count) == [20])
        #expect(r.groups.first?.aggregates.first.map { [$0.minimum, $0.maximum] } == [25, 44])
    }

    @Test func nanSortsAboveEveryNumberAsInDuckDB() throws {
        let lake = try TempLake()
        try lake.writeData(station: "s", times: [june1, june1 + 1, june1 + 2], values: ["pm25": [3, .nan, -1]])
        let a = try #require(try QueryEngine(root: lake.root).run(LakeQuery(columns: ["pm25"])).groups.first?.aggregates.first)
        #expect(a.minimum == -1 && a.maximum?.isNaN == true && a.average?.isNaN == true)
    }

    @Test func healthFilesHaveTheirOwnColumns() throws {
        let lake = try TempLake()
        let n = 3
        let columns: [ColumnValues] = LakeSchemas.health.columns.map { c in
            switch c.type {
            case .timestampMillisUTC: .int64((0..<n).map { june1 + Int64($0) * 60_000 })
            case .double: .double((0..<n).map { c.name == "cpu_temp_c" ? 40 + Double($0) : nil })
            case .int32: .int32([-60, nil, -70])
            case .boolean: .boolean([true, true, false])
            default: .string(["wifi", nil, "x"])
            }
        }
        _ = try lake.write(LakeSchemas.health, columns, station: "s", at: june1, prefix: "health")
        try lake.writeData(station: "s", times: [june1], values: [:])  // A data file: not read by a health query.
        let r = try QueryEngine(root: lake.root).run(LakeQuery(kind: .health, columns: ["cpu_temp_c", "wifi_signal_dbm"]))
        let g = try #require(r.groups.first)
        #expect(r.groups.count == 1 && g.count == 3)
        #expect(g.aggregates.map(\.average) == [41, -65] && g.aggregates[1].minimum == -70)
        var csv: [String] = []
        QueryOutput.write(r, as: .csv) { csv.append($0) }
        #expect(csv.last == "s,2025-06-01T00:00:00.000Z,3,41.0,40.0,42.0,-65.0,-70,-60")
        // Default columns: every numeric health column, none of the text or boolean ones.
        let all = try LakeQuery(kind: .health).resolvedColumns().map(\.name)
        #expect(all.count == 16 && all.contains("wifi_signal_dbm") && !all.contains("clock_synced") && !all.contains("timestamp"))
    }

    @Test func aMissingLakeIsAnError() {
        #expect { _ = try QueryEngine(root: "/nonexistent/opensensor-lake").run(LakeQuery()) } throws: {
            "\($0)".contains("/nonexistent/opensensor-lake")
        }
    }
}

@Suite struct QueryArgumentTests {
    @Test(arguments: [("15m", Int64(900_000)), ("1h", 3_600_000), ("1d", 86_400_000), ("90m", 5_400_000),
                      ("3h", 10_800_000), ("1min", 60_000), ("24h", 86_400_000), ("1440m", 86_400_000)])
    func bucketWidths(text: String, millis: Int64) throws {
        let w = try #require(BucketWidth(parsing: text))
        #expect(w.millis == millis)
        #expect(BucketWidth(parsing: w.description) == w)
    }

    @Test(arguments: ["7m", "0m", "25h", "2d", "h", "1", "1x", "-1h", "1.5h", "", "99999999999m"])
    func refusedWidths(text: String) {
        #expect(BucketWidth(parsing: text) == nil)
    }

    @Test func bucketsAreAlignedToUTCMidnightAlsoBefore1970() throws {
        let w = try #require(BucketWidth(parsing: "90m"))
        #expect(w.start(of: june1 + 89 * 60_000) == june1 && w.start(of: june1 + 90 * 60_000) == june1 + 5_400_000)
        #expect(w.start(of: -1) == -5_400_000)
    }

    @Test func unknownAndNonNumericColumnsAreNamed() {
        #expect { _ = try LakeQuery(columns: ["temprature"]).resolvedColumns() } throws: {
            let s = "\($0)"
            return s.hasPrefix("no column 'temprature' (did you mean 'temperature'?); columns are timestamp, temperature,")
        }
        #expect { _ = try LakeQuery(kind: .health, columns: ["wifi_ssid"]).resolvedColumns() } throws: {
            "\($0)".contains("column 'wifi_ssid' is a string column; only numeric columns can be aggregated: cpu_temp_c")
        }
        #expect { _ = try LakeQuery(columns: ["timestamp"]).resolvedColumns() } throws: { "\($0)".contains("'timestamp' is the time column") }
        #expect { _ = try LakeQuery(columns: ["pm25", "pm25"]).resolvedColumns() } throws: { "\($0)".contains("given twice") }
        #expect(throws: QueryError.self) { try LakeQuery(from: 10, to: 10).validate() }
    }

    @Test func defaultColumnsAreEveryNumericSensorColumn() throws {
        let names = try LakeQuery().resolvedColumns().map(\.name)
        #expect(names == LakeSchemas.sensor.columns.dropFirst().map(\.name))
    }

    @Test func timesAcceptADay() {
        #expect(LakeQuery.parseTime("2025-06-01") == june1)
        #expect(LakeQuery.parseTime("2025-06-01T00:00:00.001Z") == june1 + 1)
        #expect(LakeQuery.parseTime("2025-06-31") == nil && LakeQuery.parseTime("yesterday") == nil)
    }
}

@Suite struct QueryOutputTests {
    func result() -> QueryResult {
        var a = Aggregate(), b = Aggregate()
        for v in [21.299999237060547, 22.5] { a.add(v) }  // The FLOAT 21.3, widened.
        b.add(1e-7)
        let columns = [Column("temperature", .float), Column("ntp_offset_ms", .double)]
        return QueryResult(query: LakeQuery(), columns: columns, groups: [
            QueryGroup(station: "a,b", start: june1, count: 2, aggregates: [a, Aggregate()]),
            QueryGroup(station: "c", start: june1 + 3_600_000, count: 12345, aggregates: [Aggregate(), b]),
        ])
    }

    @Test func csvUsesShortestTextAndQuotes() {
        var lines: [String] = []
        QueryOutput.write(result(), as: .csv) { lines.append($0) }
        #expect(lines.count == 3)
        let cells = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        #expect(cells[0] == "\"a" && cells[1] == "b\"", "a station with a comma is quoted")
        #expect(Float(cells[5]) == Float(21.299999237060547) && cells[5] == "21.3")
        #expect(Double(cells[4]) == (21.299999237060547 + 22.5) / 2)
        #expect(lines[2].hasSuffix(",1e-07,1e-07,1e-07"))
    }

    @Test func jsonIsOneParseableObjectPerLine() throws {
        var lines: [String] = []
        QueryOutput.write(result(), as: .json) { lines.append($0) }
        #expect(lines.count == 2)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(first["station"] as? String == "a,b" && first["time"] as? String == "2025-06-01T00:00:00.000Z")
        #expect(first["count"] as? Int == 2 && first["temperature_max"] as? Double == 22.5)
        #expect(first["ntp_offset_ms_avg"] is NSNull)
        #expect(first.count == 3 + 2 * 3)
    }

    @Test func tableIsAligned() {
        var lines: [String] = []
        QueryOutput.write(result(), as: .table) { lines.append($0) }
        #expect(lines.count == 4)
        #expect(lines[0].hasPrefix("station  time") && lines[1].hasPrefix("-------  ----"))
        // Right-aligned numbers: the count column ends at the same place in every row.
        let end = lines[0].range(of: "count")!.upperBound.utf16Offset(in: lines[0])
        for l in lines[2...] { #expect(l.prefix(end).hasSuffix(l.contains("12345") ? "12345" : "2")) }
        #expect(lines[2].contains("21.90"), "averages rounded for reading")
        var empty = result()
        empty.groups = []
        lines = []
        QueryOutput.write(empty, as: .table) { lines.append($0) }
        #expect(lines == ["no readings matched"])
    }

    @Test(arguments: [(21.374, "21.37"), (-0.5, "-0.50"), (-1.254, "-1.25"), (0, "0.00"), (1e-5, "1e-05"), (1e17, "1e+17")])
    func rounding(v: Double, text: String) {
        #expect(QueryOutput.rounded(v) == text)
    }
}

@Suite struct QueryCacheTests {
    /// Five days of batches, one station, a reading every 5 minutes.
    func lake() throws -> TempLake {
        let lake = try TempLake()
        var rng = SplitMix64(state: 7)
        for batch in 0..<(5 * 96) {
            let start = june1 + Int64(batch) * 900_000
            let times: [Int64?] = (0..<3).map { start + Int64($0) * 300_000 }
            try lake.writeData(station: "s", times: times,
                               values: ["temperature": (0..<3).map { _ in Float.random(in: -10...30, using: &rng) }])
        }
        return lake
    }

    @Test(arguments: ["30m", "2h", "6h"])
    func wholeDaysComeFromTheCacheWithTheSameAnswerBitForBit(every: String) throws {
        let lake = try lake()
        let width = try #require(BucketWidth(parsing: every))
        // Mid-day 0 to mid-day 4: days 1, 2 and 3 are whole.
        let q = LakeQuery(from: june1 + 12 * 3_600_000, to: june1 + 4 * 86_400_000 + 12 * 3_600_000, every: width, columns: ["temperature"])
        var reference = Reference()
        for batch in 0..<(5 * 96) {
            let r = try ParquetFileReader(path: lake.root + "/" + LakeLayout.partition(station: "s", millis: june1 + Int64(batch) * 900_000)
                + "/" + LakeLayout.fileName(stem: LakeLayout.stem(prefix: "data", boundaryMillis: june1 + Int64(batch + 1) * 900_000), attempt: 0))
            guard case .int64(let ts) = try r.readColumn(rowGroup: 0, column: 0),
                  case .float(let v) = try r.readColumn(rowGroup: 0, column: r.column(named: "temperature")!.index) else { throw QueryError("?") }
            for (t, x) in zip(ts, v) { reference.add(station: "s", time: t!, values: [x], from: q.from, to: q.to, every: width.millis) }
        }
        let plain = try QueryEngine(root: lake.root, workers: 2).run(q)
        reference.check(plain)
        let cache = QueryCache()
        let first = try QueryEngine(root: lake.root, workers: 2, cache: cache).run(q)
        #expect(cache.count == 3)
        let second = try QueryEngine(root: lake.root, workers: 1, cache: cache).run(q)
        #expect(first.groups == plain.groups && second.groups == plain.groups)
        #expect(second.rowGroupsRead == 2 * 48, "only the two half days are read again")

        // A late batch lands in day 2: that day is read again, and the answer includes it.
        try lake.writeData(station: "s", times: [june1 + 2 * 86_400_000 + 60_000], values: ["temperature": [84]],
                           name: "data_0015-1.parquet")
        let third = try QueryEngine(root: lake.root, workers: 2, cache: cache).run(q)
        #expect(third.groups == (try QueryEngine(root: lake.root).run(q)).groups)
        #expect(third.groups.contains { $0.aggregates[0].maximum == 84 })
        #expect(third.rowGroupsRead == 2 * 48 + 97)
    }

    @Test func unalignedRangesAndFailedDaysAreNotCached() throws {
        let lake = try lake()
        let cache = QueryCache()
        _ = try QueryEngine(root: lake.root, cache: cache).run(LakeQuery(from: june1 + 1, to: june1 + 5 * 86_400_000, every: .hour, columns: ["temperature"]))
        #expect(cache.count == 0)
        try lake.put(LakeLayout.partition(station: "s", millis: june1 + 86_400_000) + "/data_0001.parquet", Array("broken".utf8))
        let r = try QueryEngine(root: lake.root, cache: cache).run(LakeQuery(from: june1, to: june1 + 5 * 86_400_000, every: .hour, columns: ["temperature"]))
        #expect(r.skipped.count == 1)
        #expect(cache.count == 4, "every whole day but the one with the broken file")
    }

    @Test func theLeastRecentlyUsedDayGoesFirst() throws {
        let lake = try lake()
        let cache = QueryCache(capacity: 2)
        let engine = QueryEngine(root: lake.root, cache: cache)
        _ = try engine.run(LakeQuery(from: june1, to: june1 + 5 * 86_400_000, every: .hour, columns: ["temperature"]))
        #expect(cache.count == 2)
    }
}
