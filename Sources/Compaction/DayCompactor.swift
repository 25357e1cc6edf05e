// Daily compaction: for every station and closed UTC day, the day's batch files become one day
// file, sorted by timestamp, in the sibling lake (Sources/Lake/DayFile.swift). It works over the
// ObjectStore protocol, so the same code compacts a station's folder and a network's bucket.
//
// A day is compacted when it has no day file, or when its batch files changed since its day file
// was made (a late upload: a batch name the day file does not record, or another size). Sources
// that are gone are no reason: retention deletes a day's batch files once its day file is stored.
// Checking a day file costs one read of it, so it is made only when a batch file is at least as
// new as the day file: what the day file was made from is always older than it.
//
// Each day file is verified before it counts: read back from the store, it must hold the rows the
// batch files hold (count, first and last timestamp, and per column the count of values and the
// exact sum of their bit patterns), in timestamp order and in the lake's schema; otherwise it is
// removed and the day reported. The put is the store's (atomic: a local store stages and renames,
// S3 stores a PUT whole), so a kill at any moment leaves the old day file or the new one, never
// part of one, and a rerun does what is left. Memory: one day in memory per worker.

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
public import CivilTime
public import Lake
public import ObjectStore
public import Parquet

/// One station-day of batch files.
public struct CompactionDay: Sendable {
    public var station: String
    public var date: CivilDate
    /// The day's batch files of the kind compacted, by name.
    public var sources: [ObjectMeta]

    public init(station: String, date: CivilDate, sources: [ObjectMeta]) {
        self.station = station
        self.date = date
        self.sources = sources
    }

    /// `station=…/year=…/month=…/day=…`.
    public var folder: String { LakeLayout.dayFolder(station: station, date: date) }
}

/// What a run did.
public struct CompactionReport: Sendable, CustomStringConvertible {
    /// Day files written and verified (paths in the daily lake), in day order.
    public var compacted: [String] = []
    /// Of those, the ones that replaced an older day file.
    public var replaced: [String] = []
    /// Days whose day file already stands for their batch files.
    public var upToDate = 0
    /// Days not closed yet (today, or, with sync on, batch files not proven uploaded).
    public var notClosed = 0
    /// Days that could not be compacted, and why (a day file that failed verification is removed).
    public var failed: [(day: String, reason: String)] = []
    /// Puts made (a run with nothing new makes none).
    public var writes = 0
    public var bytesWritten = 0
    public var batchFilesRead = 0
    public var rowsWritten = 0

    public init() {}

    public var succeeded: Bool { failed.isEmpty }

    public var description: String {
        var parts = ["\(compacted.count) day files written (\(rowsWritten) rows from \(batchFilesRead) batch files, \(bytesWritten) bytes)"]
        if !replaced.isEmpty { parts.append("\(replaced.count) replaced after late batches") }
        parts.append("\(upToDate) up to date")
        if notClosed > 0 { parts.append("\(notClosed) not closed yet") }
        if !failed.isEmpty { parts.append("\(failed.count) failed") }
        return parts.joined(separator: ", ")
    }
}

/// Compacts one kind of batch file (`data` or `health`) from a raw lake into a daily lake.
public struct DayCompactor: Sendable {
    public let source: any ObjectStore
    public let target: any ObjectStore
    public let kind: LakeKind
    public var options: WriterOptions
    /// Days compacted at once; each holds one day in memory.
    public var workers: Int
    /// Whether a day may be compacted (closed, and with sync on uploaded). Days that are not are
    /// counted in ``CompactionReport/notClosed``.
    public var isReady: @Sendable (CompactionDay) async -> Bool
    /// Always read an existing day file to compare its sources, not only when a batch file is as
    /// new as it (for lakes whose modification times cannot be trusted).
    public var alwaysCheck = false

    public init(source: any ObjectStore, target: any ObjectStore, kind: LakeKind = .data,
                options: WriterOptions = DayCompactor.defaultOptions, workers: Int = 2,
                isReady: @escaping @Sendable (CompactionDay) async -> Bool) {
        self.source = source
        self.target = target
        self.kind = kind
        self.options = options
        self.workers = max(1, workers)
        self.isReady = isReady
    }

    /// How day files are written.
    public static var defaultOptions: WriterOptions { .dayFile }

    /// A readiness rule for days that are over: a day is closed once `closedAfterMillis` has
    /// passed since its end (the batch closing at midnight is written at midnight).
    public static func closed(now: @escaping @Sendable () -> Int64, graceMillis: Int64 = 0) -> @Sendable (CompactionDay) async -> Bool {
        { day in isClosed(day.date, nowMillis: now(), graceMillis: graceMillis) }
    }

    /// Whether `date` is over by `nowMillis`, `graceMillis` past its midnight.
    public static func isClosed(_ date: CivilDate, nowMillis: Int64, graceMillis: Int64 = 0) -> Bool {
        nowMillis >= Int64(date.daysSince1970 + 1) * 86_400_000 + graceMillis
    }

    // MARK: Finding days

    /// The station-days of the raw lake holding batch files of this kind, within the bounds (days
    /// since 1970, inclusive) and stations given, in key order. A local folder is walked with the
    /// lake walker (one listing per day folder); any other store is listed once.
    public func days(firstDay: Int? = nil, lastDay: Int? = nil, stations: Set<String>? = nil) async throws -> [CompactionDay] {
        var out: [CompactionDay] = []
        if let local = source as? LocalDirectoryObjectStore {
            let walker = LakeWalker(root: local.root, firstDay: firstDay, lastDay: lastDay, stations: stations)
            for day in walker.days() {
                guard let date = CivilDate(year: day.year, month: day.month, day: day.day) else { continue }
                var metas: [ObjectMeta] = []
                for try await meta in source.listAll(prefix: day.path + "/") where isSource(meta.path.rawValue) {
                    metas.append(meta)
                }
                if !metas.isEmpty { out.append(CompactionDay(station: day.station, date: date, sources: metas)) }
            }
            return out
        }
        let prefix = stations.flatMap { $0.count == 1 ? "station=\($0.first!)/" : nil } ?? ""
        for try await meta in source.listAll(prefix: prefix) {
            let key = meta.path.rawValue
            guard isSource(key), let e = LakeLayout.parse(key), let date = CivilDate(year: e.year, month: e.month, day: e.day) else { continue }
            if let stations, !stations.contains(e.station) { continue }
            if let firstDay, date.daysSince1970 < firstDay { continue }
            if let lastDay, date.daysSince1970 > lastDay { continue }
            if let last = out.last, last.station == e.station, last.date == date {
                out[out.count - 1].sources.append(meta)
            } else {
                out.append(CompactionDay(station: e.station, date: date, sources: [meta]))
            }
        }
        return out
    }

    private func isSource(_ key: String) -> Bool {
        LakeLayout.parse(key)?.kind == kind.rawValue
    }

    /// The day files of the daily lake, by day folder.
    func existingDayFiles(stations: Set<String>?) async throws -> [String: ObjectMeta] {
        var out: [String: ObjectMeta] = [:]
        let prefix = stations.flatMap { $0.count == 1 ? "station=\($0.first!)/" : nil } ?? ""
        for try await meta in target.listAll(prefix: prefix) {
            let key = meta.path.rawValue
            guard let slash = key.lastIndex(of: "/") else { continue }
            let folder = String(key[..<slash])
            guard let parsed = LakeLayout.parse(folder + "/data_0000.parquet"),
                  let date = CivilDate(year: parsed.year, month: parsed.month, day: parsed.day),
                  key[key.index(after: slash)...] == LakeLayout.dayFileName(kind: kind.rawValue, date: date)
            else { continue }
            out[folder] = meta
        }
        return out
    }

    // MARK: Running

    /// Compacts every ready day of `days` that needs it; `progress` hears (days done, days).
    public func run(_ days: [CompactionDay], stations: Set<String>? = nil,
                    progress: @Sendable (_ done: Int, _ total: Int) -> Void = { _, _ in }) async -> CompactionReport {
        var report = CompactionReport()
        let existing: [String: ObjectMeta]
        do {
            existing = try await existingDayFiles(stations: stations)
        } catch {
            report.failed.append(("daily lake", "cannot list \(target): \(error)"))
            return report
        }
        var outcomes = [DayOutcome?](repeating: nil, count: days.count)
        var done = 0
        await withTaskGroup(of: (Int, DayOutcome).self) { group in
            var next = 0
            func launch() {
                let i = next
                next += 1
                let day = days[i], old = existing[days[i].folder]
                group.addTask { (i, await self.compact(day, existing: old)) }
            }
            while next < min(workers, days.count) { launch() }
            while let (i, outcome) = await group.next() {
                outcomes[i] = outcome
                done += 1
                progress(done, days.count)
                if next < days.count { launch() }
            }
        }
        for (i, outcome) in outcomes.enumerated() {
            guard let outcome else { continue }
            let path = LakeLayout.dayFilePath(station: days[i].station, kind: kind.rawValue, date: days[i].date)
            switch outcome {
            case .notReady: report.notClosed += 1
            case .upToDate: report.upToDate += 1
            case .written(let bytes, let rows, let files, let replaced):
                report.compacted.append(path)
                if replaced { report.replaced.append(path) }
                report.writes += 1
                report.bytesWritten += bytes
                report.rowsWritten += rows
                report.batchFilesRead += files
            case .failed(let reason, let wrote):
                report.failed.append((days[i].folder, reason))
                if wrote { report.writes += 1 }
            }
        }
        return report
    }

    enum DayOutcome: Sendable {
        case notReady
        case upToDate
        case written(bytes: Int, rows: Int, files: Int, replaced: Bool)
        case failed(String, wrote: Bool)
    }

    /// One day: decide, read, sort, write, verify.
    func compact(_ day: CompactionDay, existing: ObjectMeta?) async -> DayOutcome {
        guard !day.sources.isEmpty else { return .upToDate }
        guard await isReady(day) else { return .notReady }
        let sources = day.sources.sorted { $0.path.rawValue.utf8.lexicographicallyPrecedes($1.path.rawValue.utf8) }
        let current = sources.map { (name: String($0.path.filename), size: $0.size) }
        let key: ObjectPath
        do {
            key = try ObjectPath(LakeLayout.dayFilePath(station: day.station, kind: kind.rawValue, date: day.date))
        } catch {
            return .failed("\(error)", wrote: false)
        }
        if let existing {
            let maybeStale = alwaysCheck || sources.contains { s in
                guard let a = s.lastModified, let b = existing.lastModified else { return true }
                return a >= b
            }
            if !maybeStale { return .upToDate }
            if let recorded = try? await recordedSources(key), recorded.covers(current) { return .upToDate }
        }

        // Read the batch files, in name order.
        var rows = DayRows(schema: kind.schema)
        var runs: [Range<Int>] = []
        for s in sources {
            let bytes: [UInt8]
            do {
                bytes = try await source.get(s.path).bytes
            } catch {
                return .failed("\(s.path): \(error)", wrote: false)
            }
            let before = rows.count
            do {
                try rows.append(file: bytes)
            } catch {
                return .failed("\(s.path): \(error.message)", wrote: false)
            }
            runs.append(before..<rows.count)
        }

        // Sort by timestamp (stable; rows without one last), and note where each source's rows
        // went: as one run (the usual case: batches do not overlap) a reader can sum them apart.
        guard case .int64(let times) = rows.columns[0] else { return .failed("no timestamp column", wrote: false) }
        let order = times.indices.sorted { a, b in
            let x = times[a] ?? .max, y = times[b] ?? .max
            return x != y ? x < y : a < b
        }
        var position = [Int](repeating: 0, count: order.count)
        for (p, r) in order.enumerated() { position[r] = p }
        var recorded: [DayFileSources.Source] = []
        for (s, run) in zip(sources, runs) {
            var first: Int? = run.isEmpty ? 0 : position[run.lowerBound]
            if let f = first, !run.isEmpty, !run.indices.allSatisfy({ position[$0] == f + ($0 - run.lowerBound) }) { first = nil }
            recorded.append(.init(name: String(s.path.filename), size: s.size, eTag: s.eTag ?? "", rows: run.count, firstRow: first))
        }

        var writer = ParquetWriter(schema: kind.schema, options: options)
        do {
            try writer.write(rows.permuted(order))
        } catch {
            return .failed("encoding the day file: \(error)", wrote: false)
        }
        let bytes = writer.finish(keyValueMetadata: [KeyValue(key: DayFileSources.key, value: DayFileSources(recorded).text)])
        do {
            try await target.put(key, bytes: bytes, mode: .overwrite)
        } catch {
            return .failed("writing \(key): \(error)", wrote: false)
        }
        if let problem = await verify(key, expected: rows.summary) {
            // A day file that does not hold the day exactly must not count: readers fall back to
            // the batch files.
            do {
                try await target.delete(key)
            } catch {
                return .failed("\(problem); removing it failed too: \(error)", wrote: true)
            }
            return .failed("\(key) failed verification and was removed: \(problem)", wrote: true)
        }
        return .written(bytes: bytes.count, rows: rows.count, files: sources.count, replaced: existing != nil)
    }

    /// The sources an existing day file records; nil when it has none or cannot be read.
    func recordedSources(_ key: ObjectPath) async throws -> DayFileSources? {
        let bytes = try await target.get(key).bytes
        let meta = try FileMetaData.read(fileBytes: bytes)
        guard let text = meta.keyValueMetadata?.first(where: { $0.key == DayFileSources.key })?.value else { return nil }
        return DayFileSources(text: text)
    }

    /// Reads the day file back from the store and compares it with what the sources hold; the
    /// problem, or nil when it is exact.
    func verify(_ key: ObjectPath, expected: DaySummary) async -> String? {
        let bytes: [UInt8]
        do { bytes = try await target.get(key).bytes } catch { return "reading it back: \(error)" }
        var back = DayRows(schema: kind.schema)
        do {
            let reader = try ParquetFileReader(bytes: bytes)
            let names = reader.columns.map(\.name), types = reader.columns.map(\.columnType)
            guard names == kind.schema.columns.map(\.name), types == kind.schema.columns.map({ Optional($0.type) }) else {
                return "its schema is not the lake's"
            }
        } catch {
            return "reading it back: \(error.message)"
        }
        do { try back.append(file: bytes) } catch { return "reading it back: \(error.message)" }
        if let difference = back.summary.difference(from: expected, names: kind.schema.columns.map(\.name)) { return difference }
        if case .int64(let t) = back.columns[0] {
            var last = Int64.min
            for v in t {
                let x = v ?? .max
                if x < last { return "its rows are not in timestamp order" }
                last = x
            }
        }
        return nil
    }
}
