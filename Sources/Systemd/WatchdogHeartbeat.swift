// When the collector may tell systemd "I am alive".
//
// systemd restarts a `WatchdogSec=` service that stops sending WATCHDOG=1 (systemd.service(5),
// WatchdogSec=). A timer that pings on its own would keep a hung process alive, so the ping is
// earned: it is sent only from the collector's own progress reports, and only while that
// progress is on schedule. A sensor read that hangs stops the reports, hence the pings, hence
// systemd restarts the process; the journal makes the restart lose nothing (docs/ARCHITECTURE.md §4.1).

import Config
import DurableFiles

/// The heartbeat policy: decides, from the collector's progress reports, when `WATCHDOG=1` is due.
///
/// Times are monotonic milliseconds (the collector's `WallClock.monotonicMillis()`, which never
/// jumps), passed in by the caller, so the policy is a pure value and tests need no clock.
///
/// A heartbeat is due at time `t` exactly when all of these hold:
/// 1. the watchdog is on (`Policy.watchdogMillis > 0`);
/// 2. a reading was recorded at most `staleAfterReadIntervals` (3) read intervals before `t` —
///    readings are arriving on schedule;
/// 3. no heartbeat was sent in the last `watchdogMillis / 2` — systemd needs one per interval,
///    half the interval leaves room for one late read (sd_watchdog_enabled(3) suggests half).
///
/// Batch writes do not enter into it. One that fails fast (a full disk, a read-only remount)
/// leaves a process that is alive and keeps its readings in the journal and in memory; a restart
/// would not free the disk and would drop what only memory holds (docs/ARCHITECTURE.md §4). One that hangs
/// stops the read loop, hence the readings, hence the heartbeat. A failing write is reported in
/// `STATUS=` instead (``ServiceWatchdog/batchFailed(atMonotonic:error:)``).
///
/// For a heartbeat to reach systemd in time, the interval must exceed
/// `watchdogMillis / 2 + readInterval` plus a read and a batch write; ``Policy/recommendedWatchdogSeconds(readIntervalSeconds:)``
/// gives such an interval.
public struct WatchdogHeartbeat: Sendable, Equatable {
    /// The thresholds.
    public struct Policy: Sendable, Equatable {
        /// `WATCHDOG_USEC` in milliseconds; 0 turns the heartbeat off.
        public var watchdogMillis: Int64
        /// The collector's read interval in milliseconds.
        public var readIntervalMillis: Int64
        /// How many read intervals without a recorded reading make the readings stale.
        public var staleAfterReadIntervals: Int64 = 3

        /// A policy for a watchdog interval and the collector's read interval.
        public init(watchdog: Duration?, readIntervalSeconds: Int) {
            let w = watchdog.map { $0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000 } ?? 0
            watchdogMillis = max(0, w)
            readIntervalMillis = Int64(max(1, readIntervalSeconds)) * 1000
        }

        /// A `WatchdogSec=` that a heartbeat earned by readings every `readIntervalSeconds`
        /// always meets: four read intervals (a ping at most every half interval, plus one read
        /// interval, plus a slow read and a batch write), and never under a minute so a slow
        /// SD card's fsync cannot trip it.
        public static func recommendedWatchdogSeconds(readIntervalSeconds: Int) -> Int {
            max(60, 4 * max(1, readIntervalSeconds))
        }
    }

    /// Why a heartbeat is or is not due.
    public enum Verdict: Sendable, Equatable {
        /// Send `WATCHDOG=1` now.
        case due
        /// Healthy, but a heartbeat was sent less than half an interval ago.
        case notYet
        /// The watchdog is off for this process.
        case disabled
        /// No reading recorded yet.
        case noReading
        /// The last reading was recorded this many milliseconds ago (over the limit).
        case readingsStale(ageMillis: Int64)
    }

    public let policy: Policy
    /// When the last reading was recorded.
    public private(set) var lastReadingAt: Int64?
    /// When the last heartbeat was sent.
    public private(set) var lastHeartbeatAt: Int64?
    /// When the current streak of failed batch writes began (nil: the last write succeeded);
    /// for the status line, not the heartbeat.
    public private(set) var batchesFailingSince: Int64?

    public init(policy: Policy) {
        self.policy = policy
    }

    /// Whether a heartbeat is due at `now`, and if not, why.
    public func verdict(atMonotonic now: Int64) -> Verdict {
        guard policy.watchdogMillis > 0 else { return .disabled }
        guard let last = lastReadingAt else { return .noReading }
        let age = now - last
        if age > policy.staleAfterReadIntervals * policy.readIntervalMillis { return .readingsStale(ageMillis: age) }
        if let sent = lastHeartbeatAt, now - sent < policy.watchdogMillis / 2, now >= sent { return .notYet }
        return .due
    }

    /// A reading was recorded (journaled) at `now`. Returns true when `WATCHDOG=1` is to be
    /// sent now (and counts it as sent).
    public mutating func readingRecorded(atMonotonic now: Int64) -> Bool {
        lastReadingAt = now
        return beatIfDue(now)
    }

    /// A batch file was written at `now`: ends a failure streak. Returns true when
    /// `WATCHDOG=1` is to be sent now.
    public mutating func batchWritten(atMonotonic now: Int64) -> Bool {
        batchesFailingSince = nil
        return beatIfDue(now)
    }

    /// A batch write failed at `now` (its readings stay in the journal and the write is
    /// retried). Returns true when `WATCHDOG=1` is due now, as after a reading.
    public mutating func batchFailed(atMonotonic now: Int64) -> Bool {
        if batchesFailingSince == nil { batchesFailingSince = now }
        return beatIfDue(now)
    }

    private mutating func beatIfDue(_ now: Int64) -> Bool {
        guard verdict(atMonotonic: now) == .due else { return false }
        lastHeartbeatAt = now
        return true
    }
}
