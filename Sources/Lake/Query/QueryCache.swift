// Sums of whole UTC days, kept between queries by a long-running reader (the dashboard). A day
// folder's entry is valid while the folder holds the same files: batch files are renamed into
// place whole and a name is never reused (DESIGN.md §2, §4), so the same names mean the same
// data. A file added, removed (retention) or replaced by a `-1` attempt changes the names.

import Synchronization

public final class QueryCache: Sendable {
    struct Entry {
        var signature: [String]
        var partial: FilePartial
        var used: UInt64
    }

    struct State {
        var entries: [String: Entry] = [:]
        var clock: UInt64 = 0
    }

    private let state = Mutex(State())
    /// Entries kept; the least recently used goes first. A day's entry is a few hundred bytes
    /// per bucket, so the default holds months of days at every width a page uses.
    public let capacity: Int

    public init(capacity: Int = 2048) {
        self.capacity = max(1, capacity)
    }

    /// The number of days held.
    public var count: Int { state.withLock { $0.entries.count } }

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
            s.clock += 1
            s.entries[key] = Entry(signature: signature, partial: partial, used: s.clock)
            if s.entries.count > capacity, let oldest = s.entries.min(by: { $0.value.used < $1.value.used })?.key {
                s.entries[oldest] = nil
            }
        }
    }
}
