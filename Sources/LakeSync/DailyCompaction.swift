// The station's own daily compaction, run by `start`: once a UTC day is over — and, when the lake
// is synced, each of its batch files is proven stored by the sync ledger — the day's batch files
// become its day file in the daily lake (Sources/Compaction/DayCompactor.swift), and with sync on
// the day file is uploaded under the daily prefix. The raw lake and its sync are not touched: the
// day file is derived data, the batch files stay the record.
//
// A pass runs after each sync of the lake (the ledger just brought up to date), or hourly when
// the lake is not synced. The first pass of a process looks at every day of the lake, later ones
// at the last week: a batch file arriving later than that is compacted by `opensensor compact`.
//
// The upload keeps no state of its own: a day file is put when the bucket has none, one of
// another size, or one older than the local file (a day compacted again after a late batch).
// A failed put is simply tried again by the next pass.

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import CivilTime
public import Compaction
import DurableFiles
public import Lake
public import Logging
public import ObjectStore
import Synchronization

public actor DailyCompaction {
    /// `data` or `health`, for logs.
    public nonisolated let label: String
    /// The raw lake and the lake of day files.
    public nonisolated let root: String
    public nonisolated let dailyRoot: String
    let kind: LakeKind
    /// The raw lake's sync ledger (`SyncEngine.ledgerPath`); nil: the lake is not synced, and a
    /// day is ready once it is over.
    let ledgerPath: String?
    /// Where day files go: the bucket under the daily prefix; nil with sync off.
    let upload: (any ObjectStore)?
    let graceMillis: Int64
    let now: @Sendable () -> Int64
    let logger: Logger
    let finished: @Sendable (CompactionReport) -> Void
    /// The day folders whose day file is written, verified and (with sync on) uploaded, as of
    /// the passes so far: retention deletes a day's batch files by age only once it is here.
    public nonisolated let dayFilesStored = DayFolderSet()
    /// Days before today that passes after the first look at.
    static let recentDays = 7
    private var firstPassDone = false
    /// The last pass's stop reason, so a lasting one is logged once.
    private var lastTrouble: String?

    /// `graceMillis` past midnight a day counts as over (its last batch is written at midnight).
    /// `finished` hears every pass's report (the metrics count it).
    public init(label: String, root: String, dailyRoot: String, kind: LakeKind, ledgerPath: String?,
                upload: (any ObjectStore)?, graceMillis: Int64 = 5 * 60_000, now: @escaping @Sendable () -> Int64,
                logger: Logger, finished: @escaping @Sendable (CompactionReport) -> Void = { _ in }) {
        self.label = label
        self.root = root
        self.dailyRoot = dailyRoot
        self.kind = kind
        self.ledgerPath = ledgerPath
        self.upload = upload
        self.graceMillis = graceMillis
        self.now = now
        self.logger = logger
        self.finished = finished
    }

    /// What a pass did, for tests and logs.
    public struct Pass: Sendable {
        public var report = CompactionReport()
        /// Day files put into the bucket.
        public var uploaded: [String] = []
        /// Why the pass stopped early, if it did.
        public var stoppedBy: String?
    }

    /// One pass, logged.
    @discardableResult
    public func run() async -> Pass {
        var pass = Pass()
        defer { log(pass) }
        let today = Int(now().floorDiv(86_400_000))
        let firstDay = firstPassDone ? today - Self.recentDays : nil
        // No batch filed yet (the health lake appears with its first batch): nothing to compact,
        // and nothing worth a warning.
        guard FileIO.exists(root) else { return pass }
        let source: LocalDirectoryObjectStore, target: LocalDirectoryObjectStore
        do {
            source = try LocalDirectoryObjectStore(root: root)
            try FileIO.makeFolders(dailyRoot)
            target = try LocalDirectoryObjectStore(root: dailyRoot)
        } catch {
            pass.stoppedBy = "cannot open the lakes: \(error)"
            return pass
        }
        // Which days are ready depends on the days found (the ledger is asked about them), so
        // the rule is set once they are listed.
        var compactor = DayCompactor(source: source, target: target, kind: kind, workers: 1) { _ in false }
        let days: [CompactionDay]
        do {
            days = try await compactor.days(firstDay: firstDay, lastDay: today - 1)
        } catch {
            pass.stoppedBy = "cannot list \(root): \(error)"
            return pass
        }
        guard !days.isEmpty else {
            firstPassDone = true
            return pass
        }
        let stored: Set<String>
        switch provenStored(days) {
        case .success(let s): stored = s
        case .failure(let why):
            pass.stoppedBy = why.message
            return pass
        }
        let (nowMillis, grace, synced) = (now(), graceMillis, ledgerPath != nil)
        let isReady: @Sendable (CompactionDay) -> Bool = { day in
            DayCompactor.isClosed(day.date, nowMillis: nowMillis, graceMillis: grace) && (!synced || stored.contains(day.folder))
        }
        compactor.isReady = isReady
        pass.report = await compactor.run(days)
        firstPassDone = true
        finished(pass.report)

        // The days whose day file now stands for their batch files, on disk (verified when it
        // was written) and, with sync on, in the bucket: retention waits for these.
        let failed = Set(pass.report.failed.map(\.day))
        var standing: [(day: CompactionDay, path: ObjectPath)] = []
        for day in days {
            guard let path = Self.dayFilePath(day, kind: kind) else { continue }
            if isReady(day), !failed.contains(day.folder), (try? await target.head(path)) != nil {
                standing.append((day, path))
            } else {
                dayFilesStored.remove(day.folder)
            }
        }
        if let upload {
            await uploadDayFiles(standing, from: target, to: upload, &pass)
        } else {
            for s in standing { dayFilesStored.insert(s.day.folder) }
        }
        return pass
    }

    /// `station=…/year=…/month=…/day=…/data_YYYYMMDD.parquet` of `day`.
    static func dayFilePath(_ day: CompactionDay, kind: LakeKind) -> ObjectPath? {
        try? ObjectPath(day.folder + "/" + LakeLayout.dayFileName(kind: kind.rawValue, date: day.date))
    }

    // MARK: Readiness

    struct Trouble: Error { var message: String }

    /// The day folders each of whose batch files the ledger records as stored, with the size it
    /// has now. Without a ledger, none (then readiness does not ask).
    func provenStored(_ days: [CompactionDay]) -> Result<Set<String>, Trouble> {
        guard let ledgerPath else { return .success([]) }
        // Read under the ledger's lock, as retention reads it: no sync changes it meanwhile.
        let ledger: SyncLedger
        do {
            ledger = try SyncLedger(existingAt: ledgerPath)
            guard try ledger.tryLock() else { return .failure(Trouble(message: "a sync holds the ledger")) }
        } catch {
            return .failure(Trouble(message: "the sync ledger cannot be read, so no day counts as uploaded: \(error)"))
        }
        defer { ledger.release() }
        do { try ledger.catchUp() } catch {
            return .failure(Trouble(message: "the sync ledger cannot be read, so no day counts as uploaded: \(error)"))
        }
        var out: Set<String> = []
        for day in days {
            let all = day.sources.allSatisfy { meta in
                guard let entry = LakeLayout.parse(meta.path.rawValue), let key = LedgerFileKey(entry),
                      let stamp = ledger.provenStored(day: day.folder, key)
                else { return false }
                return stamp.size == Int64(meta.size)
            }
            if all { out.insert(day.folder) }
        }
        return .success(out)
    }

    // MARK: Upload

    /// Puts each standing day file the bucket lacks or holds an older or different copy of; each
    /// one the bucket then holds counts as stored.
    func uploadDayFiles(_ standing: [(day: CompactionDay, path: ObjectPath)], from target: LocalDirectoryObjectStore,
                        to bucket: any ObjectStore, _ pass: inout Pass) async {
        for (day, path) in standing {
            do {
                let local = try await target.head(path)
                if let remote = try await existing(path, in: bucket), remote.size == local.size,
                   let stored = remote.lastModified, let made = local.lastModified, stored >= made {
                    dayFilesStored.insert(day.folder)
                    continue
                }
                let bytes = try await target.get(path).bytes
                try await bucket.put(path, bytes: bytes, mode: .overwrite)
                pass.uploaded.append(path.rawValue)
                dayFilesStored.insert(day.folder)
            } catch {
                // The next pass tries again; the day file stays on disk meanwhile.
                pass.stoppedBy = "uploading \(path) to \(bucket): \(error)"
                return
            }
        }
    }

    private func existing(_ path: ObjectPath, in bucket: any ObjectStore) async throws -> ObjectMeta? {
        do { return try await bucket.head(path) } catch let e as ObjectStoreError where e.kind == .notFound { return nil }
    }

    // MARK: Logging

    private func log(_ pass: Pass) {
        let r = pass.report
        if !r.compacted.isEmpty || !pass.uploaded.isEmpty {
            logger.info("day files written", metadata: [
                "data": "\(label)", "daily": "\(dailyRoot)", "days": "\(r.compacted.count)", "rows": "\(r.rowsWritten)",
                "uploaded": "\(pass.uploaded.count)"])
        }
        for f in r.failed {
            logger.error("a day could not be compacted; its batch files stay the record", metadata: [
                "data": "\(label)", "day": "\(f.day)", "reason": "\(f.reason)"])
        }
        if let why = pass.stoppedBy, why != lastTrouble {
            logger.warning("compaction: \(why); the next pass tries again", metadata: ["data": "\(label)"])
        }
        lastTrouble = pass.stoppedBy
    }
}

/// A set of day folders (`station=…/year=…/month=…/day=…`) shared between passes.
public final class DayFolderSet: Sendable {
    private let folders = Mutex<Set<String>>([])
    public init() {}
    public func contains(_ folder: String) -> Bool { folders.withLock { $0.contains(folder) } }
    func insert(_ folder: String) { _ = folders.withLock { $0.insert(folder) } }
    func remove(_ folder: String) { _ = folders.withLock { $0.remove(folder) } }
}
