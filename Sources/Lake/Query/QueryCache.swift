// Sums of whole UTC days, kept between queries by a long-running reader (the dashboard). A day
// folder's entry is valid while the folder holds the same files: batch files are renamed into
// place whole and a name is never reused (docs/ARCHITECTURE.md §2, §4), so the same names mean the same
// data. A file added, removed (retention) or replaced by a `-1` attempt changes the names.

import Synchronization

public final class QueryCache: Sendable {
    struct Entry {
        var signature: [String]
        var partial: FilePartial
        var used: UInt64
        var bytes: Int
    }

    struct State {
        var entries: [String: Entry] = [:]
        var clock: UInt64 = 0
        var bytes = 0
    }

    private let state = Mutex(State())
    /// Entries kept; the least recently used goes first. A day's entry is a few hundred bytes
    /// per bucket, so the default holds months of days at every width a page uses.
    public let capacity: Int
    /// The most memory the entries may take (estimated): a day at 1-minute buckets and every
    /// column is about 1 MB, so a count alone does not bound a long-running server.
    public let maxBytes: Int

    public init(capacity: Int = 2048, maxBytes: Int = Int.max) {
        self.capacity = max(1, capacity)
        self.maxBytes = max(0, maxBytes)
    }

    /// The number of days held.
    public var count: Int { state.withLock { $0.entries.count } }
    /// The estimated memory the entries take.
    public var bytes: Int { state.withLock { $0.bytes } }

    func lookup(_ key: String, _ signature: [String]) -> FilePartial? {
        state.withLock { s in
            guard var e = s.entries[key], e.signature == signature else { return nil }
            s.clock += 1
            e.used = s.clock
            s.entries[key] = e
            return e.partial
        }
    }

    func store(_ key: String, _ signature: [String], _ partial: FilePartial) {
        state.withLock { s in
            let bytes = Self.estimate(key, signature, partial)
            guard bytes <= maxBytes else { return }
            s.clock += 1
            s.bytes -= s.entries[key]?.bytes ?? 0
            s.entries[key] = Entry(signature: signature, partial: partial, used: s.clock, bytes: bytes)
            s.bytes += bytes
            while s.entries.count > capacity || s.bytes > maxBytes,
                  let oldest = s.entries.min(by: { $0.value.used < $1.value.used })?.key {
                s.bytes -= s.entries[oldest]!.bytes
                s.entries[oldest] = nil
            }
        }
    }

    /// Bytes an entry holds: per bucket its start, count and slot-index entry, per
    /// aggregate 32 bytes, plus the key and file names.
    static func estimate(_ key: String, _ signature: [String], _ partial: FilePartial) -> Int {
        128 + key.utf8.count + signature.reduce(0) { $0 + 16 + $1.utf8.count }
            + partial.buckets.count * 48 + partial.aggregates.count * MemoryLayout<Aggregate>.stride
    }
}
