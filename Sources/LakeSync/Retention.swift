// Retention and the free-space floor: a station that runs for months must
// not fill its SD card, and must never throw away a reading that exists nowhere else.
//
// One pass over one lake (the data lake or the health lake, each with its own sync ledger):
//
//   (a) age: a file's age is that of its partition day (the UTC date of its first reading).
//       With OPENSENSOR_RETENTION_DAYS = N, the files of day D go once D + N < today, i.e. the
//       station keeps today and the N whole days before it. Whole days keep the rule simple to
//       state and let a day's folder go at once.
//   (b) floor: while the disk's free space is below OPENSENSOR_MIN_FREE_MB, the oldest files go
//       one at a time, oldest first by (day, boundary minute, attempt), until it is above.
//   (c) day, month and year folders emptied by the pass are removed.
//
// A file may go only if the sync ledger shows it proven stored (uploaded, or found stored byte
// for byte) with the size and modification time it still has — a file rewritten since, a
// conflict, or a difference `sync --verify` found is not — or, with sync off, if the user asked
// for unsynced files to go. With daily compaction on (DailyCompaction.swift), age (a) also waits
// until the day's day file is written, verified and, with sync on, uploaded: the daily lake is
// then complete before a day leaves the station. The floor (b) does not wait: a full disk is an
// emergency, and the batch files it deletes are stored elsewhere all the same.
//
// Age is judged by a clock that can be wrong: a Pi has no real-time clock, and a clock that jumps
// years ahead would make every file "old". So (a) is skipped, with a log line, while the kernel
// says the clock is not synchronised, or while "today" is more than one day past the newest
// partition of the lake: a running collector files a batch into today's partition at least once
// a day (every 15 minutes by default), so the newest partition is today, or yesterday until the
// first batch after midnight. A bigger gap means the clock jumped — or the station was off, and
// then waiting for its first batch of today costs nothing. The floor (b) still works, since a
// full disk is real whatever the date, but it never touches the newest partition then.
// Today's (and any later) partition is never touched: the collector may be writing into it, the
// journal's crash recovery reads its newest files, and it is small beside any sensible floor.
// Only complete files of the layout count (LakeLayout.parse): the collector's temporary names
// never match. Any doubt about the ledger — unreadable, damaged — deletes nothing.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Lake
public import Logging
import CivilTime
public import Config
public import DurableFiles

/// What one pass did.
public struct RetentionReport: Sendable, CustomStringConvertible {
    /// Files deleted (relative paths), in the order they went.
    public var deleted: [String] = []
    public var bytesFreed: Int64 = 0
    /// Files the pass would have deleted (by age, or for the floor) but kept: not synced.
    public var keptUnsynced = 0
    /// Files old enough to go but kept until their day's day file is stored.
    public var keptForDayFile = 0
    /// Day, month and year folders removed once empty.
    public var foldersRemoved = 0
    /// Free space at the end of the pass (nil with the floor off, or when it cannot be measured).
    public var freeBytes: Int64?
    /// Free space is still below the floor: nothing the pass may delete is left.
    public var floorBreached = false
    /// Why the pass deleted nothing although it had work (an unreadable ledger, a sync holding it).
    public var stoppedBy: String?
    /// Why deletion by age was skipped (a clock in doubt).
    public var ageSkipped: String?
    /// Files that could not be deleted, and a free-space measurement that failed.
    public var failures: [(path: String, reason: String)] = []

    public init() {}

    public var description: String {
        var parts = ["\(deleted.count) deleted (\(bytesFreed) bytes)"]
        if keptUnsynced > 0 { parts.append("\(keptUnsynced) kept (not synced)") }
        if keptForDayFile > 0 { parts.append("\(keptForDayFile) kept (their day file is not stored yet)") }
        if foldersRemoved > 0 { parts.append("\(foldersRemoved) folders removed") }
        if let freeBytes { parts.append("\(freeBytes >> 20) MiB free") }
        if floorBreached { parts.append("below the free-space floor") }
        if let stoppedBy { parts.append("stopped: \(stoppedBy)") }
        if let ageSkipped { parts.append("age not applied: \(ageSkipped)") }
        if !failures.isEmpty { parts.append("\(failures.count) failed") }
        return parts.joined(separator: ", ")
    }
}

/// Runs retention passes over one lake.
public actor Retention {
    /// The lake's root (`OPENSENSOR_OUTPUT_DIR` or the health directory).
    public nonisolated let root: String
    /// The ledger of the lake's sync destination (`SyncEngine.ledgerPath`); nil when the lake is
    /// not synced by this process — then, with sync on, nothing counts as synced.
    public nonisolated let ledgerPath: String?
    public nonisolated let policy: RetentionPolicy
    private let freeSpace: any FreeSpace
    private let logger: Logger
    private let now: @Sendable () -> Int64
    private let clockSynced: @Sendable (Int64) -> Bool?
    /// With daily compaction on: the days whose day file is stored (DailyCompaction).
    private let dayFilesStored: DayFolderSet?
    /// For logging a lasting condition once, not every pass.
    private var breachLogged = false
    private var lastStop: String?
    private var lastAgeSkip: String?

    /// `now` is the collector's wall clock in milliseconds (partition dates follow it);
    /// `clockSynced(now)` says whether that clock is known good (nil: cannot tell;
    /// `HealthSampler.systemClockSynced` asks the kernel).
    public init(
        root: String, ledgerPath: String?, policy: RetentionPolicy, freeSpace: any FreeSpace = StatvfsFreeSpace(),
        logger: Logger, now: @escaping @Sendable () -> Int64,
        clockSynced: @escaping @Sendable (Int64) -> Bool?, dayFilesStored: DayFolderSet? = nil
    ) {
        self.dayFilesStored = dayFilesStored
        self.root = root
        self.ledgerPath = ledgerPath
        self.policy = policy
        self.freeSpace = freeSpace
        self.logger = logger
        self.now = now
        self.clockSynced = clockSynced
    }

    /// One pass, logged: a line when it deleted something, an error (once while it lasts) when
    /// the floor cannot be kept or the ledger cannot be read.
    @discardableResult
    public func run() -> RetentionReport {
        let report = pass()
        log(report)
        return report
    }

    // MARK: - The pass

    /// A batch file of the lake, located.
    struct File {
        var day: DayFolder
        var name: String
        var entry: LakeLayout.Entry
        var size: Int64
        var mtimeNanos: Int64
        var relativePath: String { day.path + "/" + name }
    }

    /// `station=…/year=…/month=…/day=…`, relative to the root, with its day number since 1970.
    struct DayFolder {
        var path: String
        var index: Int
    }

    func pass() -> RetentionReport {
        var report = RetentionReport()
        guard policy.isActive else { return report }
        let today = Int(now().floorDiv(86_400_000))
        var free = measure(&report)
        func belowFloor() -> Bool { free.map { $0 < policy.minFreeBytes } ?? false }

        // Today's partition and any later one (a clock that was ahead) are never candidates.
        let all = dayFolders()
        var days = all.filter { $0.index < today }
        let newest = all.map(\.index).max()
        if policy.retentionDays != nil, let newest {
            if clockSynced(now()) == false {
                report.ageSkipped = "the system clock is not synchronised"
            } else if today - newest > 1 {
                report.ageSkipped = "today (\(CivilDate(daysSince1970: today))) is \(today - newest) days past the newest partition: the clock may have jumped"
            }
        }
        if report.ageSkipped != nil, let newest { days = days.filter { $0.index < newest } }
        let cutoff = report.ageSkipped != nil ? nil : policy.retentionDays.map { today - min($0, 1 << 40) }
        let expired = days.filter { day in cutoff.map { day.index < $0 } ?? false }
        guard !expired.isEmpty || (belowFloor() && !days.isEmpty) else {
            report.freeBytes = free
            report.floorBreached = belowFloor()
            return report
        }

        // The ledger is read under its lock, so no sync (here or by hand) changes it meanwhile.
        var ledger: SyncLedger?
        if let ledgerPath {
            do {
                let opened = try SyncLedger(existingAt: ledgerPath)
                guard try opened.tryLock() else {
                    report.stoppedBy = Self.ledgerBusy
                    report.freeBytes = free
                    report.floorBreached = belowFloor()
                    return report
                }
                ledger = opened
                try opened.catchUp()
            } catch {
                ledger?.release()
                report.stoppedBy = "the sync ledger cannot be read, so nothing is deleted: \(error)"
                report.freeBytes = free
                report.floorBreached = belowFloor()
                return report
            }
        }
        defer { ledger?.release() }

        func mayDelete(_ f: File) -> Bool {
            if policy.mayDeleteUnsynced { return true }
            guard let ledger, let key = LedgerFileKey(f.entry), let stamp = ledger.provenStored(day: f.day.path, key) else { return false }
            // Still the very file that was proven stored (see the file comment).
            return stamp.matches(size: f.size, mtimeNanos: f.mtimeNanos)
        }
        var kept: Set<[UInt8]> = []  // bytes: canonically equivalent names are different files
        var touched: [String] = []
        func touch(_ day: String) {
            if !touched.contains(where: { $0.utf8.elementsEqual(day.utf8) }) { touched.append(day) }
        }

        // (a) age
        for day in expired {
            if let dayFilesStored, !dayFilesStored.contains(day.path) {
                report.keptForDayFile += files(in: day).count
                continue
            }
            for f in files(in: day) {
                guard mayDelete(f) else {
                    kept.insert(Array(f.relativePath.utf8))
                    continue
                }
                if delete(f, &report) { touch(day.path) }
            }
        }

        // (b) the floor
        if !report.deleted.isEmpty { free = measure(&report) }
        if belowFloor() {
            let candidates = days.flatMap(files(in:)).sorted { a, b in
                (a.day.index, a.entry.boundaryMinute, a.entry.attempt, a.relativePath)
                    < (b.day.index, b.entry.boundaryMinute, b.entry.attempt, b.relativePath)
            }
            for f in candidates {
                guard belowFloor() else { break }
                guard mayDelete(f) else {
                    kept.insert(Array(f.relativePath.utf8))
                    continue
                }
                if delete(f, &report) {
                    touch(f.day.path)
                    free = measure(&report)
                }
            }
        }

        // (c) emptied folders: the day, then its month and year if nothing else is in them.
        for day in touched {
            var folder = day
            for _ in 0..<3 {
                guard rmdir(root + "/" + folder) == 0 else { break }
                report.foldersRemoved += 1
                guard let slash = folder.lastIndex(of: "/") else { break }
                folder = String(folder[..<slash])
            }
        }

        report.keptUnsynced = kept.count
        report.freeBytes = free
        report.floorBreached = belowFloor()
        return report
    }

    /// Free bytes at the root; nil with the floor off or when the measurement fails (then the
    /// floor deletes nothing: it cannot know that it must).
    private func measure(_ report: inout RetentionReport) -> Int64? {
        guard policy.minFreeBytes > 0 else { return nil }
        do {
            return try freeSpace.availableBytes(at: root)
        } catch {
            report.failures.append((root, "\(error)"))
            return nil
        }
    }

    private func delete(_ f: File, _ report: inout RetentionReport) -> Bool {
        let path = root + "/" + f.relativePath
        var st = stat()
        guard lstat(path, &st) == 0 else { return false }  // gone meanwhile
        // Rewritten since it was judged: judged again next pass.
        guard Int64(st.st_size) == f.size, SyncEngine.nanos(st.st_mtim) == f.mtimeNanos else { return false }
        guard unlink(path) == 0 else {
            if errno != ENOENT { report.failures.append((f.relativePath, String(cString: strerror(errno)))) }
            return false
        }
        report.deleted.append(f.relativePath)
        report.bytesFreed += Int64(st.st_size)
        return true
    }

    // MARK: - Scanning

    /// Every day folder of the layout, oldest first (then by path): only folder names are read.
    /// Links are not followed: what retention deletes must be in the lake.
    func dayFolders() -> [DayFolder] {
        walker.days().map { DayFolder(path: $0.path, index: $0.index) }.sorted { ($0.index, $0.path) < ($1.index, $1.path) }
    }

    /// The layout's complete files in a day folder, in deletion order.
    func files(in day: DayFolder) -> [File] {
        walker.files(in: day.path).map { f in
            File(day: day, name: f.name, entry: f.entry, size: f.size, mtimeNanos: f.mtimeNanos)
        }.sorted { ($0.entry.boundaryMinute, $0.entry.attempt, $0.name) < ($1.entry.boundaryMinute, $1.entry.attempt, $1.name) }
    }

    private nonisolated var walker: LakeWalker { LakeWalker(root: root, followsLinks: false) }

    // MARK: - Logging

    /// Not a fault: `opensensor sync` by hand is running; the next pass catches up.
    static let ledgerBusy = "a sync holds the ledger; retention waits for the next pass"

    private func log(_ report: RetentionReport) {
        var metadata: Logger.Metadata = ["root": "\(root)", "summary": "\(report)"]
        if !report.deleted.isEmpty {
            logger.info("retention: deleted \(report.deleted.count) files, \(report.bytesFreed) bytes freed", metadata: metadata)
        }
        if !report.failures.isEmpty {
            logger.warning("retention: \(report.failures[0].path): \(report.failures[0].reason)", metadata: metadata)
        }
        if report.ageSkipped != lastAgeSkip {
            lastAgeSkip = report.ageSkipped
            if let skip = report.ageSkipped {
                logger.warning("retention: files are not deleted by age while \(skip); the free-space floor still applies", metadata: metadata)
            } else {
                logger.notice("retention: the clock is trusted again; deleting by age", metadata: metadata)
            }
        }
        if report.stoppedBy != lastStop {
            lastStop = report.stoppedBy
            if let stop = report.stoppedBy {
                if stop == Self.ledgerBusy {
                    logger.debug("retention: \(stop)", metadata: metadata)
                } else {
                    logger.error("retention: \(stop)", metadata: metadata)
                }
            }
        }
        if report.floorBreached {
            guard !breachLogged else { return }
            breachLogged = true
            metadata["free_mb"] = "\((report.freeBytes ?? 0) >> 20)"
            metadata["floor_mb"] = "\(policy.minFreeBytes >> 20)"
            metadata["kept_unsynced"] = "\(report.keptUnsynced)"
            logger.error(
                "free disk space is below OPENSENSOR_MIN_FREE_MB and nothing that may be deleted is left: files not yet synced are kept; collection goes on, and readings wait in the journal whenever a batch cannot be written",
                metadata: metadata)
        } else if breachLogged && report.freeBytes != nil {
            breachLogged = false
            logger.notice("free disk space is above OPENSENSOR_MIN_FREE_MB again", metadata: metadata)
        }
    }
}
