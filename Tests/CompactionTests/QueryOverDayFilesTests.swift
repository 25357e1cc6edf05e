import Foundation
import Testing
import CivilTime
import Lake
import ObjectStore
import Parquet
import TestSupport
@testable import Compaction

/// A query answer reduced to bits, so two answers compare exactly (NaN included).
func bits(_ r: QueryResult) -> [String] {
    r.groups.map { g in
        "\(g.station) \(g.start) \(g.count) " + g.aggregates.map { a in
            "\(a.count):\(a.sum.bitPattern):\(a.minimum?.bitPattern ?? 0):\(a.maximum?.bitPattern ?? 0)"
        }.joined(separator: ",")
    }
}

@Suite struct QueryOverDayFilesTests {
    /// Three days of batches; queries of several widths and ranges, interior and cut.
    func queries() -> [LakeQuery] {
        let d0 = dayStart - 86_400_000
        return [
            LakeQuery(every: .hour),
            LakeQuery(every: .quarterHour),
            LakeQuery(every: .day),
            LakeQuery(every: BucketWidth(parsing: "90m")!),
            LakeQuery(from: d0 + 3_600_000, to: dayStart + 86_400_000 + 7_200_000, every: .hour),
            LakeQuery(from: d0 + 1_234_567, to: dayStart + 55_555_555, every: .quarterHour, columns: ["pm25", "temperature"]),
        ]
    }

    func run(_ root: String, _ q: LakeQuery, daily: Bool = true) throws -> QueryResult {
        var engine = QueryEngine(root: root, workers: 2)
        if !daily { engine.dailyRoot = nil }
        return try engine.run(q)
    }

    @Test func answersOverDayFilesAreIdenticalToAnswersOverBatchFiles() async throws {
        let lakes = try Lakes()
        let dates = [-1, 0, 1].map { CivilDate(daysSince1970: day.daysSince1970 + $0) }
        for date in dates {
            for q in stride(from: 1, through: 96, by: 1) where q % 7 != 3 {
                try lakes.writeBatch(boundaryMinute: (q * 15) % 1440, rows: 150 + q % 30, date: date)
            }
        }
        let before = try queries().map { bits(try run(lakes.raw, $0)) }
        #expect(before.allSatisfy { !$0.isEmpty })

        // The sibling lake is where the query looks by default.
        let daily = LakeLayout.dailyRoot(of: lakes.raw)
        try FileManager.default.createDirectory(atPath: daily, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: daily) }
        let c = DayCompactor(source: try LocalDirectoryObjectStore(root: lakes.raw), target: try LocalDirectoryObjectStore(root: daily),
                             options: DayCompactor.defaultOptions, workers: 3, isReady: DayCompactor.closed(now: { dayStart + 86_400_000 }))
        let report = await c.run(try await c.days())
        #expect(report.compacted.count == 2 && report.notClosed == 1, "\(report)")

        for (q, expected) in zip(queries(), before) {
            #expect(try bits(run(lakes.raw, q)) == expected, "\(q)")
        }
        // The day files are what was read: with the compacted days' batch files gone, the
        // answers stay.
        for date in dates.prefix(2) {
            try FileManager.default.removeItem(atPath: lakes.raw + "/" + LakeLayout.dayFolder(station: station, date: date))
        }
        #expect(try bits(run(lakes.raw, queries()[0], daily: false)) != before[0])
        for (q, expected) in zip(queries(), before) {
            #expect(try bits(run(lakes.raw, q)) == expected, "\(q)")
        }
    }

    @Test func aStaleDayFileIsPassedOverForTheBatchFiles() async throws {
        let lakes = try Lakes()
        for q in 1...8 { try lakes.writeBatch(boundaryMinute: q * 15) }
        let daily = LakeLayout.dailyRoot(of: lakes.raw)
        try FileManager.default.createDirectory(atPath: daily, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: daily) }
        let c = DayCompactor(source: try LocalDirectoryObjectStore(root: lakes.raw), target: try LocalDirectoryObjectStore(root: daily),
                             isReady: DayCompactor.closed(now: afterTheDay))
        #expect(await c.run(try await c.days()).compacted.count == 1)
        // A late batch: until the day is compacted again the batch files answer, all of them.
        try lakes.writeBatch(boundaryMinute: 9 * 15, name: "data_0215-1.parquet")
        let q = LakeQuery(every: .day)
        let raw = try run(lakes.raw, q, daily: false)
        #expect(raw.groups.map(\.count) == [Int64(9 * 180)])
        #expect(try bits(run(lakes.raw, q)) == bits(raw))
        #expect(await c.run(try await c.days()).replaced.count == 1)
        #expect(try bits(run(lakes.raw, q)) == bits(raw))
    }

    /// A lake in a bucket: the day files under `<prefix>-daily` answer for their days, exactly,
    /// and a day's batch files are then not fetched at all.
    @Test func inABucketTheDayFilesBesideThePrefixAnswer() async throws {
        let lakes = try Lakes()
        for date in [-1, 0].map({ CivilDate(daysSince1970: day.daysSince1970 + $0) }) {
            for q in 1...20 { try lakes.writeBatch(boundaryMinute: q * 45, rows: 100 + q, date: date) }
        }
        let before = try queries().map { bits(try run(lakes.raw, $0, daily: false)) }
        let bucket = InMemoryObjectStore()
        let folder = try LocalDirectoryObjectStore(root: lakes.raw)
        for try await meta in folder.listAll() {
            try await bucket.put(ObjectPath("lake/" + meta.path.rawValue), bytes: try await folder.get(meta.path).bytes)
        }
        let c = DayCompactor(source: PrefixedObjectStore(bucket, prefix: "lake"), target: PrefixedObjectStore(bucket, prefix: "lake-daily"),
                             isReady: DayCompactor.closed(now: afterTheDay))
        #expect(await c.run(try await c.days()).compacted.count == 2)

        for (q, expected) in zip(queries(), before) {
            let raw = ObjectStoreLakeSource(store: bucket, prefix: "lake", location: "memory/lake")
            let daily = ObjectStoreLakeSource(store: bucket, prefix: "lake-daily", location: "memory/lake-daily")
            var engine = QueryEngine(source: raw, workers: 2)
            engine.dailyRemote = daily
            let answer = await BlockingWork.run { [engine] in Result { try engine.run(q) } }
            #expect(bits(try answer.get()) == expected, "\(q)")
            #expect(raw.counts.objectRequests == 0, "\(q): \(raw.counts.objectRequests) batch files fetched")
            #expect(daily.counts.objectRequests > 0)
        }
    }
}
