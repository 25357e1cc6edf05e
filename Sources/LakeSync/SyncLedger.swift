// The sync ledger: what has been uploaded to one destination, so that a sync with nothing new
// makes no request and reads no file (docs/ARCHITECTURE.md §5).
//
// One append-only text file per destination, `<root>/.opensensor/sync/<hash>.ledger`:
//
//   opensensor-sync-ledger 1 <TAB> <destination>                 header
//   F <TAB> <day dir> <TAB> <file> <TAB> <size> <TAB> <etag|-> <TAB> <mtime ns> <TAB> <crc32>   uploaded
//   X <TAB> <day dir> <TAB> <file> <TAB> <reason> <TAB> <crc32>               conflict: never overwritten
//   R <TAB> <day dir> <TAB> <file> <TAB> <crc32>                              forgotten (verify: missing remotely)
//   D <TAB> <day dir> <TAB> <mtime ns> <TAB> <crc32>                          day folder settled at this mtime
//
// A line whose checksum fails (a torn append after power loss) is ignored: the worst outcome is
// that its file is offered again, and the upload protocol finds the identical remote object and
// records it without re-sending it. Lines are appended as work completes and fdatasync'd at the end
// of each sync; superseded `D` lines are compacted away by rewriting the file atomically.
//
// An `F` line says the file, as it was then — this size and modification time — is proven stored
// (uploaded, or found stored byte for byte). Retention deletes a file only while both still hold:
// a file rewritten after its upload stays. Lines of older versions lack the mtime; they count as
// not proven until `sync --verify` has compared the file with the stored object again.
//
// Day folders are keyed by their bytes, not by Swift string equality: two folders whose names
// are canonically equivalent ("é" precomposed and decomposed) are two folders on Linux, and
// one's upload must never stand for the other's.
//
// In memory a file is a 32-bit key (kind, minute, attempt) with a 40-byte stamp in a per-day
// table, so a station-year of 35,000 files costs about two megabytes.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Lake
import CivilTime
import Config
import DurableFiles

/// A file of the lake layout within its day folder, packed: bit 31 health, bits 20–30 the
/// boundary minute (0–1439), bits 0–19 the attempt.
struct LedgerFileKey: Hashable, Sendable, Comparable {
    let raw: UInt32

    init?(_ entry: LakeLayout.Entry) {
        guard entry.attempt < (1 << 20), (0..<1440).contains(entry.boundaryMinute) else { return nil }
        raw = (entry.kind == "health" ? 1 << 31 : 0) | UInt32(entry.boundaryMinute) << 20 | UInt32(entry.attempt)
    }

    /// Parses a file name of the layout (`data_1445.parquet`, `health_0000-2.parquet`) without
    /// building the whole path: loading a year's ledger parses 35,000 of them.
    init?(fileName name: Substring) {
        var rest = name.utf8[...]
        let health: Bool
        if rest.starts(with: "data_".utf8) {
            health = false
            rest = rest.dropFirst(5)
        } else if rest.starts(with: "health_".utf8) {
            health = true
            rest = rest.dropFirst(7)
        } else {
            return nil
        }
        guard rest.count >= 12, rest.suffix(8).elementsEqual(".parquet".utf8) else { return nil }
        rest = rest.dropLast(8)
        var digits = 0, hhmm = 0
        while let b = rest.first, b >= 0x30, b <= 0x39, digits < 4 {
            hhmm = hhmm * 10 + Int(b - 0x30)
            digits += 1
            rest = rest.dropFirst()
        }
        guard digits == 4, hhmm / 100 < 24, hhmm % 100 < 60 else { return nil }
        var attempt = 0
        if let b = rest.first {
            guard b == UInt8(ascii: "-"), rest.count > 1, rest.dropFirst().first != UInt8(ascii: "0") else { return nil }
            for d in rest.dropFirst() {
                guard d >= 0x30, d <= 0x39, attempt < (1 << 20) else { return nil }
                attempt = attempt * 10 + Int(d - 0x30)
            }
            guard attempt > 0, attempt < (1 << 20) else { return nil }
        }
        raw = (health ? 1 << 31 : 0) | UInt32(hhmm / 100 * 60 + hhmm % 100) << 20 | UInt32(attempt)
    }

    static func < (a: Self, b: Self) -> Bool { a.raw < b.raw }
}

/// A day folder's relative path as bytes (see the file comment).
struct LedgerDay: Hashable, Comparable, Sendable {
    let bytes: [UInt8]
    init(_ path: String) { bytes = Array(path.utf8) }
    init<S: StringProtocol>(_ path: S) { bytes = Array(path.utf8) }
    var path: String { String(decoding: bytes, as: UTF8.self) }
    static func < (a: Self, b: Self) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }
}

/// What the ledger recorded of a file when it was proven stored.
struct LedgerStamp: Equatable, Sendable {
    var size: Int64
    /// Modification time in nanoseconds; nil on lines written by older versions.
    var mtimeNanos: Int64?
    /// The ETag when it has the shape of an MD5 (32 hex digits), packed; nil otherwise.
    var md5: MD5Tag?

    init(size: Int64, mtimeNanos: Int64?, eTag: String?) {
        self.size = size
        self.mtimeNanos = mtimeNanos
        md5 = eTag.flatMap(MD5Tag.init)
    }

    /// Whether a file of this size and mtime is the one recorded.
    func matches(size: Int64, mtimeNanos: Int64) -> Bool {
        self.mtimeNanos == mtimeNanos && self.size == size
    }
}

/// An ETag of 32 hex digits (S3's MD5 of a single-part object), in 16 bytes.
struct MD5Tag: Hashable, Sendable {
    let high: UInt64
    let low: UInt64

    init?(_ eTag: String) {
        let hex = eTag.utf8.filter { $0 != UInt8(ascii: "\"") }
        let isHex: (UInt8) -> Bool = { (0x30...0x39).contains($0) || (0x41...0x46).contains($0) || (0x61...0x66).contains($0) }
        guard hex.count == 32, hex.allSatisfy(isHex), let h = UInt64(String(decoding: hex[0..<16], as: UTF8.self), radix: 16),
              let l = UInt64(String(decoding: hex[16..<32], as: UTF8.self), radix: 16)
        else { return nil }
        high = h
        low = l
    }
}

/// Errors opening or writing the ledger.
public struct SyncLedgerError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "sync ledger \(path): \(message)" }
}

/// The ledger of one destination (see the file comment for the format).
final class SyncLedger {
    struct Day {
        /// Settled at this folder mtime (ns); nil until a scan found everything in it handled.
        var settledMtime: Int64?
        var uploaded: [LedgerFileKey: LedgerStamp] = [:]
        var conflicts: [LedgerFileKey: String] = [:]
    }

    let path: String
    /// Read from the file's header when the ledger is opened by path (retention).
    private(set) var destination: String
    private(set) var days: [LedgerDay: Day] = [:]
    /// The ledger opened for appending; nil until the first (re)open.
    private var file: AppendFile?
    /// Held for the length of a sync: `start`'s auto-sync and an `opensensor sync` by hand may
    /// run at once, and each must see the other's records (a separate file, because compaction
    /// replaces the ledger's inode).
    private let lockFD: Int32
    /// The ledger file as this process last left it; anything else means another process wrote.
    private var knownSize: Int64 = 0
    private var knownInode: UInt64 = 0
    /// Lines in the file that a compacted file would not need.
    private var superseded = 0
    private var pendingSync = false

    /// The ledger for `destination` under `root`, created if absent.
    init(root: String, destination: String) throws(SyncLedgerError) {
        self.destination = destination
        let directory = root + "/.opensensor/sync"
        path = directory + "/" + Self.fileName(destination)
        for dir in [root, root + "/.opensensor", directory] where mkdir(dir, 0o755) != 0 && errno != EEXIST {
            throw SyncLedgerError(path: dir, message: "cannot create the folder: \(String(cString: strerror(errno)))")
        }
        lockFD = open(path.dropLast(7) + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard lockFD >= 0 else { throw SyncLedgerError(path: path, message: "cannot open its lock file: \(String(cString: strerror(errno)))") }
        try reopen()
    }

    /// The ledger a sync engine keeps at `path`, for reading (retention): nothing is created
    /// but its lock file, and nothing is read until ``tryLock()`` and ``catchUp()``, so a
    /// reader sees the ledger only as no sync is writing it.
    init(existingAt path: String) throws(SyncLedgerError) {
        guard access(path, F_OK) == 0 else { throw SyncLedgerError(path: path, message: "does not exist") }
        self.path = path
        destination = ""
        lockFD = open(path.dropLast(7) + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard lockFD >= 0 else { throw SyncLedgerError(path: path, message: "cannot open its lock file: \(String(cString: strerror(errno)))") }
    }

    deinit {
        close(lockFD)
    }

    /// (Re)reads the file and opens it for appending.
    private func reopen() throws(SyncLedgerError) {
        days = [:]
        superseded = 0
        try load()
        do { file = try AppendFile(path: path, create: 0o644) } catch { throw SyncLedgerError(path: path, message: "cannot open: \(error)") }
        if file?.size == 0 {
            try append("opensensor-sync-ledger 1\t\(Self.clean(destination))\n", checksum: false)
        }
        noteFileState()
        if superseded > max(1000, liveLines) { try compact() }
    }

    private func noteFileState() {
        guard let file else { return }
        knownSize = Int64(file.size)
        knownInode = file.inode
    }

    /// Takes the lock unless another process holds it (then false: wait and try again).
    func tryLock() throws(SyncLedgerError) -> Bool {
        guard FileIO.retryingInterrupted({ flock(lockFD, LOCK_EX | LOCK_NB) }) != 0 else { return true }
        if errno == EWOULDBLOCK { return false }
        throw SyncLedgerError(path: path, message: "cannot lock: \(String(cString: strerror(errno)))")
    }

    /// With the lock held: catches up with whatever another process recorded meanwhile.
    func catchUp() throws(SyncLedgerError) {
        var st = stat()
        if stat(path, &st) != 0 || Int64(st.st_size) != knownSize || UInt64(st.st_ino) != knownInode {
            try reopen()
        }
    }

    /// Releases the lock taken by ``tryLock()``.
    func release() { _ = flock(lockFD, LOCK_UN) }

    /// A name per destination that does not leak the destination's text into file names.
    static func fileName(_ destination: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a 64
        for b in destination.utf8 { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex + ".ledger"
    }

    private static func clean(_ text: String) -> String {
        String(text.map { $0 == "\t" || $0 == "\n" || $0 == "\r" ? " " : $0 })
    }

    private var liveLines: Int {
        days.values.reduce(1) { $0 + $1.uploaded.count + $1.conflicts.count + ($1.settledMtime == nil ? 0 : 1) }
    }

    // MARK: - Queries and records

    func isHandled(day: String, _ key: LedgerFileKey) -> Bool {
        guard let d = days[LedgerDay(day)] else { return false }
        return d.uploaded[key] != nil || d.conflicts[key] != nil
    }

    /// What was recorded when the file was proven stored — uploaded, or found there byte for
    /// byte — unless a conflict or difference is recorded for it since: nil then. Retention may
    /// delete a file only while it still matches this stamp.
    func provenStored(day: String, _ key: LedgerFileKey) -> LedgerStamp? {
        guard let d = days[LedgerDay(day)], d.conflicts[key] == nil else { return nil }
        return d.uploaded[key]
    }

    /// The stamp of an uploaded file, conflict or not.
    func stamp(day: String, _ key: LedgerFileKey) -> LedgerStamp? { days[LedgerDay(day)]?.uploaded[key] }

    func settledMtime(day: String) -> Int64? { days[LedgerDay(day)]?.settledMtime }

    func recordUpload(day: String, file: String, key: LedgerFileKey, size: Int, mtimeNanos: Int64, eTag: String?) throws(SyncLedgerError) {
        let d = LedgerDay(day)
        if days[d, default: Day()].uploaded.updateValue(LedgerStamp(size: Int64(size), mtimeNanos: mtimeNanos, eTag: eTag), forKey: key) != nil {
            superseded += 1
        }
        days[d]?.conflicts[key] = nil
        try appendRecord(["F", day, file, String(size), eTag.map(Self.clean) ?? "-", String(mtimeNanos)])
    }

    func recordConflict(day: String, file: String, key: LedgerFileKey, reason: String) throws(SyncLedgerError) {
        if days[LedgerDay(day), default: Day()].conflicts.updateValue(reason, forKey: key) != nil { superseded += 1 }
        try appendRecord(["X", day, file, Self.clean(reason)])
    }

    func forget(day: String, file: String, key: LedgerFileKey) throws(SyncLedgerError) {
        let d = LedgerDay(day)
        guard days[d] != nil else { return }
        days[d]!.uploaded[key] = nil
        days[d]!.conflicts[key] = nil
        days[d]!.settledMtime = nil
        superseded += 2
        try appendRecord(["R", day, file])
    }

    func settle(day: String, mtime: Int64) throws(SyncLedgerError) {
        let d = LedgerDay(day)
        if days[d, default: Day()].settledMtime != nil { superseded += 1 }
        days[d]!.settledMtime = mtime
        try appendRecord(["D", day, String(mtime)])
    }

    /// Every recorded conflict, as relative paths with the reason.
    var conflicts: [(path: String, reason: String)] {
        days.sorted { $0.key < $1.key }.flatMap { day, state in
            state.conflicts.sorted { $0.key < $1.key }.map { (day.path + "/" + Self.name(of: $0.key), $0.value) }
        }
    }

    /// Every uploaded file, as relative paths with what was recorded.
    var uploadedFiles: [(path: String, stamp: LedgerStamp)] {
        days.sorted { $0.key < $1.key }.flatMap { day, state in
            state.uploaded.sorted { $0.key < $1.key }.map { (day.path + "/" + Self.name(of: $0.key), $0.value) }
        }
    }

    /// The file name a key stands for.
    static func name(of key: LedgerFileKey) -> String {
        let minute = Int((key.raw >> 20) & 0x7FF)
        let stem = (key.raw >> 31 == 1 ? "health_" : "data_") + LakeLayout.pad(minute / 60, 2) + LakeLayout.pad(minute % 60, 2)
        return LakeLayout.fileName(stem: stem, attempt: Int(key.raw & 0xFFFFF))
    }

    /// Makes appended records durable (end of a sync).
    func flush() throws(SyncLedgerError) {
        guard pendingSync else { return }
        do { try file?.sync() } catch { throw SyncLedgerError(path: path, message: "\(error)") }
        pendingSync = false
        if superseded > max(1000, liveLines) { try compact() }
    }

    // MARK: - File

    private func appendRecord(_ fields: [String]) throws(SyncLedgerError) {
        let text = fields.joined(separator: "\t")
        try append(text + "\t" + Self.hex32(crc32(Array(text.utf8)[...])) + "\n", checksum: true)
    }

    private func append(_ line: String, checksum: Bool) throws(SyncLedgerError) {
        guard let file else { throw SyncLedgerError(path: path, message: "not open for appending") }
        do { try file.append(Array(line.utf8)) } catch { throw SyncLedgerError(path: path, message: "\(error)") }
        knownSize = Int64(file.size)
        pendingSync = true
    }

    private static func hex32(_ v: UInt32) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 8 - s.count) + s
    }

    private func load() throws(SyncLedgerError) {
        let bytes: [UInt8]
        do {
            bytes = try FileIO.readWholeFile(path)
        } catch {
            if error.errno == ENOENT { return }
            throw SyncLedgerError(path: path, message: "cannot read: \(error)")
        }
        var lineStart = 0
        var first = true
        for i in bytes.indices where bytes[i] == 0x0A {
            defer { lineStart = i + 1 }
            let line = bytes[lineStart..<i]
            if first {
                first = false
                let text = String(decoding: line, as: UTF8.self)
                guard text.hasPrefix("opensensor-sync-ledger 1\t") else {
                    throw SyncLedgerError(path: path, message: "not a sync ledger (first line is \"\(text.prefix(60))\")")
                }
                if destination.isEmpty { destination = String(text.dropFirst(25)) }  // opened by path
                continue
            }
            guard let tab = line.lastIndex(of: 0x09), UInt32(String(decoding: line[(tab + 1)...], as: UTF8.self), radix: 16) == crc32(line[..<tab])
            else { continue }  // torn or damaged: see the file comment
            let fields = String(decoding: line[..<tab], as: UTF8.self).split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            apply(fields)
        }
    }

    private func apply(_ f: [String]) {
        guard f.count >= 3 else { return }
        let day = LedgerDay(f[1])
        if f[0] == "D" {
            guard let m = Int64(f[2]) else { return }
            if days[day, default: Day()].settledMtime != nil { superseded += 1 }
            days[day]!.settledMtime = m
            return
        }
        guard let key = LedgerFileKey(fileName: f[2][...]) else { return }
        switch f[0] {
        case "F":
            // Older versions wrote no mtime (field 5): such a file is not proven (file comment).
            guard f.count >= 5, let size = Int64(f[3]) else { return }
            let stamp = LedgerStamp(size: size, mtimeNanos: f.count >= 6 ? Int64(f[5]) : nil, eTag: f[4] == "-" ? nil : f[4])
            if days[day, default: Day()].uploaded.updateValue(stamp, forKey: key) != nil { superseded += 1 }
        case "X": if days[day, default: Day()].conflicts.updateValue(f.count > 3 ? f[3] : "", forKey: key) != nil { superseded += 1 }
        case "R":
            days[day]?.uploaded[key] = nil
            days[day]?.conflicts[key] = nil
            days[day]?.settledMtime = nil
            superseded += 2
        default: break
        }
    }

    /// Rewrites the file with only the live records, keeping each one's original line (with its
    /// size and ETag): temporary file, fsync, rename, fsync of the folder.
    private func compact() throws(SyncLedgerError) {
        let bytes: [UInt8]
        do { bytes = try FileIO.readWholeFile(path) } catch { throw SyncLedgerError(path: path, message: "cannot read: \(error)") }
        var latest: [[UInt8]: Substring] = [:]  // "F|X day/file" or "D day", as bytes → its last line
        var order: [[UInt8]] = []
        var seen: Set<[UInt8]> = []
        let text = String(decoding: bytes, as: UTF8.self)
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count >= 4, let crc = UInt32(f[f.count - 1], radix: 16),
                  crc32(Array(line.utf8.dropLast(f[f.count - 1].utf8.count + 1))[...]) == crc else { continue }
            let day = LedgerDay(f[1])
            let live: Bool
            let id: [UInt8]
            switch f[0] {
            case "D":
                id = Array("D ".utf8) + day.bytes
                live = Int64(f[2]) == days[day]?.settledMtime
            case "F", "X":
                id = Array("\(f[0]) ".utf8) + day.bytes + [0x2F] + Array(f[2].utf8)
                guard let key = LedgerFileKey(fileName: f[2]) else { continue }
                // Only the line of the stamp in force is live (a file recorded again, e.g. after
                // `--verify`, has several F lines).
                live = f[0] == "F" ? days[day]?.uploaded[key] != nil : days[day]?.conflicts[key] != nil
            default:
                continue
            }
            if seen.insert(id).inserted { order.append(id) }
            latest[id] = live ? line : nil
        }
        var out = "opensensor-sync-ledger 1\t\(Self.clean(destination))\n"
        for id in order { if let line = latest[id] { out += line + "\n" } }
        do {
            try FileIO.writeAtomically(out, to: path, mode: 0o644)
        } catch {
            throw SyncLedgerError(path: path, message: "cannot compact: \(error)")
        }
        do { file = try AppendFile(path: path) } catch { throw SyncLedgerError(path: path, message: "cannot reopen: \(error)") }
        noteFileState()
        superseded = 0
        pendingSync = false
    }
}
