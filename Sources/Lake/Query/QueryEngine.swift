// The query engine: walks a Hive lake with the lake walker, which prunes partitions by their
// path (station, year, month, day) before opening anything, prunes row groups by the statistics
// of the `timestamp` column, and reads the rest one file and one row group at a time, so memory
// is bounded by the largest file plus the groups of the answer. Columns are found by name, not
// position: files written by the Python collector or pyarrow may order them differently.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CivilTime
import Dispatch
import Parquet

/// Runs `LakeQuery`s over the lake at `root` (a collector's output or health directory).
public struct QueryEngine: Sendable {
    public let root: String
    /// Threads reading files at once.
    public var workers: Int
    /// Sums of whole days kept between runs (a long-running dashboard); nil reads every time.
    public var cache: QueryCache?
    /// The lake of day files read in place of a day's batch files (DailyCandidates.swift); nil
    /// reads batch files only. By default the sibling `<root>-daily`.
    public var dailyRoot: String?
    /// The lake of day files in a bucket, for an engine over a bucket (set `dailyRoot` nil).
    public var dailyRemote: (any LakeSource)?
    /// Where day files are listed and read, if anywhere.
    var dailySource: (any LakeSource)? { dailyRemote ?? dailyRoot.map { FolderLakeSource(root: $0) } }
    /// Where files are listed and read: the folder `root`, or a bucket (ObjectStoreLakeSource).
    public var source: any LakeSource { remote ?? FolderLakeSource(root: root) }
    private var remote: (any LakeSource)?

    /// An engine over the lake at `root`, reading with one thread per online processor by
    /// default (a Pi 4 has four; DuckDB does the same).
    public init(root: String, workers: Int? = nil, cache: QueryCache? = nil) {
        self.root = root
        self.cache = cache
        self.dailyRoot = LakeLayout.dailyRoot(of: root)
        self.workers = workers ?? max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// An engine over the lake `source` lists, a bucket's for one: `root` is its location.
    /// Files are fetched a window at a time before the threads read them; call `run` off the
    /// Swift concurrency pool (BlockingWork.run), as the source waits for its requests.
    public init(source: any LakeSource, workers: Int? = nil, cache: QueryCache? = nil) {
        self.init(root: source.location, workers: workers, cache: cache)
        remote = source
        dailyRoot = nil
    }

    /// Answers `query`. Files that follow the layout but cannot be read are skipped, reported to
    /// `skipped` as they are met and listed in the result; `progress` hears (files done, files
    /// to read) after each file.
    public func run(_ query: LakeQuery, progress: (_ done: Int, _ total: Int) -> Void = { _, _ in },
                    skipped: (SkippedFile) -> Void = { _ in }) throws(QueryError) -> QueryResult {
        try query.validate()
        let columns = try query.resolvedColumns()
        do { try source.checkRoot() } catch { throw QueryError(error.message) }

        var result = QueryResult(query: query, columns: columns, groups: [])
        let files = candidates(query, &result)
        // A bucket that is missing, denies access or cannot be reached is no empty lake.
        if let failure = source.takeListingFailure() { throw QueryError(failure) }
        result.filesConsidered = files.count
        let plan = plan(files, query, columns)
        var total = Totals(columns: columns.count)
        // Files are independent: a few threads read a window of them at a time, and the window
        // is merged in path order, so the answer (down to the last bit of a sum) does not
        // depend on the thread count, and memory stays bounded by the window. Whole days are
        // summed on their own first (cached or not, the same additions in the same order), so
        // a cache never changes an answer either.
        let toRead = plan.reads
        let threads = max(1, min(workers, toRead.count))
        let windows = Self.windows(toRead.map { files[$0.file].size }, local: threads * 16, remote: remote != nil)
        var done = 0
        var day: FilePartial?
        var dayFailed = false
        var nextDay = 0
        func flushDays(through index: Int) {
            // Days served by the cache, or finished, in path order up to file `index`.
            while nextDay < plan.days.count, plan.days[nextDay].files.upperBound <= index {
                let d = plan.days[nextDay]
                if let cached = d.cached {
                    total.merge(cached, station: d.station, keep: plan.keep)
                } else if d.interior {
                    let partial = day ?? FilePartial(columns: columns.count)
                    if !dayFailed, let cache = plan.cache, let key = d.key { cache.store(key, d.signature, partial) }
                    total.merge(partial, station: d.station, keep: plan.keep)
                    day = nil
                    dayFailed = false
                }
                nextDay += 1
            }
        }
        // From a bucket, the next window's objects are fetched while this one's are read, so the
        // requests in flight never wait for the reading threads.
        let (lake, daily) = (source, dailySource)
        func stage(_ window: Range<Int>) -> @Sendable () -> Void {
            let refs = toRead[window].map { files[$0.file] }
            let raw = refs.filter { !$0.isDayFile }.map { LakeFileRef(path: $0.path, size: Int64($0.size)) }
            let days = refs.filter(\.isDayFile).map { LakeFileRef(path: $0.path, size: Int64($0.size)) }
            return {
                lake.prepareContents(raw)
                daily?.prepareContents(days)
            }
        }
        var ahead: DispatchGroup?
        for (w, window) in windows.enumerated() {
            let chunk = toRead[window]
            if remote != nil {
                if let ahead { ahead.wait() } else { stage(window)() }
                ahead = nil
                if w + 1 < windows.count {
                    let group = DispatchGroup()
                    DispatchQueue.global().async(group: group, execute: stage(windows[w + 1]))
                    ahead = group
                }
            }
            var outcomes = [Outcome?](repeating: nil, count: chunk.count)
            outcomes.withUnsafeMutableBufferPointer { slots in
                let base = chunk.startIndex
                if threads == 1 {
                    for k in chunk.indices { slots[k - base] = read(files[toRead[k].file], toRead[k].bounds, query, columns) }
                } else {
                    let out = Slots(buffer: slots)
                    DispatchQueue.concurrentPerform(iterations: threads) { w in
                        for k in stride(from: base + w, to: chunk.endIndex, by: threads) {
                            out.buffer[k - base] = read(files[toRead[k].file], toRead[k].bounds, query, columns)
                        }
                    }
                }
            }
            for (k, outcome) in outcomes.enumerated() {
                guard let outcome else { continue }
                let item = toRead[chunk.startIndex + k]
                flushDays(through: item.file)
                let file = files[item.file]
                result.rowGroupsRead += outcome.groupsRead
                result.rowGroupsPruned += outcome.groupsPruned
                switch outcome.partial {
                case .success(let partial):
                    if item.interior {
                        if day == nil { day = FilePartial(columns: columns.count) }
                        day!.merge(partial)
                    } else {
                        total.merge(partial, station: file.station, keep: { _ in true })
                    }
                    if outcome.groupsRead == 0 && outcome.groupsPruned > 0 { result.filesPrunedByStatistics += 1 }
                case .failure(let reason):
                    if item.interior { dayFailed = true }
                    let s = SkippedFile(path: file.path, reason: reason.message)
                    result.skipped.append(s)
                    skipped(s)
                }
                progress(done + k + 1, toRead.count)
            }
            done += chunk.count
        }
        ahead?.wait()
        flushDays(through: files.count)
        result.groups = total.groups()
        return result
    }

    /// The reads cut into windows: `local` files at a time from a folder; from a bucket, up to
    /// 128 files (eight rounds of a source's 16 requests) or 8 MiB, whichever comes first, at
    /// least one file. Two windows are held at once, so the bytes bound memory.
    static func windows(_ sizes: [Int], local: Int, remote: Bool) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start = 0
        while start < sizes.count {
            var end = start + 1
            if remote {
                var bytes = sizes[start]
                while end < sizes.count, end - start < 128, bytes + sizes[end] <= 8 << 20 {
                    bytes += sizes[end]
                    end += 1
                }
            } else {
                end = min(sizes.count, start + local)
            }
            out.append(start..<end)
            start = end
        }
        return out
    }

    // MARK: Whole days

    /// What to read and what the cache already holds.
    struct Plan {
        struct Day {
            var station: String
            /// Indices into the candidate files.
            var files: Range<Int>
            /// The whole UTC day lies inside the range: read without clipping, summed on its
            /// own, cacheable.
            var interior: Bool
            var key: String?
            var signature: [String]
            var cached: FilePartial?
        }
        struct Read {
            var file: Int
            var bounds: (from: Int64, to: Int64)
            var interior: Bool
        }
        var days: [Day] = []
        var reads: [Read] = []
        var cache: QueryCache?
        /// Which buckets of an unclipped day belong to the answer.
        var keep: @Sendable (Int64) -> Bool
    }

    func plan(_ files: [Candidate], _ query: LakeQuery, _ columns: [Column]) -> Plan {
        let from = query.from ?? .min, to = query.to ?? .max
        let w = query.every.millis
        // A day read whole can be cut back to the range bucket by bucket only when the range
        // ends fall on bucket boundaries; otherwise every file is clipped row by row.
        let aligned = (query.from.map { $0.floorMod(w) == 0 } ?? true) && (query.to.map { $0.floorMod(w) == 0 } ?? true)
        var plan = Plan(cache: cache, keep: { b in b >= from && b < to })
        let columnKey = columns.map(\.name).joined(separator: ",")
        var i = 0
        while i < files.count {
            let dayPath = files[i].path.dayFolderPath
            var j = i + 1
            while j < files.count, files[j].path.dayFolderPath == dayPath { j += 1 }
            var day = Plan.Day(station: files[i].station, files: i..<j, interior: false, key: nil, signature: [], cached: nil)
            if aligned, let e = LakeLayout.parse(dayPath + "/data_0000.parquet"), let date = CivilDate(year: e.year, month: e.month, day: e.day) {
                let start = Int64(date.daysSince1970) * BucketWidth.dayMillis
                // A day folder holds readings from its midnight to at most an hour past the
                // next (a batch crossing midnight); buckets past `to` are dropped by `keep`.
                day.interior = start >= from && start + BucketWidth.dayMillis <= to
            }
            if day.interior, let cache {
                day.key = "\(query.kind.rawValue)|\(dayPath)|\(w)|\(columnKey)|\(query.judgesPlausibility)"
                // A day file is replaced when a late batch re-compacts its day: its size keys it too.
                day.signature = files[i..<j].map { $0.isDayFile ? "\($0.path) \($0.size)" : $0.path }
                day.cached = cache.lookup(day.key!, day.signature)
            }
            if day.cached == nil {
                for k in i..<j {
                    plan.reads.append(Plan.Read(file: k, bounds: day.interior ? (.min, .max) : (from, to), interior: day.interior))
                }
            }
            plan.days.append(day)
            i = j
        }
        return plan
    }

    /// The outcomes of a window of files: each thread writes its own slots, and the buffer is
    /// read only after every thread has finished.
    struct Slots: @unchecked Sendable {
        let buffer: UnsafeMutableBufferPointer<Outcome?>
    }

    /// What reading one file gave.
    struct Outcome {
        var partial: Result<FilePartial, QueryError>
        var groupsRead = 0
        var groupsPruned = 0
    }

    // MARK: Path pruning

    struct Candidate {
        var path: String
        var station: String
        var size = 0
        /// A day file, in the daily lake (`dailySource`) rather than the raw one.
        var isDayFile = false
        /// A day file's rows by source, summed apart in this order (DailyCandidates.swift).
        var runs: [Range<Int>]? = nil
    }

    /// The files to open: those of the query's kind in partitions that can hold readings in
    /// the query's range, sorted by path (station, then time).
    func candidates(_ query: LakeQuery, _ result: inout QueryResult) -> [Candidate] {
        let day = BucketWidth.dayMillis
        // A batch is filed under the UTC day of its first reading (docs/ARCHITECTURE.md §2), so a day
        // partition holds nothing before its midnight. Its last readings may cross into the next
        // day (a batch is at most an hour, OPENSENSOR_BATCH_DURATION ≤ 3600 s), hence the one
        // day of slack on the lower side: the statistics prune the rest.
        var walker = LakeWalker(
            source: source, firstDay: query.from.map { Int($0.floorDiv(day)) - 1 }, lastDay: query.to.map { Int(($0 - 1).floorDiv(day)) },
            stations: query.stations.isEmpty ? nil : Set(query.stations))
        walker.preparesDayListings = true
        var out: [Candidate] = []
        result.partitionsPruned += walker.forEachDay { d in
            out += walker.files(in: d.path, kind: query.kind.rawValue).map { Candidate(path: $0.path, station: $0.entry.station, size: Int($0.size)) }
            return true
        }
        substituteDayFiles(&out, kind: query.kind, walker: walker)
        out.sort { $0.path < $1.path }
        return out
    }

    // MARK: Reading one file

    /// Reads one file into the groups of its own buckets; any problem skips the whole file, so
    /// an answer never holds part of a file.
    func read(_ file: Candidate, _ bounds: (from: Int64, to: Int64), _ query: LakeQuery, _ columns: [Column]) -> Outcome {
        var groupsRead = 0, groupsPruned = 0
        let partial = read(file, bounds, query, columns, &groupsRead, &groupsPruned)
        return Outcome(partial: partial, groupsRead: groupsRead, groupsPruned: groupsPruned)
    }

    private func read(_ file: Candidate, _ bounds: (from: Int64, to: Int64), _ query: LakeQuery, _ columns: [Column],
                      _ groupsRead: inout Int, _ groupsPruned: inout Int) -> Result<FilePartial, QueryError> {
        let every = query.every
        let bytes: [UInt8], meta: FileMetaData
        do {
            let from: any LakeSource = file.isDayFile ? (dailySource ?? source) : source
            bytes = try from.contents(of: LakeFileRef(path: file.path, size: Int64(file.size)))
        } catch {
            return .failure(QueryError(error.message))
        }
        do {
            meta = try FileMetaData.read(fileBytes: bytes)
        } catch {
            return .failure(QueryError(error.message))
        }
        let leaves = meta.leafColumns
        guard let tsIndex = leaves.firstIndex(where: { $0.name == "timestamp" }) else {
            return .failure(QueryError("no timestamp column"))
        }
        guard leaves[tsIndex].type == .int64 else {
            return .failure(QueryError("timestamp is \(leaves[tsIndex].type.map { "\($0)" } ?? "a group"), expected INT64"))
        }
        // Other writers may store micro- or nanoseconds; buckets and bounds are milliseconds.
        let divisor: Int64
        switch leaves[tsIndex].logicalType {
        case .timestamp(_, .micros)?: divisor = 1000
        case .timestamp(_, .nanos)?: divisor = 1_000_000
        case .timestamp(_, .millis)?: divisor = 1
        default: divisor = leaves[tsIndex].convertedType == ConvertedType.timestampMicros.rawValue ? 1000 : 1
        }
        var sources: [Int?] = []
        for c in columns {
            guard let i = leaves.firstIndex(where: { $0.name == c.name }) else {
                sources.append(nil)  // A column this file lacks is null in every row.
                continue
            }
            switch leaves[i].type {
            case .int32?, .int64?, .float?, .double?: sources.append(i)
            default:
                return .failure(QueryError("column '\(c.name)' is \(leaves[i].type.map { "\($0)" } ?? "a group") in this file, not a number"))
            }
        }

        // The particulate rule judges PM1, PM2.5 and PM10 together, asked for or not.
        var particulate: [Int?]? = nil
        if query.judgesPlausibility, columns.contains(where: { Plausibility.particulate.contains($0.name) }) {
            particulate = Plausibility.particulate.map { name in
                leaves.firstIndex { $0.name == name && [.int32, .int64, .float, .double].contains($0.type) }
            }
        }

        let (from, to) = bounds
        var partial = FilePartial(columns: columns.count)
        // A day file is summed source by source, as its batch files would be; any other file is
        // one run of all its rows.
        let runs = file.runs ?? [0..<max(0, Int(meta.numRows))]
        var groupStarts: [Int] = []
        var rowsBefore = 0
        for group in meta.rowGroups {
            groupStarts.append(rowsBefore)
            rowsBefore += max(0, Int(group.numRows))
        }
        var runPartials = runs.map { _ in FilePartial(columns: columns.count) }
        for g in meta.rowGroups.indices {
            let group = meta.rowGroups[g]
            guard group.numRows > 0 else { continue }
            if tsIndex < group.columns.count, let s = group.columns[tsIndex].metaData?.statistics,
               let lo = LakeScan.int64(s.minValue ?? s.legacyMin), let hi = LakeScan.int64(s.maxValue ?? s.legacyMax) {
                let first = lo.floorDiv(divisor), last = hi.floorDiv(divisor)
                if last < from || first >= to {
                    groupsPruned += 1
                    continue
                }
            }
            groupsRead += 1
            let rows = groupStarts[g]..<(groupStarts[g] + Int(group.numRows))
            do {
                var decoded = try DecodedGroup(bytes, meta, group: g, timestamp: tsIndex, sources: sources, names: columns.map(\.name))
                if query.judgesPlausibility {
                    try decoded.judge(columns.map(\.name), particulate: particulate, bytes, meta, group: g)
                }
                for (r, run) in runs.enumerated() {
                    let lo = max(run.lowerBound, rows.lowerBound), hi = min(run.upperBound, rows.upperBound)
                    guard lo < hi else { continue }
                    runPartials[r].add(decoded, divisor: divisor, from: from, to: to, every: every,
                                       rows: (lo - rows.lowerBound)..<(hi - rows.lowerBound))
                }
            } catch {
                return .failure(QueryError("row group \(g): \(error.message)"))
            }
        }
        if runPartials.count == 1 {
            partial = runPartials[0]
        } else {
            for p in runPartials { partial.merge(p) }
        }
        return .success(partial)
    }
}

/// One file's groups, keyed by bucket start (the station is the file's).
struct FilePartial {
    let columnCount: Int
    var buckets: [Int64] = []
    var counts: [Int64] = []
    /// Readings of each bucket with a value left out as implausible.
    var implausible: [Int64] = []
    /// `slot * columnCount + column`.
    var aggregates: [Aggregate] = []
    private var slotOf: [Int64: Int] = [:]

    init(columns: Int) { columnCount = columns }

    mutating func slot(_ bucket: Int64) -> Int {
        if let s = slotOf[bucket] { return s }
        let s = buckets.count
        slotOf[bucket] = s
        buckets.append(bucket)
        counts.append(0)
        implausible.append(0)
        aggregates.append(contentsOf: repeatElement(Aggregate(), count: columnCount))
        return s
    }

    /// Adds another partial's buckets (the next file of the same day).
    mutating func merge(_ o: FilePartial) {
        for (k, bucket) in o.buckets.enumerated() where o.counts[k] > 0 {
            let s = slot(bucket)
            counts[s] += o.counts[k]
            implausible[s] += o.implausible[k]
            for c in 0..<columnCount { aggregates[s * columnCount + c].merge(o.aggregates[k * columnCount + c]) }
        }
    }

    /// Adds the rows `window` of a decoded row group whose timestamp lies in `from..<to`, each
    /// to its bucket, in row order.
    mutating func add(_ group: DecodedGroup, divisor: Int64, from: Int64, to: Int64, every: BucketWidth, rows window: Range<Int>) {
        let times = group.times
        // The slot of each row, -1 for rows outside the range or without a time. Readings come
        // in time order, so the previous row's bucket is almost always the next one's.
        var slots = [Int](repeating: -1, count: times.count)
        var lastBucket = Int64.min, lastSlot = -1
        for i in window {
            guard let raw = times[i] else { continue }
            let t = divisor == 1 ? raw : raw.floorDiv(divisor)
            guard t >= from && t < to else { continue }
            let b = every.start(of: t)
            if b != lastBucket {
                lastBucket = b
                lastSlot = slot(b)
            }
            slots[i] = lastSlot
            counts[lastSlot] += 1
            if let left = group.leftOut, left[i] { implausible[lastSlot] += 1 }
        }
        let n = columnCount
        for (c, values) in group.values.enumerated() {
            guard let values else { continue }
            let dropped = group.dropped.isEmpty ? nil : group.dropped[c]
            aggregates.withUnsafeMutableBufferPointer { agg in
                func fold<T>(_ v: [T?], _ double: (T) -> Double) {
                    if let dropped {
                        for i in window where slots[i] >= 0 && !dropped[i] {
                            if let x = v[i] { agg[slots[i] * n + c].add(double(x)) }
                        }
                        return
                    }
                    for i in window where slots[i] >= 0 {
                        if let x = v[i] { agg[slots[i] * n + c].add(double(x)) }
                    }
                }
                switch values {
                case .float(let v): fold(v) { Double($0) }
                case .double(let v): fold(v) { $0 }
                case .int32(let v): fold(v) { Double($0) }
                case .int64(let v): fold(v) { Double($0) }
                case .boolean, .string: break  // Refused before reading (physical type check).
                }
            }
        }
    }
}

/// One row group's timestamps and the columns a query aggregates, decoded once however many
/// runs of rows it is summed in.
struct DecodedGroup {
    var times: [Int64?]
    /// By aggregated column; nil for a column the file lacks.
    var values: [ColumnValues?]
    /// By aggregated column, the rows whose value a plausibility rule leaves out (nil: no rule
    /// or nothing left out); empty when the question keeps every value.
    var dropped: [[Bool]?] = []
    /// Rows with any value left out, when the question judges plausibility.
    var leftOut: [Bool]?

    init(_ bytes: [UInt8], _ meta: FileMetaData, group g: Int, timestamp ts: Int, sources: [Int?], names: [String]) throws(ParquetReadError) {
        let rows = Int(meta.rowGroups[g].numRows)
        guard case .int64(let times) = try ParquetFile.readColumn(bytes, metadata: meta, rowGroup: g, column: ts),
              times.count == rows else {
            throw ParquetReadError("timestamp column does not hold \(rows) INT64 values")
        }
        self.times = times
        values = []
        for (c, source) in sources.enumerated() {
            guard let source else {
                values.append(nil)
                continue
            }
            let v = try ParquetFile.readColumn(bytes, metadata: meta, rowGroup: g, column: source)
            guard v.count == rows else {
                throw ParquetReadError("column '\(names[c])' holds \(v.count) values for \(rows) rows")
            }
            values.append(v)
        }
    }
}

extension DecodedGroup {
    /// Marks the values the rules of Plausibility.swift leave out. `particulate` locates PM1,
    /// PM2.5 and PM10 in the file (nil: no particulate column was asked for).
    mutating func judge(_ names: [String], particulate: [Int?]?, _ bytes: [UInt8], _ meta: FileMetaData, group g: Int) throws(ParquetReadError) {
        let rows = times.count
        var stuck: [Bool]?
        if let particulate {
            var pm: [[Double?]] = []
            for source in particulate {
                guard let source else {
                    pm.append(Array(repeating: nil, count: rows))
                    continue
                }
                let v = try ParquetFile.readColumn(bytes, metadata: meta, rowGroup: g, column: source)
                guard v.count == rows else { throw ParquetReadError("a particulate column holds \(v.count) values for \(rows) rows") }
                pm.append(Self.doubles(v))
            }
            stuck = (0..<rows).map { Plausibility.particulateImplausible(pm[0][$0], pm[1][$0], pm[2][$0]) }
        }
        var left = [Bool](repeating: false, count: rows)
        var any = false
        dropped = names.indices.map { c in
            guard let v = values[c], Plausibility.applies(to: names[c]) else { return nil }
            let doubles = Self.doubles(v)
            var out = [Bool](repeating: false, count: rows)
            var hit = false
            let isParticulate = Plausibility.particulate.contains(names[c])
            for i in 0..<rows {
                guard let x = doubles[i] else { continue }
                if isParticulate ? stuck![i] : !Plausibility.plausible(names[c], x) {
                    out[i] = true
                    left[i] = true
                    hit = true
                }
            }
            any = any || hit
            return hit ? out : nil
        }
        leftOut = any ? left : nil
    }

    static func doubles(_ v: ColumnValues) -> [Double?] {
        switch v {
        case .float(let x): x.map { $0.map(Double.init) }
        case .double(let x): x
        case .int32(let x): x.map { $0.map(Double.init) }
        case .int64(let x): x.map { $0.map(Double.init) }
        case .boolean(let x): x.map { $0.map { $0 ? 1 : 0 } }
        case .string(let x): x.map { _ in nil }
        }
    }
}

/// The groups of the whole answer, keyed by (station, bucket start).
struct Totals {
    struct Key: Hashable {
        var station: Int
        var bucket: Int64
    }

    let columnCount: Int
    var stations: [String] = []
    var stationIndex: [String: Int] = [:]
    var keys: [Key] = []
    var counts: [Int64] = []
    var implausible: [Int64] = []
    var aggregates: [Aggregate] = []
    var slotOf: [Key: Int] = [:]

    init(columns: Int) { columnCount = columns }

    /// Adds a file's or a day's buckets, those `keep` accepts.
    mutating func merge(_ p: FilePartial, station: String, keep: (Int64) -> Bool) {
        guard !p.buckets.isEmpty else { return }
        let s: Int
        if let i = stationIndex[station] {
            s = i
        } else {
            s = stations.count
            stationIndex[station] = s
            stations.append(station)
        }
        for (k, bucket) in p.buckets.enumerated() where p.counts[k] > 0 && keep(bucket) {
            let key = Key(station: s, bucket: bucket)
            let slot: Int
            if let existing = slotOf[key] {
                slot = existing
            } else {
                slot = keys.count
                slotOf[key] = slot
                keys.append(key)
                counts.append(0)
                implausible.append(0)
                aggregates.append(contentsOf: repeatElement(Aggregate(), count: columnCount))
            }
            counts[slot] += p.counts[k]
            implausible[slot] += p.implausible[k]
            for c in 0..<columnCount {
                aggregates[slot * columnCount + c].merge(p.aggregates[k * columnCount + c])
            }
        }
    }

    func groups() -> [QueryGroup] {
        keys.indices.sorted {
            let a = keys[$0], b = keys[$1]
            return a.station != b.station ? stations[a.station] < stations[b.station] : a.bucket < b.bucket
        }.map { slot in
            QueryGroup(station: stations[keys[slot].station], start: keys[slot].bucket, count: counts[slot],
                       aggregates: Array(aggregates[(slot * columnCount)..<((slot + 1) * columnCount)]),
                       implausible: implausible[slot])
        }
    }
}

