// The on-disk journal (docs/ARCHITECTURE.md §4 rule 1): every reading is appended here before it counts
// as collected; a batch's readings leave it only once their Parquet file is durable.
//
//   file   := header record*
//   header := "OSJ1" id:u64 nextSeq:u64 crc32:u32            (24 bytes)
//   record := length:u32 crc32(payload):u32 payload
//   payload:= seq:u64 timestamp:i64 presentMask:u32 float32 × popcount(mask)
//
// Integers are little-endian. Every record carries a sequence number that never repeats in a
// journal, and batch files record the journal id and the last sequence they hold, so a crash
// between writing a batch and trimming the journal cannot write a reading twice.
//
// Durability: each append is written at once (a crash of the process loses nothing: the page
// cache survives it) and made durable with fdatasync at most every `JournalSync` seconds (a
// power cut loses at most that span). What opening tolerates:
// - a torn tail (a record cut short by a crash or power cut): dropped, it was never durable;
// - anything else that is not a record whose checksum holds — a flipped bit in the header or in
//   a record: the file is kept aside as `readings.journal.damaged-…`, every record whose length
//   and checksum hold is recovered (the scan resynchronises past the damage), and the caller
//   logs the damage at error level. A journal that exists is never discarded.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CivilTime
import Config
import DurableFiles

public struct JournalError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var operation: String
    public var errno: Int32
    public var description: String { "journal \(path): \(operation) failed: \(String(cString: strerror(errno))) (errno \(errno))" }
    /// The disk is full: readings stay in memory and the write is retried.
    public var isDiskFull: Bool { errno == ENOSPC || errno == EDQUOT }

    init(path: String, operation: String, errno: Int32) {
        self.path = path
        self.operation = operation
        self.errno = errno
    }

    init(_ error: FileError) {
        self.init(path: error.path, operation: error.operation, errno: error.errno)
    }
}

/// How often appends are made durable.
public enum JournalSync: Sendable, Equatable {
    /// Never fsynced: only `opensensor simulate`, whose readings can be made again from the seed.
    case never
    /// fdatasync at the first append at least this many seconds (of the collector's monotonic
    /// clock) after the last one; 0 syncs every append.
    case every(seconds: Int)
}

/// What opening found wrong in a journal that exists, beyond a torn tail.
public struct JournalDamage: Sendable, Equatable, CustomStringConvertible {
    /// The header's checksum did not hold: the journal got a new id.
    public var headerDamaged: Bool
    /// Byte ranges that held no record whose length and checksum hold (the tail included when it
    /// is longer than one record, so not a torn append).
    public var damagedRanges: [Range<Int>]
    /// Records recovered.
    public var recovered: Int
    /// The damaged file, kept as it was.
    public var keptAside: String

    public var description: String {
        let ranges = damagedRanges.map { "\($0.lowerBound)..<\($0.upperBound)" }.joined(separator: ", ")
        return (headerDamaged ? "damaged header; " : "") + "damaged bytes \(ranges.isEmpty ? "none" : ranges); "
            + "\(recovered) records recovered; the damaged file is kept as \(keptAside)"
    }
}

public final class Journal {
    public struct Entry: Sendable, Equatable {
        public var seq: UInt64
        public var reading: Reading
    }

    public let path: String
    public let id: UInt64
    /// What the journal holds, oldest first.
    public private(set) var entries: [Entry] = []
    /// Bytes of a torn record dropped when the journal was opened (0 after a clean stop).
    public private(set) var droppedTailBytes = 0
    /// What was wrong with the journal when it was opened, beyond a torn tail; nil when nothing.
    public private(set) var damage: JournalDamage?
    /// The id of a journal whose header was damaged, as far as its bytes still say: batch files
    /// tagged with it may hold recovered readings already (see `Collector.recover`).
    public private(set) var formerID: UInt64?
    private var nextSeq: UInt64
    /// The journal opened for appending; nil only while opening.
    private var file: AppendFile?
    public let sync: JournalSync
    /// The journal's length known to be on disk: what a power cut would leave.
    public private(set) var durableLength = 0
    /// Bytes written so far (the file's length).
    private var length = 0
    /// Monotonic time of the last fdatasync of an append.
    private var lastSync: Int64?

    static let magic: [UInt8] = Array("OSJ1".utf8)
    /// The journal's name in its folder.
    static let fileName = "readings.journal"
    static let headerSize = 24

    /// Opens (or creates) the journal in `directory`, recovering what it holds.
    public init(directory: String, sync: JournalSync = .every(seconds: 0),
                randomID: UInt64 = UInt64.random(in: 1...UInt64.max)) throws(JournalError) {
        let path = directory + "/" + Self.fileName
        self.path = path
        self.sync = sync
        try Self.makeDirectory(directory)
        // Only a missing journal starts anew: one that exists but cannot be read is an error,
        // never overwritten (it may hold readings).
        let existing: [UInt8]
        do {
            existing = try FileIO.readWholeFile(path)
        } catch {
            guard error.errno == ENOENT else { throw JournalError(error) }
            id = randomID
            nextSeq = 1
            try rewrite(keeping: [])
            return
        }
        let scan = Self.scan(existing)
        entries = scan.entries
        let lastSeq = scan.entries.last?.seq ?? 0
        if let header = scan.header, scan.damagedRanges.isEmpty {
            id = header.id
            nextSeq = max(header.nextSeq, lastSeq + 1)
            droppedTailBytes = scan.tornTail
            length = existing.count - scan.tornTail
            do {
                let file = try AppendFile(path: path)
                if scan.tornTail > 0 {
                    try file.truncate(to: length)
                    try file.sync()
                }
                self.file = file
            } catch {
                throw JournalError(error)
            }
            durableLength = length
            return
        }
        // Damage: keep the file as it was, then carry on with what it still holds. A damaged
        // header gives a new id — the old one cannot be trusted to match batch tags — and the
        // sequence goes on past every recovered record.
        let aside = try Self.keepAside(existing, path: path)
        id = scan.header?.id ?? randomID
        formerID = scan.header == nil ? scan.rawID : nil
        nextSeq = max(scan.header?.nextSeq ?? 1, lastSeq + 1)
        damage = JournalDamage(headerDamaged: scan.header == nil, damagedRanges: scan.damagedRanges,
                               recovered: scan.entries.count, keptAside: aside)
        try rewrite(keeping: scan.entries)
    }

    /// What a journal's bytes hold: the header if its checksum holds (else the id field as
    /// found, when the magic is intact), every record whose length and checksum hold and whose
    /// sequence number follows the previous one, the ranges between them that are not such
    /// records, and a torn tail (at most one record long, nothing valid after it).
    struct Scan {
        var header: (id: UInt64, nextSeq: UInt64)?
        var rawID: UInt64?
        var entries: [Entry] = []
        var damagedRanges: [Range<Int>] = []
        var tornTail = 0
        /// Where the last whole record ends (the scan's start when there is none): what a reader
        /// following a growing journal has taken in. Damage before it was passed over; bytes after
        /// it are a torn tail or damage nothing valid follows yet.
        var consumed = 0
        /// Where the last whole record starts (nil when there is none).
        var lastRecordStart: Int?
    }

    static func scan(_ b: [UInt8]) -> Scan {
        var scan = Scan()
        scan.header = parseHeader(b)
        if scan.header == nil {
            if b.count >= headerSize, Array(b[0..<4]) == magic { scan.rawID = get(b, 4, UInt64.self) }
            if b.count < headerSize {
                scan.damagedRanges = b.isEmpty ? [] : [0..<b.count]
                return scan
            }
        }
        scanRecords(b, from: headerSize, after: 0, into: &scan)
        return scan
    }

    /// Scans the records of `b` from `start`, each with a sequence number above the previous
    /// one's, the first above `lastSeq`. The writer scans a whole journal once when it opens it;
    /// `JournalReader` scans what was appended since its last look.
    static func scanRecords(_ b: [UInt8], from start: Int, after lastSeq: UInt64, into scan: inout Scan) {
        var offset = start
        var lastSeq = lastSeq
        scan.consumed = start
        func record(at o: Int) -> (Entry, Int)? {
            guard let (e, n) = parseRecord(b, at: o), e.seq > lastSeq else { return nil }
            return (e, n)
        }
        while offset < b.count {
            if let (e, n) = record(at: offset) {
                scan.entries.append(e)
                scan.lastRecordStart = offset
                lastSeq = e.seq
                offset += n
                scan.consumed = offset
                continue
            }
            // Resynchronise: the next offset where a whole record with a later sequence holds.
            var next = offset + 1
            while next < b.count, record(at: next) == nil { next += 1 }
            if next < b.count {
                scan.damagedRanges.append(offset..<next)
                offset = next
            } else if b.count - offset <= maxRecordSize {
                scan.tornTail = b.count - offset
                break
            } else {
                scan.damagedRanges.append(offset..<b.count)
                break
            }
        }
    }

    /// The longest record: length, checksum and a payload with every value present.
    static var maxRecordSize: Int { 8 + 20 + 4 * Reading.valueCount }

    /// Writes the damaged journal's bytes beside it under a name no file has, durably.
    static func keepAside(_ bytes: [UInt8], path: String) throws(JournalError) -> String {
        var attempt = 0
        while true {
            let aside = path + ".damaged-\(attempt)"
            do {
                try FileIO.write(bytes, to: aside, mode: .createOnly, permissions: 0o600)
                return aside
            } catch {
                guard error.kind == .alreadyExists else { throw JournalError(error) }
                attempt += 1
            }
        }
    }

    deinit {
        if lockFD >= 0 { close(lockFD) }
    }

    private var lockFD: Int32 = -1

    /// The lock file beside the journal: write-locked by the process that owns the journal, and
    /// holding its pid as text, so `status` can tell whether a collector is running.
    ///
    /// The lock is an open-file-description lock (`F_OFD_SETLK`) rather than `flock`: a probe
    /// must be able to ask whether it is held without taking it (`F_OFD_GETLK`). Probing with
    /// `flock` meant taking a shared lock for a moment, and a collector starting in that moment
    /// found its lock taken and refused to run. Like `flock`, the lock belongs to the open file,
    /// so a second `lock()` fails even within one process, and it ends when the process dies.
    public static func lockPath(directory: String) -> String { directory + "/collector.lock" }

    /// Takes the journal's lock, or fails naming the process that holds it: two collectors
    /// appending to one journal would lose readings.
    public func lock() throws(JournalError) {
        let dir = String(path[..<path.lastIndex(of: "/")!])
        let lp = Self.lockPath(directory: dir)
        let lfd = try Self.call("open", lp) { open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0o644) }
        var whole = Self.wholeFile(F_WRLCK)
        if fcntl(lfd, Self.ofdSetLock, &whole) != 0 {
            let e = errno
            let holder = Self.holderPid(lp).map(String.init) ?? "?"
            close(lfd)
            throw JournalError(path: lp, operation: "lock (another collector, pid \(holder), is using this output directory)", errno: e)
        }
        // The pid is written over the old one and the rest cut after, so a reader never finds
        // the file empty while the lock is held: it reads the new pid's line, or the old whole.
        let pid = Array("\(getpid())\n".utf8)
        _ = pid.withUnsafeBytes { pwrite(lfd, $0.baseAddress, $0.count, 0) }
        _ = ftruncate(lfd, off_t(pid.count))
        lockFD = lfd
    }

    /// The pid of the collector holding the lock of the journal in `directory`, or nil when no
    /// process holds it (0 in the moment between a new lock file's locking and its pid's
    /// writing). Only asks: it never takes the lock, so it cannot stand in the way of a
    /// collector starting.
    public static func lockHolder(directory: String) -> Int32? {
        let lp = lockPath(directory: directory)
        let lfd = open(lp, O_RDONLY | O_CLOEXEC)
        guard lfd >= 0 else { return nil }
        defer { close(lfd) }
        var probe = wholeFile(F_WRLCK)
        guard fcntl(lfd, ofdGetLock, &probe) == 0, probe.l_type != Int16(F_UNLCK) else { return nil }
        return holderPid(lp) ?? 0
    }

    private static func holderPid(_ lockPath: String) -> Int32? {
        readAll(lockPath).flatMap { String(validating: $0, as: UTF8.self) }.flatMap { Int32($0.split(separator: "\n").first ?? "") }
    }

    /// Linux's numbers for the OFD lock commands (the same on every architecture), which the C
    /// headers name only under `_GNU_SOURCE`, so Swift does not see them.
    private static let ofdGetLock: Int32 = 36, ofdSetLock: Int32 = 37

    /// A lock request over the whole file; OFD locks need `l_pid` zero.
    private static func wholeFile(_ type: Int32) -> flock {
        var l = flock()
        l.l_type = Int16(type)
        l.l_whence = Int16(SEEK_SET)
        l.l_start = 0
        l.l_len = 0
        l.l_pid = 0
        return l
    }

    /// Appends `reading`; returns its sequence number. The record is written at once and made
    /// durable as `sync` says, `now` being the collector's monotonic time in milliseconds.
    @discardableResult
    public func append(_ reading: Reading, now: Int64 = 0) throws(JournalError) -> UInt64 {
        let entry = Entry(seq: nextSeq, reading: reading)
        var bytes: [UInt8] = []
        Self.appendRecord(entry, to: &bytes)
        guard let file else { throw JournalError(path: path, operation: "append", errno: EBADF) }
        do {
            try file.append(bytes)
            if case .every(let seconds) = sync, lastSync.map({ now - $0 >= Int64(seconds) * 1000 }) ?? true {
                try file.sync()
                lastSync = now
                durableLength = length + bytes.count
            }
        } catch {
            // Leave no half record behind for the next append to follow.
            try? file.truncate(to: length)
            throw JournalError(error)
        }
        length += bytes.count
        nextSeq += 1
        entries.append(entry)
        return entry.seq
    }

    /// Makes every append so far durable (before a clean stop).
    public func syncNow() throws(JournalError) {
        guard durableLength < length, sync != .never, let file else { return }
        do { try file.sync() } catch { throw JournalError(error) }
        durableLength = length
    }

    /// Keeps only `entries` — what is still pending once a batch file is durable, or the
    /// re-stamped readings once the clock is set.
    public func retain(_ entries: [Entry]) throws(JournalError) {
        try rewrite(keeping: entries)
    }

    /// Replaces the journal atomically with `keep` (the durable-file layer's replacing write).
    private func rewrite(keeping keep: [Entry]) throws(JournalError) {
        var bytes = Self.magic
        Self.put(id, &bytes)
        Self.put(nextSeq, &bytes)
        Self.put(crc32(bytes[4...]), &bytes)
        for e in keep { Self.appendRecord(e, to: &bytes) }
        do {
            try FileIO.write(bytes, to: path, mode: .replace, permissions: 0o600)
            file = try AppendFile(path: path)
        } catch {
            throw JournalError(error)
        }
        entries = keep
        length = bytes.count
        durableLength = length
    }

    // MARK: Encoding

    static func appendRecord(_ e: Entry, to out: inout [UInt8]) {
        var payload: [UInt8] = []
        payload.reserveCapacity(20 + 4 * Reading.valueCount)
        put(e.seq, &payload)
        put(UInt64(bitPattern: e.reading.timestamp), &payload)
        var mask: UInt32 = 0
        for (i, v) in e.reading.values.enumerated() where v != nil { mask |= 1 << UInt32(i) }
        put(mask, &payload)
        for v in e.reading.values { if let v { put(v.bitPattern, &payload) } }
        put(UInt32(payload.count), &out)
        put(crc32(payload[...]), &out)
        out.append(contentsOf: payload)
    }

    static func parseHeader(_ b: [UInt8]) -> (id: UInt64, nextSeq: UInt64)? {
        guard b.count >= headerSize, Array(b[0..<4]) == magic, get(b, 20, UInt32.self) == crc32(b[4..<20]) else { return nil }
        return (get(b, 4, UInt64.self), get(b, 12, UInt64.self))
    }

    static func parseRecord(_ b: [UInt8], at offset: Int) -> (Entry, Int)? {
        guard offset + 8 <= b.count else { return nil }
        let length = Int(get(b, offset, UInt32.self))
        guard length >= 20, length <= 20 + 4 * Reading.valueCount, offset + 8 + length <= b.count else { return nil }
        let payload = b[(offset + 8)..<(offset + 8 + length)]
        guard crc32(payload) == get(b, offset + 4, UInt32.self) else { return nil }
        let p = offset + 8
        let seq = get(b, p, UInt64.self)
        let ts = Int64(bitPattern: get(b, p + 8, UInt64.self))
        let mask = get(b, p + 16, UInt32.self)
        guard 20 + 4 * mask.nonzeroBitCount == length, mask >> UInt32(Reading.valueCount) == 0 else { return nil }
        var values = [Float?](repeating: nil, count: Reading.valueCount)
        var q = p + 20
        for i in 0..<Reading.valueCount where mask & (1 << UInt32(i)) != 0 {
            values[i] = Float(bitPattern: get(b, q, UInt32.self))
            q += 4
        }
        return (Entry(seq: seq, reading: Reading(timestamp: ts, values: values)), 8 + length)
    }

    static func put<T: FixedWidthInteger>(_ v: T, _ out: inout [UInt8]) {
        withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
    }

    static func get<T: FixedWidthInteger>(_ b: [UInt8], _ at: Int, _: T.Type) -> T {
        var v: T = 0
        for k in 0..<MemoryLayout<T>.size { v |= T(b[at + k]) << (8 * k) }
        return v
    }

    // MARK: System calls

    static func readAll(_ path: String) -> [UInt8]? { try? FileIO.readWholeFile(path) }

    /// `mkdir -p`, fsyncing each parent whose entry it created.
    static func makeDirectory(_ path: String) throws(JournalError) {
        do { try FileIO.makeFolders(path) } catch { throw JournalError(error) }
    }

    static func call(_ op: String, _ path: String, _ body: () -> Int32) throws(JournalError) -> Int32 {
        do { return try FileIO.retrying(op, path, body) } catch { throw JournalError(error) }
    }
}
