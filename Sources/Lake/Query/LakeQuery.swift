// What a query over the lake asks: which files (data or health, which stations, which time
// range), how wide the time buckets are, and which columns to aggregate. Validation happens
// here, before any file is touched, so a typo costs nothing and names what was wrong.

import CivilTime
public import Parquet

/// Which half of a station's output a query reads (docs/ARCHITECTURE.md §2: `data_HHMM.parquet` under the
/// output directory, `health_HHMM.parquet` under the health directory).
public enum LakeKind: String, Sendable, CaseIterable {
    case data, health

    /// The schema the files of this kind are written with.
    public var schema: Schema { self == .data ? LakeSchemas.sensor : LakeSchemas.health }
}

/// Why a query cannot run at all (bad arguments, no lake). Problems with single files are not
/// errors: those files are skipped and reported in `QueryResult.skipped`.
public struct QueryError: Error, Sendable, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The width of a time bucket: a whole number of minutes, hours or days that divides a day, so
/// that buckets counted from the Unix epoch are aligned to UTC midnight (the epoch is a
/// midnight, and UTC days are 86,400,000 ms: Unix time has no leap seconds).
public struct BucketWidth: Sendable, Equatable, CustomStringConvertible {
    public let millis: Int64

    public static let dayMillis: Int64 = 86_400_000
    public static let quarterHour = BucketWidth(unchecked: 900_000)
    public static let hour = BucketWidth(unchecked: 3_600_000)
    public static let day = BucketWidth(unchecked: dayMillis)

    private init(unchecked millis: Int64) { self.millis = millis }

    /// `15m`, `1h`, `1d`, `90m`, … (also `min`, `hour`, `day` and their plurals as units); nil
    /// unless it is a positive width that divides a day.
    public init?(parsing text: String) {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        let unit = text.dropFirst(digits.count).lowercased()
        guard !digits.isEmpty, digits.count <= 6, let n = Int64(digits), n > 0 else { return nil }
        let scale: Int64
        switch unit {
        case "m", "min", "mins", "minute", "minutes": scale = 60_000
        case "h", "hour", "hours": scale = 3_600_000
        case "d", "day", "days": scale = Self.dayMillis
        default: return nil
        }
        let w = n * scale
        guard w <= Self.dayMillis, Self.dayMillis % w == 0 else { return nil }
        millis = w
    }

    /// The start of the bucket holding `t` (floor, so times before 1970 bucket correctly too).
    public func start(of t: Int64) -> Int64 { t.floorDiv(millis) * millis }

    /// The shortest spelling: `15m`, `2h`, `1d`.
    public var description: String {
        if millis % Self.dayMillis == 0 { return "\(millis / Self.dayMillis)d" }
        if millis % 3_600_000 == 0 { return "\(millis / 3_600_000)h" }
        return "\(millis / 60_000)m"
    }
}

/// A question for `QueryEngine`: per station and time bucket, the number of readings and the
/// average, minimum and maximum of each column, nulls ignored.
public struct LakeQuery: Sendable, Equatable {
    public var kind: LakeKind
    /// Station ids (the `station=` folder names) to read; empty reads every station.
    public var stations: Set<String>
    /// Inclusive lower bound, UTC ms.
    public var from: Int64?
    /// Exclusive upper bound, UTC ms.
    public var to: Int64?
    public var every: BucketWidth
    /// Columns to aggregate, in output order; empty means every numeric column of the schema.
    public var columns: [String]
    /// Averages implausible sensor values in too (Plausibility.swift); by default they are left
    /// out and counted.
    public var keepImplausible: Bool

    /// Whether the plausibility rules apply: to the sensor lake, unless told to keep everything.
    public var judgesPlausibility: Bool { kind == .data && !keepImplausible }

    public init(kind: LakeKind = .data, stations: Set<String> = [], from: Int64? = nil, to: Int64? = nil,
                every: BucketWidth = .hour, columns: [String] = [], keepImplausible: Bool = false) {
        self.kind = kind
        self.keepImplausible = keepImplausible
        self.stations = stations
        self.from = from
        self.to = to
        self.every = every
        self.columns = columns
    }

    /// Whether a column type can be averaged. The timestamp is INT64 too, but it is the
    /// grouping key, not a measurement.
    public static func isNumeric(_ type: ColumnType) -> Bool {
        switch type {
        case .int32, .int64, .float, .double: true
        case .boolean, .string, .timestampMillisUTC: false
        }
    }

    /// The columns to aggregate, checked against the schema of `kind`.
    public func resolvedColumns() throws(QueryError) -> [Column] {
        let schema = kind.schema
        let numeric = schema.columns.filter { Self.isNumeric($0.type) }
        if columns.isEmpty { return numeric }
        var out: [Column] = []
        for name in columns {
            guard let i = schema.index(of: name) else {
                let near = schema.columns.map(\.name).min { Self.distance($0, name) < Self.distance($1, name) }
                let hint = near.map { Self.distance($0, name) <= 2 ? " (did you mean '\($0)'?)" : "" } ?? ""
                throw QueryError("no column '\(name)'\(hint); columns are \(schema.columns.map(\.name).joined(separator: ", "))")
            }
            let column = schema.columns[i]
            guard Self.isNumeric(column.type) else {
                let what = column.type == .timestampMillisUTC ? "the time column (it is what buckets group by)" : "a \(column.type.rawValue) column"
                throw QueryError("column '\(name)' is \(what); only numeric columns can be aggregated: "
                                 + numeric.map(\.name).joined(separator: ", "))
            }
            guard !out.contains(column) else { throw QueryError("column '\(name)' is given twice") }
            out.append(column)
        }
        return out
    }

    /// Checks the bounds; `columns` are checked by `resolvedColumns()`.
    public func validate() throws(QueryError) {
        if let from, let to, to <= from {
            throw QueryError("the time range is empty: 'to' (\(ISO8601.format(millis: to))) must be after 'from' (\(ISO8601.format(millis: from)))")
        }
    }

    /// `2025-06-01T00:00:05.048Z`, or a whole UTC day `2025-06-01` (its midnight); nil otherwise.
    public static func parseTime(_ text: String) -> Int64? {
        if let t = ISO8601.parseMillis(text) { return t }
        if text.count == 10 { return ISO8601.parseMillis(text + "T00:00:00Z") }
        return nil
    }

    /// Levenshtein distance, for "did you mean" hints on short column names.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8), b = Array(b.utf8)
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var prev = row[0]
            row[0] = i
            for j in 1...max(b.count, 1) where !b.isEmpty {
                let cur = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
                prev = cur
            }
        }
        return row[b.count]
    }
}
