import Foundation
import Testing
@testable import Dashboard
import Lake

/// A journal of fixed readings that remembers what it was asked.
final class FakeJournal: LiveReadings, @unchecked Sendable {
    let rows: [(time: Int64, values: [String: Double])]
    let notice: String?
    private let lock = NSLock()
    private var asked: [Int64] = []

    init(_ rows: [(time: Int64, values: [String: Double])], notice: String? = nil) {
        self.rows = rows
        self.notice = notice
    }

    var afters: [Int64] { lock.withLock { asked } }

    func readings(station: String, after: Int64) -> (rows: [(time: Int64, values: [String: Double])], notice: String?) {
        lock.withLock { asked.append(after) }
        return (station == "a" || station == "fresh" ? rows.filter { $0.time > after } : [], notice)
    }

    func stations() -> [String] { ["a", "fresh"] }
}

@Suite struct LiveReadingsTests {
    /// Station "a" filed up to 00:14:55; the journal holds 00:10:00 (already filed: not counted
    /// twice) and two newer readings.
    func dashboard(notice: String? = nil) throws -> (TestLake, FakeJournal, Dashboard) {
        let lake = try TestLake()
        try lake.batch(station: "a", start: june1)
        let journal = FakeJournal([(june1 + 600_000, ["temperature": 99]),
                                   (june1 + 900_000, ["temperature": 30, "humidity": 40]),
                                   (june1 + 905_000, ["temperature": 31, "humidity": 41, "pm1": 5, "pm25": 5, "pm10": 5])], notice: notice)
        let d = Dashboard(view: LakeView(dataRoot: lake.data, healthRoot: nil, live: journal), now: { june1 + 910_000 })
        return (lake, journal, d)
    }

    @Test func theNewestReadingComesFromTheJournal() async throws {
        let (lake, journal, d) = try dashboard()
        let latest = try await get(d, "/api/stations/a/latest")
        #expect(latest.body.contains("\"file\":\"journal\"") && latest.body.contains("\"timestamp\":\"2026-06-01T00:15:05.000Z\""))
        #expect(latest.body.contains("\"temperature\":31.0"))
        #expect(journal.afters.allSatisfy { $0 == june1 + 895_000 }, "asked only for what is newer than the newest filed reading")
        let page = try await get(d, "/stations/a?range=1h")
        #expect(page.body.contains("data-column=\"temperature\" data-value=\"31.0\""))
        #expect(page.body.contains("PM2.5 (implausible)"), "a stuck particle sensor's newest value is marked")
        #expect(page.body.contains("data-refresh=\"5000\""))
        _ = lake
    }

    @Test func theSeriesAPICountsTheJournalOnlyWhenAsked() async throws {
        let (lake, _, d) = try dashboard()
        let q = "/api/stations/a/series?columns=temperature&range=custom&from=2026-06-01T00:00:00Z&to=2026-06-01T01:00:00Z&format=csv"
        let filed = try await get(d, q)
        let live = try await get(d, q + "&live=1")
        #expect(!filed.body.contains("00:15:00"))
        #expect(live.body.contains("2026-06-01T00:15:00.000Z,2,30.5,30.0,31.0"), "\(live.body)")
        #expect(Array(filed.body.split(separator: "\n")) == Array(live.body.split(separator: "\n").dropLast()), "the filed minutes unchanged")
        _ = lake
    }

    @Test func aCollectorWithNoBatchFileYetIsAStation() async throws {
        let (lake, _, d) = try dashboard()
        let front = try await get(d, "/api/stations")
        #expect(front.body.contains("{\"station\":\"fresh\",\"last_reading\":\"2026-06-01T00:15:05.000Z\""))
        let page = try await get(d, "/stations/fresh?range=1h")
        #expect(page.status == 200 && page.body.contains("data-column=\"temperature\" data-value=\"31.0\""))
        #expect(try await get(d, "/stations/nobody").status == 404)
        _ = lake
    }

    @Test func aJournalThatCannotBeReadIsANoticeNotAnError() async throws {
        let (lake, _, d) = try dashboard(notice: "record 7 is damaged")
        let page = try await get(d, "/stations/a?range=1h")
        #expect(page.status == 200 && page.body.contains("could not be read from the collector's journal (record 7 is damaged)"))
        _ = lake
    }
}
