// The time range a page shows and the bucket width it is drawn at. Presets end at the current
// bucket, so "last 24 hours" always includes the newest reading; a custom range is given in the
// viewer's local time (what a datetime-local field sends) or in UTC.

import CivilTime
public import Lake

public struct ViewRange: Sendable, Equatable {
    /// `1h`, `24h`, `7d`, `30d` or `custom`.
    public var name: String
    /// ms UTC; `from` inclusive, `to` exclusive, both on bucket boundaries.
    public var from: Int64
    public var to: Int64
    public var every: BucketWidth

    /// The presets: span and width. Widths give 60–360 points: enough to see a day's cycle
    /// or a PM spike, few enough to draw and read on a phone.
    public static let presets: [(name: String, label: String, span: Int64, every: String)] = [
        ("1h", "1 hour", 3_600_000, "1m"),
        ("24h", "24 hours", 86_400_000, "5m"),
        ("7d", "7 days", 7 * 86_400_000, "30m"),
        ("30d", "30 days", 30 * 86_400_000, "2h"),
    ]

    /// Widths a custom range may be drawn at, finest first.
    static let widths = ["1m", "2m", "5m", "10m", "15m", "30m", "1h", "2h", "3h", "6h", "12h", "1d"]
    /// A custom range is drawn at the finest width giving at most this many buckets.
    static let maxBuckets: Int64 = 400
    /// Days a custom range may span: a year and a day, so a whole leap year fits. Longer
    /// ranges read every file of those years for one request; `opensensor query` answers them.
    public static let maxDays: Int64 = 366
    static let maxSpan: Int64 = maxDays * 86_400_000

    /// The range a page's parameters ask for. `range` defaults to `24h`; `custom` needs
    /// `from` and `to`, each ISO-8601 UTC (`2026-06-01T12:00:00Z`), a day (`2026-06-01`) or a
    /// local time without zone (`2026-06-01T12:00`, in the viewer's `zone`).
    public static func parse(range: String?, from: String?, to: String?, now: Int64, zone: ViewerZone) throws(DashboardError) -> ViewRange {
        let name = range ?? ((from != nil || to != nil) ? "custom" : "24h")
        if let p = presets.first(where: { $0.name == name }) {
            let every = BucketWidth(parsing: p.every)!
            let end = every.start(of: now) + every.millis
            return ViewRange(name: name, from: end - p.span, to: end, every: every)
        }
        guard name == "custom" else {
            throw .badRequest("range: expected one of \(presets.map(\.name).joined(separator: ", ")) or custom, got '\(name)'")
        }
        guard let from, !from.isEmpty else { throw .badRequest("from: a custom range needs a start") }
        guard let to, !to.isEmpty else { throw .badRequest("to: a custom range needs an end") }
        guard let start = parseTime(from, zone: zone) else {
            throw .badRequest("from: expected 2026-06-01T12:00:00Z, 2026-06-01 or 2026-06-01T12:00 (local time), got '\(from)'")
        }
        guard let end = parseTime(to, zone: zone) else {
            throw .badRequest("to: expected 2026-06-01T12:00:00Z, 2026-06-01 or 2026-06-01T12:00 (local time), got '\(to)'")
        }
        guard end > start else { throw .badRequest("to (\(to)) must be after from (\(from))") }
        guard end - start <= maxSpan else {
            throw .badRequest("from, to: the range spans \((end - start + 86_399_999) / 86_400_000) days; a custom range may span at most \(maxDays) days (use 'opensensor query' for longer ones)")
        }
        let every = widths.lazy.compactMap(BucketWidth.init(parsing:)).first {
            (end - start + $0.millis - 1) / $0.millis <= maxBuckets
        } ?? .day
        // Whole buckets, so the first and last points are as full as the others.
        let alignedEnd = every.start(of: end - 1) + every.millis
        return ViewRange(name: "custom", from: every.start(of: start), to: alignedEnd, every: every)
    }

    /// ISO-8601 UTC or a day via `LakeQuery.parseTime`; else `YYYY-MM-DDTHH:MM[:SS]` in the
    /// viewer's zone.
    static func parseTime(_ text: String, zone: ViewerZone) -> Int64? {
        if let t = LakeQuery.parseTime(text) { return t }
        let withSeconds = text.count == 16 ? text + ":00" : text
        guard withSeconds.count == 19, let local = LakeQuery.parseTime(withSeconds + "Z") else { return nil }
        return zone.utc(fromLocal: local)
    }

    /// The query of this range: what `opensensor query --station <id> --from <from> --to <to>
    /// --every <every>` asks.
    func query(kind: LakeKind, station: String, columns: [String]) -> LakeQuery {
        LakeQuery(kind: kind, stations: [station], from: from, to: to, every: every, columns: columns)
    }

    /// The equivalent command line, shown under the charts and sent as a header by the API.
    public func command(kind: LakeKind, station: String, columns: [String], format: String) -> String {
        var s = "opensensor query"
        if kind == .health { s += " --health" }
        s += " --station \(station) --from \(ISO8601.format(millis: from)) --to \(ISO8601.format(millis: to)) --every \(every)"
        if !columns.isEmpty { s += " --columns \(columns.joined(separator: ","))" }
        return s + " --format \(format)"
    }
}
