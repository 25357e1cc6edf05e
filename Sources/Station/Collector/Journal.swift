// The on-disk journal (DESIGN.md §4 rule 1): every reading is appended and made durable here
// before it counts as collected; a batch's readings leave it only once their Parquet file is
// durable. A crash at any point leaves at most a torn last record, which the next open drops
// (it was never acknowledged as collected).
//
//   file   := header record*
//   header := "OSJ1" id:u64 nextSeq:u64 crc32:u32            (24 bytes)
//   record := length:u32 crc32(payload):u32 payload
//   payload:= seq:u64 timestamp:i64 presentMask:u32 float32 × popcount(mask)
//
// Integers are little-endian. Every record carries a sequence number that never repeats in a
// journal, and batch files record the journal id and the last sequence they hold, so a crash
// between writing a batch and trimming the journal cannot write a reading twice.

#if canImport(Glibc)
import Glibc
#endif

public struct JournalError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var operation: String
    public var errno: Int32
    public var description: String { "journal \(path): \(operation) failed: \(String(cString: strerror(errno))) (errno \(errno))" }
    /// The disk is full: readings stay in memory and the write is retried.
    public var isDiskFull: Bool { errno == ENOSPC || errno == EDQUOT }
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
    private var nextSeq: UInt64
    private var fd: Int32
    /// Whether each append is fsynced. Only `opensensor simulate` turns it off: its readings
    /// can be made again from the seed, and a year of them would wait on 100,000 fsyncs.
    public let durable: Bool

    static let magic: [UInt8] = Array("OSJ1".utf8)
    static let headerSize = 24

    /// Opens (or creates) the journal in `directory`, recovering what it holds.
    public init(directory: String, durable: Bool = true, randomID: UInt64 = UInt64.random(in: 1...UInt64.max)) throws(JournalError) {
        let path = directory + "/readings.journal"
        self.path = path
        self.durable = durable
        try Self.makeDirectory(directory)
        // Only a missing journal starts anew: one that exists but cannot be read is an error,
        // never overwritten (it may hold readings).
        var existing: [UInt8]?
        do {
            existing = try FileIO.readBytes(path)
        } catch {
            switch error {
            case .system(_, let code) where code == ENOENT: existing = nil
            case .system(let operation, let code): throw JournalError(path: path, operation: operation, errno: code)
            case .tooLarge: throw JournalError(path: path, operation: "read", errno: EFBIG)  // no limit was set
            }
        }
        if let existing, existing.count >= Self.headerSize, let header = Self.parseHeader(existing) {
            id = header.id
            nextSeq = header.nextSeq
            var offset = Self.headerSize
            while let (entry, length) = Self.parseRecord(existing, at: offset) {
                entries.append(entry)
                nextSeq = max(nextSeq, entry.seq + 1)
                offset += length
            }
            droppedTailBytes = existing.count - offset
            fd = try Self.call("open", path) { open(path, O_WRONLY | O_CLOEXEC) }
            if droppedTailBytes > 0 {
                _ = try Self.call("ftruncate", path) { ftruncate(fd, off_t(offset)) }
                _ = try Self.call("fsync", path) { fsync(fd) }
            }
            _ = try Self.call("lseek", path) { Int32(truncatingIfNeeded: lseek(fd, 0, SEEK_END)) }
        } else {
            // No journal, or one whose header never made it to disk: start anew.
            id = randomID
            nextSeq = 1
            fd = -1
            try rewrite(keeping: [])
        }
    }

    deinit {
        if fd >= 0 { close(fd) }
        if lockFD >= 0 { close(lockFD) }
    }

    private var lockFD: Int32 = -1

    /// The lock file beside the journal: held (flock) by the process that owns the journal, and
    /// holding its pid as text, so `status` can tell whether a collector is running.
    public static func lockPath(directory: String) -> String { directory + "/collector.lock" }

    /// Takes the journal's lock, or fails naming the process that holds it: two collectors
    /// appending to one journal would lose readings.
    public func lock() throws(JournalError) {
        let dir = String(path[..<path.lastIndex(of: "/")!])
        let lp = Self.lockPath(directory: dir)
        let lfd = try Self.call("open", lp) { open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0o644) }
        if flock(lfd, LOCK_EX | LOCK_NB) != 0 {
            let e = errno
            let holder = Self.readAll(lp).flatMap { String(validating: $0, as: UTF8.self) }?.split(separator: "\n").first.map(String.init) ?? "?"
            close(lfd)
            throw JournalError(path: lp, operation: "lock (another collector, pid \(holder), is using this output directory)", errno: e)
        }
        _ = ftruncate(lfd, 0)
        let pid = Array("\(getpid())\n".utf8)
        _ = pid.withUnsafeBytes { pwrite(lfd, $0.baseAddress, $0.count, 0) }
        lockFD = lfd
    }

    /// The pid of the collector holding the lock of the journal in `directory`, or nil when no
    /// process holds it.
    public static func lockHolder(directory: String) -> Int32? {
        let lp = lockPath(directory: directory)
        let lfd = open(lp, O_RDONLY | O_CLOEXEC)
        guard lfd >= 0 else { return nil }
        defer { close(lfd) }
        if flock(lfd, LOCK_SH | LOCK_NB) == 0 {
            _ = flock(lfd, LOCK_UN)
            return nil
        }
        return readAll(lp).flatMap { String(validating: $0, as: UTF8.self) }.flatMap { Int32($0.split(separator: "\n").first ?? "") }
    }

    /// Appends `reading` durably; returns its sequence number.
    @discardableResult
    public func append(_ reading: Reading) throws(JournalError) -> UInt64 {
        let entry = Entry(seq: nextSeq, reading: reading)
        var bytes: [UInt8] = []
        Self.appendRecord(entry, to: &bytes)
        let start = lseek(fd, 0, SEEK_CUR)
        do {
            try Self.writeAll(fd, bytes, path)
            if durable { _ = try Self.call("fdatasync", path) { fdatasync(fd) } }
        } catch {
            // Leave no half record behind for the next append to follow.
            if start >= 0 {
                _ = ftruncate(fd, start)
                _ = lseek(fd, start, SEEK_SET)
            }
            throw error
        }
        nextSeq += 1
        entries.append(entry)
        return entry.seq
    }

    /// Keeps only `entries` — what is still pending once a batch file is durable, or the
    /// re-stamped readings once the clock is set.
    public func retain(_ entries: [Entry]) throws(JournalError) {
        try rewrite(keeping: entries)
    }

    /// Replaces the journal atomically with `keep`: temporary file, fsync, rename, fsync dir.
    private func rewrite(keeping keep: [Entry]) throws(JournalError) {
        var bytes = Self.magic
        Self.put(id, &bytes)
        Self.put(nextSeq, &bytes)
        Self.put(crc32(bytes[4...]), &bytes)
        for e in keep { Self.appendRecord(e, to: &bytes) }
        let temp = path + ".tmp"
        let tfd = try Self.call("open", temp) { open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600) }
        do {
            try Self.writeAll(tfd, bytes, temp)
            _ = try Self.call("fsync", temp) { fsync(tfd) }
        } catch {
            close(tfd)
            unlink(temp)
            throw error
        }
        close(tfd)
        _ = try Self.call("rename", path) { rename(temp, path) }
        let dir = String(path[..<path.lastIndex(of: "/")!])
        let dfd = try Self.call("open", dir) { open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        _ = fsync(dfd)
        close(dfd)
        if fd >= 0 { close(fd) }
        fd = try Self.call("open", path) { open(path, O_WRONLY | O_APPEND | O_CLOEXEC) }
        entries = keep
    }

    /// What the journal in `directory` holds, read without opening it for writing (for
    /// `status` and `info` while a collector runs). Nil when there is no journal.
    public static func peek(directory: String) -> [Entry]? {
        guard let bytes = readAll(directory + "/readings.journal"), parseHeader(bytes) != nil else { return nil }
        var entries: [Entry] = []
        var offset = headerSize
        while let (entry, length) = parseRecord(bytes, at: offset) {
            entries.append(entry)
            offset += length
        }
        return entries
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

    static func readAll(_ path: String) -> [UInt8]? { try? FileIO.readBytes(path) }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], _ path: String) throws(JournalError) {
        var offset = 0
        while offset < bytes.count {
            let n = try call("write", path) {
                bytes.withUnsafeBytes { Int32(truncatingIfNeeded: write(fd, $0.baseAddress! + offset, bytes.count - offset)) }
            }
            offset += Int(n)
        }
    }

    /// `mkdir -p`, fsyncing each parent whose entry it created.
    static func makeDirectory(_ path: String) throws(JournalError) {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            let parent = current.isEmpty ? "/" : current
            current += "/" + part
            if mkdir(current, 0o755) == 0 {
                let dfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                if dfd >= 0 { _ = fsync(dfd); close(dfd) }
            } else if errno != EEXIST {
                throw JournalError(path: current, operation: "mkdir", errno: errno)
            }
        }
    }

    static func call(_ op: String, _ path: String, _ body: () -> Int32) throws(JournalError) -> Int32 {
        while true {
            let r = body()
            if r >= 0 { return r }
            if errno == EINTR { continue }
            throw JournalError(path: path, operation: op, errno: errno)
        }
    }
}

/// CRC-32 (IEEE 802.3, as zlib and gzip), for the journal's records.
func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
    var c: UInt32 = 0xFFFF_FFFF
    for b in bytes { c = crcTable[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
    return c ^ 0xFFFF_FFFF
}

private let crcTable: [UInt32] = (0..<256).map { n in
    var c = UInt32(n)
    for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    return c
}
