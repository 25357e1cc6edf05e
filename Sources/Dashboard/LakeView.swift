// The dashboard's read-only view of a station's lakes: the sensor lake (the collector's output
// directory) and, when there is one, the health lake beside it. Nothing is cached between
// requests, so batches a running collector adds show up on the next page load; every question
// costs a few directory reads plus the files of the range asked for.

public import Lake
import Parquet

/// An error with the HTTP status it answers: 400 for a bad parameter, 404 for an unknown
/// station, 500 when the lake cannot be read.
public struct DashboardError: Error, Sendable, CustomStringConvertible, Equatable {
    public var status: Int
    public var message: String
    public init(status: Int, _ message: String) {
        self.status = status
        self.message = message
    }
    public var description: String { message }
    static func badRequest(_ m: String) -> Self { Self(status: 400, m) }
    static func notFound(_ m: String) -> Self { Self(status: 404, m) }
}

/// One station as the front page lists it.
public struct StationSummary: Sendable, Equatable {
    public var id: String
    /// The newest reading's time (ms UTC), nil when the station has no readable batch yet.
    public var lastReading: Int64?
    public var hasHealth: Bool
}

/// The newest row of a station's newest batch file.
public struct LatestRow: Sendable, Equatable {
    public var time: Int64
    /// Column name → value, for every numeric column of the schema (nil = null in the file or
    /// a column the file lacks).
    public var values: [String: Double]
    /// The file it came from, relative to the lake's root.
    public var file: String
}

public struct LakeView: Sendable {
    public let dataRoot: String
    public let healthRoot: String?
    /// Sums of whole past days, so a 30-day page reads only the files of its first and last
    /// day once the days between have been read.
    let cache: QueryCache

    /// The cache's default memory budget: months of days at every width a page uses.
    public static let defaultCacheBytes = 64 << 20

    public init(dataRoot: String, healthRoot: String?, cache: QueryCache = QueryCache(maxBytes: LakeView.defaultCacheBytes)) {
        self.dataRoot = dataRoot
        self.healthRoot = healthRoot
        self.cache = cache
    }

    func root(_ kind: LakeKind) -> String? { kind == .data ? dataRoot : healthRoot }

    /// Every station of either lake, sorted, with its last reading.
    public func stations() -> [StationSummary] {
        let ids = Set(LakeIndex.stations(dataRoot)).union(healthRoot.map(LakeIndex.stations) ?? [])
        return ids.sorted().map { id in
            StationSummary(id: id, lastReading: (try? latest(id, .data))??.time, hasHealth: hasHealth(id))
        }
    }

    /// Whether `id` is a station of either lake; the check every station route makes first.
    public func knows(_ id: String) -> Bool {
        LakeIndex.hasStation(dataRoot, id) || (healthRoot.map { LakeIndex.hasStation($0, id) } ?? false)
    }

    public func hasHealth(_ id: String) -> Bool {
        guard let healthRoot else { return false }
        return !LakeIndex.newestFiles(healthRoot, station: id, kind: LakeKind.health.rawValue).isEmpty
    }

    /// Files tried, newest first, before the latest row is given up on: a file the collector
    /// is copying in, or a damaged one, must not blank the page.
    static let latestAttempts = 8

    /// The newest row of `kind` for `id`, nil when there is no readable file yet. The newest
    /// file is found by name; within it the row with the greatest timestamp wins (rows are in
    /// time order unless the clock stepped back mid-batch). An unreadable file is passed over
    /// for the one before it; only when none of the newest few can be read is that an error.
    public func latest(_ id: String, _ kind: LakeKind) throws(DashboardError) -> LatestRow? {
        guard let root = root(kind) else { return nil }
        var firstError: String?
        for (path, _) in LakeIndex.newestFiles(root, station: id, kind: kind.rawValue, limit: Self.latestAttempts) {
            do {
                if let row = try Self.lastRow(root, path, kind) { return row }
            } catch {
                if firstError == nil { firstError = "\(error)" }
            }
        }
        if let firstError { throw DashboardError(status: 500, firstError) }
        return nil
    }

    static func lastRow(_ root: String, _ path: String, _ kind: LakeKind) throws -> LatestRow? {
        let reader = try ParquetFileReader(path: root + "/" + path)
        guard let ts = reader.column(named: "timestamp"), ts.physicalType == .int64 else {
            throw DashboardError(status: 500, "\(root)/\(path): no INT64 timestamp column")
        }
        let divisor: Int64 = switch ts.timestampUnit { case .micros?: 1000; case .nanos?: 1_000_000; default: 1 }
        var best: (time: Int64, group: Int, row: Int)?
        for g in 0..<reader.rowGroupCount {
            guard case .int64(let times) = try reader.readColumn(rowGroup: g, column: ts.index) else { continue }
            for (i, t) in times.enumerated() {
                guard let t else { continue }
                let ms = t.floorDiv(divisor)
                if best == nil || ms >= best!.time { best = (ms, g, i) }
            }
        }
        guard let best else { return nil }
        var values: [String: Double] = [:]
        for c in kind.schema.columns where c.name != "timestamp" {
            guard let col = reader.column(named: c.name) else { continue }
            let v = try reader.readColumn(rowGroup: best.group, column: col.index)
            guard best.row < v.count else { continue }
            switch v {
            case .float(let x): if let f = x[best.row] { values[c.name] = Double(f) }
            case .double(let x): if let d = x[best.row] { values[c.name] = d }
            case .int32(let x): if let i = x[best.row] { values[c.name] = Double(i) }
            case .int64(let x): if let i = x[best.row] { values[c.name] = Double(i) }
            case .boolean(let x): if let b = x[best.row] { values[c.name] = b ? 1 : 0 }
            case .string: break
            }
        }
        return LatestRow(time: best.time, values: values, file: path)
    }

    /// Count, average, minimum and maximum per bucket of `range` for `id`: the same answer
    /// `opensensor query` gives for the same question.
    public func series(_ id: String, _ kind: LakeKind, _ range: ViewRange, columns: [String]) throws(DashboardError) -> QueryResult {
        guard let root = root(kind) else { throw .notFound("no health data is configured") }
        // The engine caches days by their column list: asked in one order (sorted), `b,a`
        // and `a,b` share their entries instead of each filling the cache.
        var seen = Set<String>()
        for name in columns where !seen.insert(name).inserted {
            throw DashboardError(status: 400, "column '\(name)' is given twice")
        }
        let canonical = columns.sorted()
        let query = range.query(kind: kind, station: id, columns: canonical)
        var result: QueryResult
        do {
            result = try QueryEngine(root: root, cache: cache).run(query)
        } catch {
            throw DashboardError(status: 400, error.message)
        }
        guard !columns.isEmpty, columns != canonical else { return result }
        // Back in the order asked, as `opensensor query` prints them.
        let position = Dictionary(uniqueKeysWithValues: result.columns.enumerated().map { ($1.name, $0) })
        let order = columns.map { position[$0]! }
        result.query = range.query(kind: kind, station: id, columns: columns)
        result.columns = order.map { result.columns[$0] }
        for g in result.groups.indices { result.groups[g].aggregates = order.map { result.groups[g].aggregates[$0] } }
        return result
    }
}
