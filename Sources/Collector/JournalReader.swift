// A read-only view of a collector's journal (docs/ARCHITECTURE.md §4.1), for `status` and a
// dashboard while `start` runs: the readings collected and not yet in a batch file.
//
// The reader never takes the collector's lock, never opens the journal for writing and never
// waits: it opens the file read-only, reads what is there and closes it. It relies on how the
// writer changes the file (Sources/Collector/Journal.swift):
// - a reading is appended as one record at the end; a reader may see the record's first bytes
//   before its last, so a record that does not hold yet (too short, or its checksum fails with
//   nothing valid after it) is a torn tail: not returned, looked at again next time;
// - once a batch file is durable the journal is replaced whole, atomically (a new file renamed
//   over the old one: a new inode), keeping the readings not yet filed under their sequence
//   numbers. Re-stamping held readings once the clock is set replaces it the same way.
// So a reader that follows the file remembers where it stopped and the identity of the file it
// read (device, inode, its header, the last record taken). Any change — another inode, a
// shorter file, other bytes where it stopped — means it starts over from the header, and the
// readings it already returned (by sequence number and timestamp) are not returned again.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import DurableFiles
import Synchronization

/// What one look at the journal found.
public struct JournalRead: Sendable, Equatable {
    /// Readings in journal order: time order, unless the clock stepped back.
    public var readings: [Reading]
    /// Damaged records passed over in this look (each counted once by a reader that follows the
    /// journal); the collector keeps such a journal aside and recovers the rest when it next
    /// opens it.
    public var skippedRecords: Int
    /// Why the journal could not be read, or what was odd about it (damage, bytes at its end
    /// that are no record); nil when all was well. A missing journal is a notice too: no
    /// collector has run with this output directory and station yet.
    public var notice: String?
    /// The journal's id, from its header; nil when it has none that holds.
    public var journalID: UInt64?

    public init(readings: [Reading] = [], skippedRecords: Int = 0, notice: String? = nil, journalID: UInt64? = nil) {
        self.readings = readings
        self.skippedRecords = skippedRecords
        self.notice = notice
        self.journalID = journalID
    }
}

/// Reads a running (or stopped) collector's journal without disturbing it; see the top of this
/// file for what it tolerates.
///
/// Two ways to read:
/// - `readings(since:)`: everything the journal holds now, stamped at or after `since`. Stateless.
/// - `newReadings()`: only what this reader has not returned before — poll it (every few seconds)
///   to follow the collector. Each reading is returned at most once, whatever the collector does
///   to the file between two polls; a batch file takes the readings the journal gives up, so a
///   consumer that wants everything reads the lake for what is older than the journal's first.
///
/// A dashboard's use, for instance:
///
///     let journal = JournalReader(outputDirectory: config.outputDirectory, station: id)
///     var recent = journal.newReadings().readings        // what the journal holds now
///     // every few seconds:
///     let read = journal.newReadings()
///     recent += read.readings                            // only the new ones
///     if let notice = read.notice { show(notice) }       // no journal yet, damage
///     // `Reading.value(named: "pm25")` gives a column by name.
///
/// Readings stamped before `clockFloor` are never returned: the collector holds them until the
/// system clock is set, then re-stamps them (and `newReadings()` returns them then).
/// Calls are serialised by a lock; one reader per consumer that follows the journal.
public final class JournalReader: Sendable {
    /// The collector's output directory.
    public let outputDirectory: String
    /// The station whose journal is read; nil: the only one, or the one appended to last.
    public let station: String?
    public let clockFloor: Int64

    /// Where `newReadings()` stopped, and the file it read.
    struct Position {
        var path: String
        var device: UInt64
        var inode: UInt64
        var header: [UInt8]
        /// The end of the last record taken in: the next look reads from here.
        var offset: Int
        /// The last record taken in, and its first 8 bytes (length and checksum): still there
        /// and the same on the next look, or the file is not the one this position describes.
        var lastRecordStart: Int?
        var lastRecordHead: [UInt8]
        var lastSeq: UInt64
        var journalID: UInt64?
    }

    struct State {
        var position: Position?
        /// The readings returned from the file `position` describes: sequence → timestamp. A
        /// replaced journal holds the unfiled readings again under the same sequence and time;
        /// a re-stamped one under the same sequence and a new time (held ones, never returned).
        var returned: [UInt64: Int64] = [:]
    }

    private let state = Mutex(State())

    /// A reader of the journal of `station` in `outputDirectory` (a collector's
    /// OPENSENSOR_OUTPUT_DIR). With no station, the output directory's only journal, or — when
    /// simulated stations share it — the one written to last, chosen at each read.
    public init(outputDirectory: String, station: String? = nil, clockFloor: Int64 = CollectorSettings.defaultClockFloor) {
        self.outputDirectory = outputDirectory
        self.station = station
        self.clockFloor = clockFloor
    }

    /// The stations with a journal in `outputDirectory`, sorted.
    public static func stations(outputDirectory: String) -> [String] {
        let base = outputDirectory + "/.opensensor"
        // `sync` holds the sync ledgers, not a station's journal.
        return FileIO.names(in: base).filter { $0 != "sync" && FileIO.exists(base + "/" + $0 + "/" + Journal.fileName) }.sorted()
    }

    /// The journal file read, or nil when no station has one yet.
    public var journalPath: String? {
        if let station { return Self.path(outputDirectory, station) }
        let all = Self.stations(outputDirectory: outputDirectory)
        guard all.count > 1 else { return all.first.map { Self.path(outputDirectory, $0) } }
        // Several: the journal modified last is the running collector's.
        return all.map { Self.path(outputDirectory, $0) }.max { Self.modified($0) < Self.modified($1) }
    }

    static func path(_ output: String, _ station: String) -> String {
        CollectorSettings.journalDirectory(outputDirectory: output, station: station) + "/" + Journal.fileName
    }

    static func modified(_ path: String) -> Int64 {
        guard let file = try? ReadFile(path: path) else { return .min }
        return Int64(file.status.st_mtim.tv_sec) * 1_000_000_000 + Int64(file.status.st_mtim.tv_nsec)
    }

    /// Everything the journal holds now, stamped at or after `since` (UTC ms).
    public func readings(since: Int64 = .min) -> JournalRead {
        guard let path = journalPath else { return JournalRead(notice: missing) }
        let bytes: [UInt8]
        do {
            bytes = try FileIO.readWholeFile(path)
        } catch {
            return JournalRead(notice: error.errno == ENOENT ? missing : "cannot read the journal: \(error)")
        }
        let scan = Journal.scan(bytes)
        let floor = max(since, clockFloor)
        let skipped = scan.damagedRanges.filter { $0.upperBound <= scan.consumed }.count
        return JournalRead(readings: scan.entries.map(\.reading).filter { $0.timestamp >= floor }, skippedRecords: skipped,
                           notice: Self.notice(path: path, header: scan.header != nil || bytes.isEmpty,
                                               skipped: skipped, unresolved: bytes.count - scan.consumed - scan.tornTail),
                           journalID: scan.header?.id)
    }

    /// The readings this reader has not returned before (all the journal holds, on the first
    /// call). Never blocks: what is half written now is returned by a later call.
    public func newReadings() -> JournalRead {
        state.withLock { s in follow(&s) }
    }

    /// Forgets what was returned: the next `newReadings()` returns all the journal holds.
    public func reset() {
        state.withLock { $0 = State() }
    }

    private var missing: String {
        "no journal yet in \(outputDirectory)/.opensensor\(station.map { "/" + $0 } ?? "") (no collector has run with this output directory)"
    }

    static func notice(path: String, header: Bool, skipped: Int, unresolved: Int) -> String? {
        var parts: [String] = []
        if !header { parts.append("its header is damaged") }
        if skipped > 0 { parts.append("\(skipped) damaged record\(skipped == 1 ? "" : "s") skipped") }
        // Longer than any record: not an append in progress.
        if unresolved > 0 { parts.append("its last \(unresolved) bytes are no record") }
        guard !parts.isEmpty else { return nil }
        return "the journal \(path): " + parts.joined(separator: "; ")
            + " (the collector keeps a damaged journal aside and recovers what it can when it next opens it)"
    }

    private func follow(_ s: inout State) -> JournalRead {
        guard let path = journalPath else { return JournalRead(notice: missing) }
        let file: ReadFile
        do {
            file = try ReadFile(path: path)
        } catch {
            return JournalRead(notice: error.errno == ENOENT ? missing : "cannot read the journal: \(error)")
        }
        let device = UInt64(file.status.st_dev), inode = UInt64(file.status.st_ino)
        let size = file.size
        do {
            if let p = s.position, p.path == path, p.device == device, p.inode == inode, size >= p.offset,
               try file.read(count: Journal.headerSize, at: 0) == p.header,
               try p.lastRecordStart.map({ try file.read(count: 8, at: $0) }) ?? [] == p.lastRecordHead
            {
                // The same file, grown or not: read what follows.
                let tail = try file.read(count: size - p.offset, at: p.offset)
                var scan = Journal.Scan()
                Journal.scanRecords(tail, from: 0, after: p.lastSeq, into: &scan)
                return take(scan, tail: tail, base: p.offset, previous: p, header: p.header, state: &s)
            }
            // Another file, or the first look: from the start.
            let bytes = try file.read(count: size, at: 0)
            let scan = Journal.scan(bytes)
            let header = Array(bytes.prefix(Journal.headerSize))
            let fresh = Position(path: path, device: device, inode: inode, header: header, offset: Journal.headerSize,
                                 lastRecordStart: nil, lastRecordHead: [], lastSeq: 0, journalID: scan.header?.id)
            // Only what this file still holds can come back in the next one.
            let present = Set(scan.entries.map(\.seq))
            s.returned = s.returned.filter { present.contains($0.key) }
            guard bytes.count >= Journal.headerSize else {
                s.position = nil
                return JournalRead(notice: bytes.isEmpty ? nil : Self.notice(path: path, header: false, skipped: 0, unresolved: 0))
            }
            return take(scan, tail: bytes, base: 0, previous: fresh, header: header, state: &s)
        } catch {
            return JournalRead(notice: "cannot read the journal: \(error)")
        }
    }

    /// Returns the readings of `scan` (over `tail`, whose first byte is at `base` in the file)
    /// not returned before, and moves the position past the last whole record.
    private func take(_ scan: Journal.Scan, tail: [UInt8], base: Int, previous: Position, header: [UInt8],
                      state s: inout State) -> JournalRead
    {
        var p = previous
        var out: [Reading] = []
        for e in scan.entries where e.reading.timestamp >= clockFloor && s.returned[e.seq] != e.reading.timestamp {
            out.append(e.reading)
            s.returned[e.seq] = e.reading.timestamp
        }
        if let start = scan.lastRecordStart, let last = scan.entries.last {
            p.lastRecordStart = base + start
            p.lastRecordHead = Array(tail[start..<(start + 8)])
            p.lastSeq = last.seq
        }
        p.offset = base + scan.consumed
        s.position = p
        let skipped = scan.damagedRanges.filter { $0.upperBound <= scan.consumed }.count
        let unresolved = tail.count - scan.consumed - scan.tornTail
        let headerHolds = Journal.parseHeader(header) != nil
        return JournalRead(readings: out, skippedRecords: skipped,
                           notice: Self.notice(path: p.path, header: headerHolds, skipped: skipped, unresolved: unresolved),
                           journalID: p.journalID)
    }
}
