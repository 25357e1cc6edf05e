// The sync engine: uploads the lake's new files to an object store, once each, never
// overwriting a different remote object (docs/ARCHITECTURE.md §5).
//
// Finding new files costs one stat per day folder: a folder whose mtime is the one the ledger
// recorded when it was last settled holds nothing new and is not listed; in a listed folder the
// files already recorded are only stat'ed (to notice one rewritten since), never re-read or
// re-hashed. Only paths that follow the lake layout are uploaded, and only complete Parquet files
// (magic at both ends): a file still being copied in is left for the next sync. A folder
// modified less than `settleMillis` ago is listed again next time (file system timestamps are
// coarse: a file added in the same tick would leave its mtime unchanged).
//
// Upload protocol. What the destination does with a create-only put (`If-None-Match: *`) is
// learned once, by a probe — a create-only put over a key that exists must answer 412 — and kept
// beside the ledger (`<hash>.caps`, keyed like the ledger by endpoint, bucket and prefix): a
// server that ignores the header would otherwise overwrite whatever is stored. Where the header
// is honoured, each file is a create-only put and a 412 means an object is already there. Where
// it is not (OpenStack Swift answers 501; some servers ignore it), each day folder with new
// files is listed once and only keys the listing lacks are put — the window between listing and
// put is the store's limitation. An object already stored is compared with the file: sizes
// first (no body is read when they differ), then at most the file's size plus one byte (a
// ranged GET). Identical → recorded as uploaded (an earlier sync whose ledger line was lost);
// different → a conflict, reported and recorded, never overwritten.
//
// The ledger records each file's size and mtime when it is proven stored; a file that no longer
// matches its record (rewritten after its upload) is compared with the stored object again.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Lake
public import Logging
public import ObjectStore
import Synchronization
public import CivilTime
import Config
import DurableFiles

/// Tuning of a sync.
public struct SyncOptions: Sendable {
    /// Uploads in flight at once.
    public var concurrency = 4
    /// Folders modified less than this long ago are listed again by the next sync.
    public var settleMillis: Int64 = 2000
    /// After this many failures in a row that retrying might fix (offline, throttled), the rest
    /// waits for the next sync.
    public var maxConsecutiveFailures = 3

    public init(concurrency: Int = 4, settleMillis: Int64 = 2000, maxConsecutiveFailures: Int = 3) {
        self.concurrency = max(1, concurrency)
        self.settleMillis = settleMillis
        self.maxConsecutiveFailures = max(1, maxConsecutiveFailures)
    }
}

/// Where a sync stands, for a progress bar.
public struct SyncProgress: Sendable, Equatable {
    public var filesDone: Int
    public var filesTotal: Int
    public var bytesDone: Int
    public var bytesTotal: Int
}

/// What a sync did.
public struct SyncReport: Sendable, CustomStringConvertible {
    /// Files sent (relative paths).
    public var uploaded: [String] = []
    /// Files found already stored, identical, and recorded without sending them.
    public var alreadyStored: [String] = []
    /// Bytes sent.
    public var bytesUploaded = 0
    /// Dry run: the files a sync would send, with their sizes.
    public var wouldUpload: [(path: String, bytes: Int)] = []
    /// Files whose key holds a different object: never overwritten (found by this sync).
    public var conflicts: [(path: String, reason: String)] = []
    /// Conflicts recorded by earlier syncs, still unresolved.
    public var knownConflicts = 0
    /// Files that could not be uploaded this time (retried next sync).
    public var failures: [(path: String, reason: String)] = []
    /// Files left for the next sync because the sync stopped early.
    public var deferred = 0
    /// Set when the sync stopped on something only the user can fix (settings, credentials).
    public var stoppedBy: ObjectStoreError?
    /// `--verify`: ledger entries the store no longer has (forgotten and uploaded again).
    public var missingRemotely: [String] = []
    /// `--verify`: stored objects that differ from what the ledger recorded (size or ETag), each
    /// compared again and recorded (a conflict unless the bytes turn out identical).
    public var mismatched: [(path: String, reason: String)] = []
    /// Requests made to the store (each may include the store's own retries).
    public var requests = 0
    /// Day folders listed (those whose mtime changed) and files read.
    public var foldersListed = 0
    public var filesRead = 0
    /// Files that are not complete Parquet files (yet): left for the next sync.
    public var incomplete = 0
    public var durationMillis: Int64 = 0

    public init() {}

    /// Whether everything that was due went up.
    public var succeeded: Bool { failures.isEmpty && stoppedBy == nil && conflicts.isEmpty && mismatched.isEmpty }

    public var description: String {
        var parts = ["\(uploaded.count) uploaded (\(bytesUploaded) bytes)"]
        if !alreadyStored.isEmpty { parts.append("\(alreadyStored.count) already stored") }
        if !wouldUpload.isEmpty { parts.append("\(wouldUpload.count) would be uploaded") }
        if !conflicts.isEmpty { parts.append("\(conflicts.count) conflicts") }
        if !failures.isEmpty { parts.append("\(failures.count) failed") }
        if deferred > 0 { parts.append("\(deferred) deferred") }
        if !missingRemotely.isEmpty { parts.append("\(missingRemotely.count) missing remotely") }
        parts.append("\(requests) requests, \(foldersListed) folders listed, \(filesRead) files read, \(durationMillis) ms")
        return parts.joined(separator: ", ")
    }
}

/// Uploads a lake folder's new files to one destination, keeping a ledger under the folder.
public actor SyncEngine {
    /// The lake's root (`OPENSENSOR_OUTPUT_DIR` or the health directory).
    public nonisolated let root: String
    /// Prepended to each file's relative path to make its key (empty: none).
    public nonisolated let keyPrefix: String
    /// The ledger file.
    public nonisolated let ledgerPath: String
    private let store: CountingStore
    private let ledger: SyncLedger
    private let options: SyncOptions
    private let logger: Logger
    private let now: @Sendable () -> Int64
    /// Whether the destination honours create-only puts; nil until learned (see the file comment).
    private var conditionalWrites: Bool?
    /// Where that answer is kept.
    private nonisolated let capabilitiesPath: String

    /// A sync of `root` into `store`. `destination` names the store, bucket and prefix (it
    /// keys the ledger: a new destination starts a new ledger); `now` is the real time in
    /// milliseconds, compared with file modification times.
    public init(
        root: String, store: any ObjectStore, keyPrefix: String, destination: String, options: SyncOptions = SyncOptions(),
        logger: Logger, now: @escaping @Sendable () -> Int64 = { SystemWallClock().nowMillis() }
    ) throws(SyncLedgerError) {
        var prefix = Substring(keyPrefix)
        while prefix.hasPrefix("/") { prefix = prefix.dropFirst() }
        while prefix.hasSuffix("/") { prefix = prefix.dropLast() }
        self.root = root
        self.keyPrefix = String(prefix)
        self.store = CountingStore(store)
        ledger = try SyncLedger(root: root, destination: destination + " prefix=" + prefix)
        ledgerPath = ledger.path
        capabilitiesPath = String(ledger.path.dropLast(7)) + ".caps"
        conditionalWrites = Self.readCapabilities(capabilitiesPath)
        self.options = options
        self.logger = logger
        self.now = now
    }

    // MARK: - Sync

    /// Uploads every new file. With `dryRun`, makes no request and changes nothing: the report
    /// lists what would be sent.
    public func sync(dryRun: Bool = false, progress: (@Sendable (SyncProgress) -> Void)? = nil) async -> SyncReport {
        await locked { report in await self.syncLocked(dryRun: dryRun, relistAll: false, listing: nil, &report, progress) }
    }

    /// Reconciles the ledger with a listing of the store, then syncs: files the ledger has but
    /// the store lacks are uploaded again; objects whose size differs are reported; recorded
    /// conflicts are checked again; every day folder is listed again.
    public func verify(dryRun: Bool = false, progress: (@Sendable (SyncProgress) -> Void)? = nil) async -> SyncReport {
        await locked { report in
            // Relative paths keyed by bytes: canonically equivalent keys are different objects.
            var remote: [[UInt8]: ObjectMeta] = [:]
            do {
                for try await object in self.store.listAll(prefix: self.keyPrefix.isEmpty ? "" : self.keyPrefix + "/") {
                    let key = Array(object.path.rawValue.utf8)
                    remote[self.keyPrefix.isEmpty ? key : Array(key.dropFirst(self.keyPrefix.utf8.count + 1))] = object
                }
            } catch {
                report.stoppedBy = Self.asStoreError(error)
                return
            }
            for (path, stamp) in self.ledger.uploadedFiles {
                guard let object = remote[Array(path.utf8)] else {
                    report.missingRemotely.append(path)
                    continue
                }
                if Int64(object.size) != stamp.size {
                    report.mismatched.append((path, "the stored object has \(object.size) bytes, \(stamp.size) were uploaded"))
                } else if let stored = object.eTag.flatMap(MD5Tag.init), let uploaded = stamp.md5, stored != uploaded {
                    report.mismatched.append((path, "the stored object's ETag \(object.eTag ?? "") is not the one uploaded"))
                }
            }
            if !dryRun {
                // Lost objects go up again; objects that differ are compared again and recorded
                // (so that retention keeps the file); conflicts are tried again: the user may have
                // resolved them. What the store does with create-only puts is learned again.
                self.conditionalWrites = nil
                for path in report.missingRemotely + report.mismatched.map(\.path) + self.ledger.conflicts.map(\.path) {
                    guard let entry = LakeLayout.parse(path), let key = LedgerFileKey(entry) else { continue }
                    let (day, file) = Self.split(path)
                    do { try self.ledger.forget(day: day, file: file, key: key) } catch { report.failures.append((path, "\(error)")) }
                }
            }
            await self.syncLocked(dryRun: dryRun, relistAll: true, listing: remote, &report, progress)
        }
    }

    /// Runs `body` holding the ledger's lock, then fills in the counters and logs the report.
    private func locked(_ body: (inout SyncReport) async -> Void) async -> SyncReport {
        let started = SystemWallClock().monotonicMillis()
        let requestsBefore = store.requests
        var report = SyncReport()
        do {
            // Another process (`start`'s auto-sync, or `sync` by hand) may be syncing.
            while try !ledger.tryLock() { try await Task.sleep(for: .milliseconds(200)) }
            do {
                try ledger.catchUp()
                await body(&report)
            } catch {
                report.failures.append((ledger.path, "\(error)"))
            }
            ledger.release()
        } catch {
            report.failures.append((ledger.path, "\(error)"))
        }
        report.knownConflicts = ledger.conflicts.count - report.conflicts.count
        report.requests = store.requests - requestsBefore
        report.durationMillis = SystemWallClock().monotonicMillis() - started
        log(report)
        return report
    }

    /// `listing`: the whole prefix, when `--verify` has just listed it (keyed by relative path).
    private func syncLocked(
        dryRun: Bool, relistAll: Bool, listing: [[UInt8]: ObjectMeta]?, _ report: inout SyncReport,
        _ progress: (@Sendable (SyncProgress) -> Void)?
    ) async {
        let scan = scanForNewFiles(&report, relistAll: relistAll)
        if dryRun {
            report.wouldUpload = scan.candidates.map { ($0.relativePath, $0.size) }
        } else {
            await upload(scan, listing: listing, &report, progress: progress)
            do { try ledger.flush() } catch { report.failures.append((ledger.path, "\(error)")) }
        }
    }

    // MARK: - Scan

    struct Candidate: Sendable {
        var day: String
        var name: String
        var key: LedgerFileKey
        var size: Int
        var mtimeNanos: Int64
        /// What the store holds at its key, when a listing said (stores without create-only puts).
        var stored: ObjectMeta?
        var listed = false
        var relativePath: String { day + "/" + name }
    }

    struct Scan {
        var candidates: [Candidate] = []
        /// Day folders listed, with their mtime before listing and whether they may be settled
        /// once their candidates are handled.
        var days: [(day: String, mtime: Int64, settleable: Bool)] = []
    }

    private func scanForNewFiles(_ report: inout SyncReport, relistAll: Bool) -> Scan {
        var scan = Scan()
        let freshAfter = now() - options.settleMillis
        let walker = LakeWalker(root: root)
        walker.forEachDay { folder in
            let day = folder.path, mtime = folder.mtimeNanos
            if !relistAll && ledger.settledMtime(day: day) == mtime { return true }
            report.foldersListed += 1
            var settleable = mtime / 1_000_000 < freshAfter
            for file in walker.files(in: day) {
                guard let key = LedgerFileKey(file.entry) else { continue }
                let recorded = ledger.stamp(day: day, key)
                if recorded == nil && ledger.isHandled(day: day, key) { continue }  // a conflict
                if let recorded {
                    // Still the file that was proven stored: nothing to do. Rewritten
                    // since (or recorded by an older version, which kept no mtime, and
                    // this is `--verify`): compared with the stored object again.
                    if recorded.mtimeNanos == nil ? !relistAll : recorded.matches(size: file.size, mtimeNanos: file.mtimeNanos) {
                        continue
                    }
                }
                guard Self.isCompleteParquet(root + "/" + file.path, size: Int(file.size)) else {
                    report.incomplete += 1
                    settleable = false
                    continue
                }
                scan.candidates.append(Candidate(day: day, name: file.name, key: key, size: Int(file.size), mtimeNanos: file.mtimeNanos))
            }
            scan.days.append((day, mtime, settleable))
            return true
        }
        scan.candidates.sort { ($0.day, $0.key) < ($1.day, $1.key) }
        return scan
    }

    /// Whether a file starts and ends with Parquet's magic `PAR1`: one still being copied in
    /// lacks the footer's (the collector's own files appear complete, by rename).
    static func isCompleteParquet(_ path: String, size: Int) -> Bool {
        guard size >= 12 else { return false }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var head = [UInt8](repeating: 0, count: 4), tail = head
        let magic: [UInt8] = [0x50, 0x41, 0x52, 0x31]
        let a = head.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 4, 0) }
        let b = tail.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 4, off_t(size - 4)) }
        return a == 4 && b == 4 && head == magic && tail == magic
    }

    static func nanos(_ t: timespec) -> Int64 { Int64(t.tv_sec) * 1_000_000_000 + Int64(t.tv_nsec) }

    private static func split(_ path: String) -> (day: String, file: String) {
        let slash = path.lastIndex(of: "/")!
        return (String(path[..<slash]), String(path[path.index(after: slash)...]))
    }

    // MARK: - Upload

    enum Outcome: Sendable {
        case uploaded(eTag: String?)
        case alreadyStored(eTag: String?)
        case conflict(String)
        case failed(String, ObjectStoreError?)
        /// Stopped with the rest of the sync (left for the next one).
        case cancelled
    }

    private func upload(
        _ scan: Scan, listing: [[UInt8]: ObjectMeta]?, _ report: inout SyncReport, progress: (@Sendable (SyncProgress) -> Void)?
    ) async {
        var candidates = scan.candidates
        var done = SyncProgress(
            filesDone: 0, filesTotal: candidates.count, bytesDone: 0,
            bytesTotal: candidates.reduce(0) { $0 + $1.size })
        progress?(done)

        // What the store does with create-only puts; without them, what it already holds.
        do {
            if !candidates.isEmpty, try await !learnConditionalWrites() {
                try await listStored(&candidates, listing: listing)
            }
        } catch {
            let e = Self.asStoreError(error)
            report.failures.append((e.path ?? keyPrefix, "\(e)"))
            if e.kind.needsUserAction { report.stoppedBy = e }
            report.deferred += candidates.count
            return
        }

        var unhandled: [String: Int] = [:]  // day → candidates not uploaded or recorded
        for c in candidates { unhandled[c.day, default: 0] += 1 }
        var consecutiveFailures = 0
        var stop = false
        let context = UploadContext(root: root, keyPrefix: keyPrefix, store: store)

        await withTaskGroup(of: (Candidate, Outcome, Int).self) { group in
            var next = 0
            func launch() {
                let c = candidates[next]
                next += 1
                group.addTask { await context.upload(c) }
            }
            while next < candidates.count && next < options.concurrency { launch() }
            while let (c, outcome, bytesRead) = await group.next() {
                if bytesRead > 0 { report.filesRead += 1 }
                switch outcome {
                case .uploaded(let eTag), .alreadyStored(let eTag):
                    consecutiveFailures = 0
                    if case .uploaded = outcome {
                        report.uploaded.append(c.relativePath)
                        report.bytesUploaded += c.size
                    } else {
                        report.alreadyStored.append(c.relativePath)
                    }
                    do {
                        try ledger.recordUpload(day: c.day, file: c.name, key: c.key, size: c.size, mtimeNanos: c.mtimeNanos, eTag: eTag)
                        unhandled[c.day]! -= 1
                    } catch {
                        report.failures.append((c.relativePath, "uploaded, but \(error)"))
                    }
                case .conflict(let reason):
                    consecutiveFailures = 0
                    report.conflicts.append((c.relativePath, reason))
                    logger.error("not overwriting a different object", metadata: ["file": "\(c.relativePath)", "reason": "\(reason)"])
                    do {
                        try ledger.recordConflict(day: c.day, file: c.name, key: c.key, reason: reason)
                        unhandled[c.day]! -= 1
                    } catch {
                        report.failures.append((c.relativePath, "\(error)"))
                    }
                case .cancelled:
                    report.deferred += 1
                case .failed(let reason, let error):
                    report.failures.append((c.relativePath, reason))
                    if let error, error.kind.needsUserAction {
                        report.stoppedBy = error
                        stop = true
                    } else if let error, error.kind.isRetryable {
                        consecutiveFailures += 1
                        if consecutiveFailures >= options.maxConsecutiveFailures { stop = true }
                    }
                }
                done.filesDone += 1
                done.bytesDone += c.size
                progress?(done)
                if stop && next < candidates.count {
                    group.cancelAll()
                    report.deferred += candidates.count - next
                    next = candidates.count
                }
                if next < candidates.count { launch() }
            }
        }
        if context.sawUnsupportedConditionalPut.load(ordering: .relaxed) {
            // The store changed since it was probed: the next sync lists before it puts.
            logger.warning(
                "the store no longer honours create-only puts: listing before uploading from now on",
                metadata: ["store": "\(store.base)"])
            remember(conditionalWrites: false)
        }
        for (day, mtime, settleable) in scan.days where settleable && unhandled[day, default: 0] == 0 {
            do { try ledger.settle(day: day, mtime: mtime) } catch { report.failures.append((day, "\(error)")) }
        }
    }

    // MARK: - What the destination does

    /// The probe's key, under the prefix: not a name of the layout, so no reader of the lake
    /// and no sync ever takes it for data.
    static let probeName = ".opensensor-sync-probe"

    /// Whether create-only puts are honoured: the kept answer, or a probe (three requests, once
    /// per destination): put the probe key, put it again create-only — an honest server answers
    /// 412 — and delete it.
    private func learnConditionalWrites() async throws -> Bool {
        if let conditionalWrites { return conditionalWrites }
        let probe = try ObjectPath(prefix: keyPrefix, relativePath: Self.probeName)
        let bytes = Array("opensensor checks whether this store honours If-None-Match; safe to delete\n".utf8)
        _ = try await store.put(probe, bytes: bytes, mode: .overwrite)
        let honoured: Bool
        do {
            _ = try await store.put(probe, bytes: bytes, mode: .create)
            honoured = false  // it replaced the object: the header was ignored
        } catch let error as ObjectStoreError where error.kind == .alreadyExists {
            honoured = true
        } catch let error as ObjectStoreError where error.kind == .unsupported || error.kind == .rejected {
            honoured = false
        }
        // A bucket that refuses deletes keeps the probe: harmless.
        try? await store.delete(probe)
        if !honoured {
            logger.notice(
                "the store does not honour create-only puts: each day folder with new files is listed before uploading",
                metadata: ["store": "\(store.base)"])
        }
        remember(conditionalWrites: honoured)
        return honoured
    }

    private func remember(conditionalWrites honoured: Bool) {
        conditionalWrites = honoured
        do {
            try FileIO.writeAtomically(honoured ? Self.honouredLine : Self.ignoredLine, to: capabilitiesPath, mode: 0o644)
        } catch {
            logger.warning("cannot keep what the store does with create-only puts; it is probed again next time",
                           metadata: ["error": "\(error)"])
        }
    }

    private static let honouredLine = "conditional-writes honoured\n"
    private static let ignoredLine = "conditional-writes ignored\n"

    static func readCapabilities(_ path: String) -> Bool? {
        guard let bytes = try? FileIO.readWholeFile(path, limit: 4096) else { return nil }
        switch String(decoding: bytes, as: UTF8.self) {
        case honouredLine: return true
        case ignoredLine: return false
        default: return nil
        }
    }

    /// Fills in what the store holds at each candidate's key: from `listing` when given, else
    /// one listing per day folder (a page per 1000 keys).
    private func listStored(_ candidates: inout [Candidate], listing: [[UInt8]: ObjectMeta]?) async throws {
        var stored: [[UInt8]: ObjectMeta] = listing ?? [:]
        if listing == nil {
            var days: [String] = []
            for c in candidates where days.last != c.day { days.append(c.day) }
            for day in days {
                let folder = try ObjectPath(prefix: keyPrefix, relativePath: day).rawValue + "/"
                for try await object in store.listAll(prefix: folder) {
                    stored[Array(day.utf8) + [0x2F] + Array(object.path.rawValue.utf8.dropFirst(folder.utf8.count))] = object
                }
            }
        }
        for i in candidates.indices {
            candidates[i].stored = stored[Array(candidates[i].relativePath.utf8)]
            candidates[i].listed = true
        }
    }

    private func log(_ report: SyncReport) {
        var metadata: Logger.Metadata = ["root": "\(root)", "store": "\(store.base)", "summary": "\(report)"]
        if let stop = report.stoppedBy {
            metadata["error"] = "\(stop)"
            logger.error("sync stopped: this needs your attention", metadata: metadata)
        } else if !report.failures.isEmpty {
            metadata["first_failure"] = "\(report.failures[0].path): \(report.failures[0].reason)"
            logger.warning("sync incomplete: the rest is retried next time", metadata: metadata)
        } else if !report.uploaded.isEmpty || !report.alreadyStored.isEmpty {
            logger.info("synced", metadata: metadata)
        } else {
            logger.debug("sync: nothing new", metadata: metadata)
        }
    }

    static func asStoreError(_ error: any Error) -> ObjectStoreError {
        (error as? ObjectStoreError) ?? ObjectStoreError(.transient, "\(error)")
    }
}

/// What one upload needs, shared by the concurrent upload tasks.
private final class UploadContext: Sendable {
    let root: String
    let keyPrefix: String
    let store: any ObjectStore
    let sawUnsupportedConditionalPut = Atomic<Bool>(false)

    init(root: String, keyPrefix: String, store: any ObjectStore) {
        self.root = root
        self.keyPrefix = keyPrefix
        self.store = store
    }

    func upload(_ c: SyncEngine.Candidate) async -> (SyncEngine.Candidate, SyncEngine.Outcome, Int) {
        let path = root + "/" + c.relativePath
        let bytes: [UInt8]
        do {
            bytes = try FileIO.readWholeFile(path, limit: 5 << 30)
        } catch {
            return (c, .failed("cannot read the file: \(error)", nil), 0)
        }
        // The ledger records the size and mtime of the scan: they must still describe these bytes.
        var st = stat()
        guard bytes.count == c.size, stat(path, &st) == 0, Int(st.st_size) == c.size, SyncEngine.nanos(st.st_mtim) == c.mtimeNanos else {
            // Changed since the scan: leave it for the next sync.
            return (c, .failed("the file changed while it was being synced (\(c.size) → \(bytes.count) bytes)", nil), bytes.count)
        }
        let key: ObjectPath
        do {
            key = try ObjectPath(prefix: keyPrefix, relativePath: c.relativePath)
        } catch {
            return (c, .failed("\(error)", error), bytes.count)
        }
        do {
            if c.listed {
                // The store ignores create-only puts: the listing said what is there.
                if let stored = c.stored { return (c, try await compare(key, bytes, stored: stored), bytes.count) }
                let result = try await store.put(key, bytes: bytes, mode: .overwrite)
                return (c, .uploaded(eTag: result.eTag), bytes.count)
            }
            do {
                let result = try await store.put(key, bytes: bytes, mode: .create)
                return (c, .uploaded(eTag: result.eTag), bytes.count)
            } catch let error as ObjectStoreError where error.kind == .alreadyExists {
                return (c, try await compare(key, bytes, stored: nil), bytes.count)
            } catch let error as ObjectStoreError where error.kind == .unsupported {
                sawUnsupportedConditionalPut.store(true, ordering: .relaxed)
                return (c, try await putAfterHead(key, bytes), bytes.count)
            }
        } catch is CancellationError {
            return (c, .cancelled, bytes.count)
        } catch where Task.isCancelled {
            return (c, .cancelled, bytes.count)  // the transport's own word for it
        } catch {
            let e = SyncEngine.asStoreError(error)
            return (c, .failed("\(e)", e), bytes.count)
        }
    }

    /// The store stopped honouring create-only puts in the middle of a sync (it was probed
    /// before): this file is checked with a HEAD; the next sync lists.
    private func putAfterHead(_ key: ObjectPath, _ bytes: [UInt8]) async throws -> SyncEngine.Outcome {
        let stored: ObjectMeta
        do {
            stored = try await store.head(key)
        } catch let error as ObjectStoreError where error.kind == .notFound {
            let result = try await store.put(key, bytes: bytes, mode: .overwrite)
            return .uploaded(eTag: result.eTag)
        }
        return try await compare(key, bytes, stored: stored)
    }

    /// An object is already at `key`: the same bytes (an earlier sync's upload) or a conflict.
    /// Its size decides first (from the listing, or a HEAD); only an object of the file's size
    /// is read, and never more than the file's size plus one byte, whatever the store holds.
    private func compare(_ key: ObjectPath, _ bytes: [UInt8], stored known: ObjectMeta?) async throws -> SyncEngine.Outcome {
        let meta: ObjectMeta
        if let known {
            meta = known
        } else {
            meta = try await store.head(key)
        }
        guard meta.size == bytes.count else {
            return .conflict("\(key) already holds a different object (\(meta.size) bytes, local file \(bytes.count) bytes)")
        }
        let remote: GetResult
        do {
            remote = try await store.get(key, range: .offsets(0..<bytes.count + 1))
        } catch let error as ObjectStoreError where error.kind == .rejected && bytes.isEmpty {
            return .alreadyStored(eTag: meta.eTag)  // a range of an empty object selects nothing
        }
        if remote.meta.size == bytes.count && remote.bytes == bytes { return .alreadyStored(eTag: remote.meta.eTag ?? meta.eTag) }
        return .conflict(
            "\(key) already holds a different object (\(remote.meta.size) bytes, local file \(bytes.count) bytes, contents differ)")
    }
}

/// Counts the requests a sync makes (the benchmark's figure, and the proof that a sync with
/// nothing new makes none).
final class CountingStore: ObjectStore {
    let base: any ObjectStore
    private let count = Atomic<Int>(0)

    init(_ base: any ObjectStore) { self.base = base }

    var requests: Int { count.load(ordering: .relaxed) }
    var description: String { base.description }

    private func tick() { count.add(1, ordering: .relaxed) }

    func put(_ path: ObjectPath, bytes: [UInt8], mode: PutMode) async throws -> PutResult {
        tick()
        return try await base.put(path, bytes: bytes, mode: mode)
    }

    func head(_ path: ObjectPath) async throws -> ObjectMeta {
        tick()
        return try await base.head(path)
    }

    func get(_ path: ObjectPath, range: ByteRange?) async throws -> GetResult {
        tick()
        return try await base.get(path, range: range)
    }

    func list(prefix: String, continuation: String?, maxKeys: Int) async throws -> ObjectListPage {
        tick()
        return try await base.list(prefix: prefix, continuation: continuation, maxKeys: maxKeys)
    }

    func delete(_ path: ObjectPath) async throws {
        tick()
        try await base.delete(path)
    }
}
