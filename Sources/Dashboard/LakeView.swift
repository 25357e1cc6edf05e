// The dashboard's read-only view of the lakes it serves: one lake (a folder or a bucket's prefix)
// with the health lake beside it, or a network's stations from its registry, each read from its
// own bucket prefix. Listings are not cached between requests, so batches a running collector
// adds show up on the next page load; every question costs a few listings plus the files of the
// range asked for (a bucket's immutable objects come from the object cache once fetched).

import Dispatch
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

/// Where a lake's files are: its batch files, and the day files read in place of a compacted
/// day's (QueryEngine.dailyRemote).
public struct LakeLocation: Sendable {
    public var source: any LakeSource
    public var daily: (any LakeSource)?

    public init(source: any LakeSource, daily: (any LakeSource)?) {
        self.source = source
        self.daily = daily
    }

    /// A folder on this machine, with its day files in the sibling `<root>-daily`.
    public static func folder(_ root: String) -> LakeLocation {
        LakeLocation(source: FolderLakeSource(root: root), daily: FolderLakeSource(root: LakeLayout.dailyRoot(of: root)))
    }

    func engine(cache: QueryCache) -> QueryEngine {
        var engine = QueryEngine(source: source, cache: cache)
        engine.dailyRemote = daily
        return engine
    }
}

/// Readings a station has taken and not yet filed into a batch file: a running collector's
/// journal, read without disturbing it (the executable wires Collector's JournalReader). The
/// dashboard merges them into a station's newest numbers and charts.
public protocol LiveReadings: Sendable {
    /// `station`'s readings stamped after `after` (ms UTC), oldest first, each as its sensor
    /// columns' values; and a notice when the journal is there but could not be read (nil when
    /// there is simply none).
    func readings(station: String, after: Int64) -> (rows: [(time: Int64, values: [String: Double])], notice: String?)

    /// The stations with a journal: a collector that has just started has no batch file yet.
    func stations() -> [String]
}

/// One station of a network the dashboard serves: its entry in the registry and where its lake is.
public struct NetworkStation: Sendable {
    public var registry: RegisteredStation
    /// The lake holding the station's `station=<registry.lakeStation>` folder.
    public var data: LakeLocation

    public init(registry: RegisteredStation, data: LakeLocation) {
        self.registry = registry
        self.data = data
    }
}

/// One station as the front page lists it.
public struct StationSummary: Sendable {
    public var id: String
    /// The station's registry entry (a network dashboard), nil for a station found in a lake.
    public var registry: RegisteredStation?
    /// The newest reading, nil when the station has no readable batch yet.
    public var latest: LatestRow?
    public var hasHealth: Bool
    /// Why the station's lake could not be read (a bucket missing, denying access, out of
    /// reach), nil when it could.
    public var unavailable: String?

    /// The newest reading's time (ms UTC).
    public var lastReading: Int64? { latest?.time }
}

/// The newest row of a station's newest batch file.
public struct LatestRow: Sendable, Equatable {
    public var time: Int64
    /// Column name → value, for every numeric column of the schema (nil = null in the file or
    /// a column the file lacks).
    public var values: [String: Double]
    /// The file it came from, relative to the lake's root.
    public var file: String
    /// The columns whose value the plausibility rules reject (Plausibility.swift): shown, but
    /// marked, and given no air-quality category.
    public var implausible: Set<String> = []

    /// The value of `column`, nil when it is null or implausible.
    public func plausible(_ column: String) -> Double? {
        implausible.contains(column) ? nil : values[column]
    }
}

public struct LakeView: Sendable {
    /// The stations served: every station of a lake (and of its health lake), or a network's
    /// stations from its registry.
    public enum Stations: Sendable {
        case lake(data: LakeLocation, health: LakeLocation?)
        case network([NetworkStation])
    }

    public let stationsServed: Stations
    /// The readings not yet in the lake, for a lake on this machine that a collector writes.
    public let live: (any LiveReadings)?
    /// What is served, for the page header and messages: a folder, `s3://bucket/prefix`, or the
    /// registry's file name.
    public let location: String
    /// Sums of whole past days, so a 30-day page reads only the files of its first and last
    /// day once the days between have been read.
    let cache: QueryCache

    /// The cache's default memory budget: months of days at every width a page uses.
    public static let defaultCacheBytes = 64 << 20

    /// Stations read at once for the front page (each is a few listings and one small file;
    /// over a bucket they wait on the network).
    static let frontPageReads = 8

    public init(_ stations: Stations, location: String, live: (any LiveReadings)? = nil,
                cache: QueryCache = QueryCache(maxBytes: LakeView.defaultCacheBytes)) {
        stationsServed = stations
        self.live = live
        self.location = location
        self.cache = cache
    }

    /// The lake at folder `dataRoot`, with the health lake at `healthRoot`.
    public init(dataRoot: String, healthRoot: String?, live: (any LiveReadings)? = nil,
                cache: QueryCache = QueryCache(maxBytes: LakeView.defaultCacheBytes)) {
        self.init(.lake(data: .folder(dataRoot), health: healthRoot.map(LakeLocation.folder)), location: dataRoot, live: live, cache: cache)
    }

    /// A station's lakes and its folder name in them.
    struct Resolved {
        var lakeStation: String
        var data: LakeLocation
        var health: LakeLocation?
        var registry: RegisteredStation?
    }

    func resolve(_ id: String) -> Resolved? {
        switch stationsServed {
        case .lake(let data, let health):
            return Resolved(lakeStation: id, data: data, health: health)
        case .network(let list):
            return list.first { $0.registry.id == id }.map { Resolved(lakeStation: $0.registry.lakeStation, data: $0.data, registry: $0.registry) }
        }
    }

    func location(_ r: Resolved, _ kind: LakeKind) -> LakeLocation? { kind == .data ? r.data : r.health }

    /// Whether this serves a network from its registry.
    public var isNetwork: Bool {
        if case .network = stationsServed { return true }
        return false
    }

    /// A network station's registry entry.
    public func registryEntry(_ id: String) -> RegisteredStation? { resolve(id)?.registry }

    /// Every station, sorted by id, with its newest reading; a station whose lake cannot be
    /// read is listed as unavailable, with the reason. Throws only when the one lake served
    /// cannot be listed at all.
    public func stations() throws(DashboardError) -> [StationSummary] {
        let ids: [String]
        switch stationsServed {
        case .lake(let data, let health):
            var all = Set(LakeIndex.stations(data.source))
            if let failure = data.source.takeListingFailure() { throw DashboardError(status: 502, failure) }
            if let health { all.formUnion(LakeIndex.stations(health.source)); _ = health.source.takeListingFailure() }
            if let live { all.formUnion(live.stations()) }
            ids = all.sorted()
        case .network(let list):
            ids = list.map(\.registry.id).sorted()
        }
        var out = [StationSummary?](repeating: nil, count: ids.count)
        out.withUnsafeMutableBufferPointer { slots in
            let buffer = SummarySlots(buffer: slots)
            DispatchQueue.concurrentPerform(iterations: min(Self.frontPageReads, max(1, ids.count))) { w in
                for k in stride(from: w, to: ids.count, by: Self.frontPageReads) { buffer.buffer[k] = summary(ids[k]) }
            }
        }
        return out.compactMap { $0 }
    }

    struct SummarySlots: @unchecked Sendable {
        let buffer: UnsafeMutableBufferPointer<StationSummary?>
    }

    func summary(_ id: String) -> StationSummary {
        let r = resolve(id)
        var s = StationSummary(id: id, registry: r?.registry, hasHealth: false)
        do {
            s.latest = try latest(id, .data)
            s.hasHealth = hasHealth(id)
        } catch {
            s.unavailable = error.message
        }
        return s
    }

    /// Whether `id` is a station served; the check every station route makes first.
    public func knows(_ id: String) -> Bool {
        switch stationsServed {
        case .lake(let data, let health):
            LakeIndex.hasStation(data.source, id) || (health.map { LakeIndex.hasStation($0.source, id) } ?? false)
                || (live?.stations().contains(id) ?? false)
        case .network(let list):
            list.contains { $0.registry.id == id }
        }
    }

    public func hasHealth(_ id: String) -> Bool {
        guard let r = resolve(id), let health = r.health else { return false }
        return !LakeIndex.newestFiles(health.source, station: r.lakeStation, kind: LakeKind.health.rawValue).isEmpty
    }

    /// Files tried, newest first, before the latest row is given up on: a file the collector
    /// is copying in, or a damaged one, must not blank the page.
    static let latestAttempts = 8

    /// The newest row of `kind` for `id`, nil when there is no readable file yet. The newest
    /// file is found by name; within it the row with the greatest timestamp wins (rows are in
    /// time order unless the clock stepped back mid-batch). An unreadable file is passed over
    /// for the one before it; only when none of the newest few can be read is that an error.
    /// A lake that cannot be listed (a bucket out of reach) is a 502 naming why.
    public func latest(_ id: String, _ kind: LakeKind) throws(DashboardError) -> LatestRow? {
        let filed = try latestFiled(id, kind)
        guard kind == .data, let r = resolve(id), let newest = liveRows(r, after: filed?.time).rows.last else { return filed }
        return LatestRow(time: newest.time, values: newest.values, file: Self.journalName,
                         implausible: Plausibility.implausibleColumns(newest.values))
    }

    /// What ``LatestRow/file`` says of a reading from the journal.
    public static let journalName = "journal"

    /// The readings of `r`'s journal after `after` (nil: all of them), with the journal's notice.
    func liveRows(_ r: Resolved, after: Int64?) -> (rows: [(time: Int64, values: [String: Double])], notice: String?) {
        guard let live, r.registry == nil else { return ([], nil) }
        return live.readings(station: r.lakeStation, after: after ?? .min)
    }

    /// The newest row of the lake's files alone.
    func latestFiled(_ id: String, _ kind: LakeKind) throws(DashboardError) -> LatestRow? {
        guard let r = resolve(id), let lake = location(r, kind) else { return nil }
        var firstError: String?
        let files = LakeIndex.newestFiles(lake.source, station: r.lakeStation, kind: kind.rawValue, limit: Self.latestAttempts)
        if let failure = lake.source.takeListingFailure() { throw DashboardError(status: 502, failure) }
        for f in files {
            do {
                if var row = try Self.lastRow(try lake.source.contents(of: f.file), f.path, kind) {
                    if kind == .data { row.implausible = Plausibility.implausibleColumns(row.values) }
                    return row
                }
            } catch {
                if firstError == nil { firstError = "\(lake.source.location)/\(f.path): \(error)" }
            }
        }
        if let firstError { throw DashboardError(status: 500, firstError) }
        return nil
    }

    static func lastRow(_ bytes: [UInt8], _ path: String, _ kind: LakeKind) throws -> LatestRow? {
        let reader = try ParquetFileReader(bytes: bytes)
        guard let ts = reader.column(named: "timestamp"), ts.physicalType == .int64 else {
            throw DashboardError(status: 500, "\(path): no INT64 timestamp column")
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
    /// Implausible sensor values are left out and counted unless `keepImplausible`.
    /// With `live`, readings not yet in the lake (``LiveReadings``) are counted in too, after
    /// the newest filed one; the journal's notice, if any, comes back beside the answer.
    public func series(_ id: String, _ kind: LakeKind, _ range: ViewRange, columns: [String], keepImplausible: Bool = false,
                       live: Bool = false) throws(DashboardError) -> QueryResult {
        try seriesWithNotice(id, kind, range, columns: columns, keepImplausible: keepImplausible, live: live).result
    }

    public func seriesWithNotice(_ id: String, _ kind: LakeKind, _ range: ViewRange, columns: [String], keepImplausible: Bool = false,
                                 live: Bool = false) throws(DashboardError) -> (result: QueryResult, notice: String?) {
        guard let r = resolve(id) else { throw .notFound("no station '\(id)'") }
        guard let lake = location(r, kind) else { throw .notFound("no health data is configured") }
        // The engine caches days by their column list: asked in one order (sorted), `b,a`
        // and `a,b` share their entries instead of each filling the cache.
        var seen = Set<String>()
        for name in columns where !seen.insert(name).inserted {
            throw DashboardError(status: 400, "column '\(name)' is given twice")
        }
        let canonical = columns.sorted()
        var query = range.query(kind: kind, station: r.lakeStation, columns: canonical)
        query.keepImplausible = keepImplausible
        var result: QueryResult
        do {
            result = try lake.engine(cache: cache).run(query)
        } catch {
            throw DashboardError(status: 400, error.message)
        }
        // A bucket that is missing, denies access or cannot be reached is no empty chart.
        if let failure = lake.source.takeListingFailure() { throw DashboardError(status: 502, failure) }
        var notice: String?
        if live, kind == .data, self.live != nil, r.registry == nil {
            // After the newest filed reading only: a batch file and the journal it has not yet
            // given its readings up to may both hold them for a moment.
            let journal = liveRows(r, after: try latestFiled(id, .data)?.time)
            notice = journal.notice
            for row in journal.rows { result.add(reading: row.time, values: row.values, station: r.lakeStation) }
        }
        guard !columns.isEmpty, columns != canonical else { return (result, notice) }
        // Back in the order asked, as `opensensor query` prints them.
        let position = Dictionary(uniqueKeysWithValues: result.columns.enumerated().map { ($1.name, $0) })
        let order = columns.map { position[$0]! }
        result.query = range.query(kind: kind, station: r.lakeStation, columns: columns)
        result.query.keepImplausible = keepImplausible
        result.columns = order.map { result.columns[$0] }
        for g in result.groups.indices { result.groups[g].aggregates = order.map { result.groups[g].aggregates[$0] } }
        return (result, notice)
    }
}
