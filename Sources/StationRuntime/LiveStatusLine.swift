// `start`'s status line on a terminal: one line below the logs with the newest values, the open
// batch and the last sync, redrawn in place. A log line erases it, prints itself and draws it
// again, all under one lock, so the two never interleave. Without a terminal (systemd, a pipe)
// there is no status line and logs are written as they always were (Sources/StationRuntime/LogSetup.swift).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
public import CivilTime
public import Collector
import Synchronization

/// What the status line shows.
public struct LiveStatus: Sendable, Equatable {
    /// The newest reading journaled.
    public var newest: Reading?
    /// Readings journaled and not yet in a batch file: the open batch (and any a failed write
    /// holds back).
    public var pending = 0
    /// The last batch write that failed, while no later one succeeded.
    public var batchFailing = false
    /// Auto-sync is on.
    public var syncEnabled = false
    /// The last sync of each lake, in the order they first finished.
    public var syncs: [SyncResult] = []
    /// The collector is writing its open batch and stopping.
    public var stopping = false

    public struct SyncResult: Sendable, Equatable {
        public var label: String
        public var atMillis: Int64
        public var uploaded: Int
        /// Nil when every file went up.
        public var failure: String?

        public init(label: String, atMillis: Int64, uploaded: Int, failure: String?) {
            self.label = label
            self.atMillis = atMillis
            self.uploaded = uploaded
            self.failure = failure
        }
    }

    public init() {}

    /// The status line at `now` (UTC ms), cut to `width` characters (a line that wraps could not
    /// be erased in place). Times are UTC, as in the logs.
    public func line(now: Int64, batchClock: BatchClock, width: Int) -> String {
        var parts: [String] = []
        if let r = newest {
            parts.append(Self.clockTime(r.timestamp, seconds: true) + " " + ReadingText.compact(r))
        } else {
            parts.append("waiting for the first reading")
        }
        if stopping {
            parts.append("stopping: writing the open batch")
        } else {
            let close = batchClock.boundary(after: now)
            parts.append("\(pending) in batch, closes \(Self.clockTime(close, seconds: false)) (in \(Self.countdown(close - now)))"
                + (batchFailing ? ", last write FAILED" : ""))
        }
        if !syncEnabled {
            parts.append("sync off")
        } else if syncs.isEmpty {
            parts.append("sync: none yet")
        } else {
            parts.append("sync " + syncs.map { s in
                "\(s.label) \(Self.clockTime(s.atMillis, seconds: false)) "
                    + (s.failure.map { "FAILED: \($0)" } ?? "ok, \(s.uploaded) file\(s.uploaded == 1 ? "" : "s")")
            }.joined(separator: "; "))
        }
        return Self.cut(parts.joined(separator: " | "), to: width)
    }

    /// "06:41:05" or "06:45", UTC.
    static func clockTime(_ millis: Int64, seconds: Bool) -> String {
        let iso = ISO8601.format(millis: millis)  // 2026-12-06T06:41:05Z or with milliseconds
        guard let t = iso.firstIndex(of: "T") else { return iso }
        return String(iso[iso.index(after: t)...].prefix(seconds ? 8 : 5))
    }

    /// "3:20" (minutes and seconds), "1:05:00" past an hour.
    static func countdown(_ millis: Int64) -> String {
        let s = max(0, (millis + 999) / 1000)
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return s >= 3600 ? "\(s / 3600):\(two(s / 60 % 60)):\(two(s % 60))" : "\(s / 60):\(two(s % 60))"
    }

    static func cut(_ text: String, to width: Int) -> String {
        guard width > 1, text.count >= width else { return text }
        return String(text.prefix(width - 2)) + "…"
    }
}

/// The status line and the log lines on one terminal: everything written to it goes through
/// `write`, under one lock. A collector monitor: the collector's events update the line.
public final class TerminalStatusLine: CollectorMonitor, Sendable {
    struct State {
        var status = LiveStatus()
        /// The line is on screen (so a log line must erase it first).
        var shown = false
        /// After `finish`: logs only.
        var finished = false
    }

    private let state = Mutex(State())
    let clock: any WallClock
    let batchClock: BatchClock
    let output: @Sendable (String) -> Void
    let width: @Sendable () -> Int

    static let eraseLine = "\r\u{1B}[2K"

    /// `output` writes to the terminal; `width` is its width in columns, asked at each redraw
    /// (the window may be resized).
    public init(clock: any WallClock, batchSeconds: Int,
                output: @escaping @Sendable (String) -> Void = TerminalStatusLine.writeStderr,
                width: @escaping @Sendable () -> Int = TerminalStatusLine.stderrWidth)
    {
        self.clock = clock
        batchClock = BatchClock(durationSeconds: batchSeconds)
        self.output = output
        self.width = width
    }

    /// Whether stderr is a terminal that can erase a line: only then has `start` a status line.
    public static var stderrIsTerminal: Bool {
        guard isatty(STDERR_FILENO) == 1, let term = getenv("TERM") else { return false }
        return String(cString: term) != "dumb"
    }

    public static func writeStderr(_ text: String) {
        var text = text
        text.withUTF8 { buffer in
            var done = 0
            while done < buffer.count {
                let n = write(STDERR_FILENO, buffer.baseAddress! + done, buffer.count - done)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return }
                done += n
            }
        }
    }

    /// The terminal's width, 80 when it does not say.
    public static func stderrWidth() -> Int {
        var size = winsize()
        guard ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }

    /// Writes log `text` (whole lines) above the status line.
    public func writeLog(_ text: String) {
        state.withLock { s in
            guard s.shown else { return output(text) }
            output(Self.eraseLine + text + s.status.line(now: clock.nowMillis(), batchClock: batchClock, width: width()))
        }
    }

    /// A stream for swift-log's `StreamLogHandler`: its lines, formatted as on any stderr,
    /// written above the status line.
    public var logStream: LogStream { LogStream(terminal: self) }

    public struct LogStream: TextOutputStream, Sendable {
        let terminal: TerminalStatusLine
        public mutating func write(_ string: String) { terminal.writeLog(string) }
    }

    /// Changes the status and redraws it (or not: a change another event follows at once).
    public func update(redraw: Bool = true, _ change: (inout LiveStatus) -> Void) {
        state.withLock { s in
            change(&s.status)
            guard redraw, !s.finished else { return }
            s.shown = true
            output(Self.eraseLine + s.status.line(now: clock.nowMillis(), batchClock: batchClock, width: width()))
        }
    }

    /// Erases the status line for good: what follows (the last log lines, the shell's prompt)
    /// starts on a clean line.
    public func finish() {
        state.withLock { s in
            if s.shown { output(Self.eraseLine) }
            s.shown = false
            s.finished = true
        }
    }

    /// A sync of `label` finished (auto-sync's report).
    public func syncFinished(label: String, uploaded: Int, failure: String?) {
        let result = LiveStatus.SyncResult(label: label, atMillis: clock.nowMillis(), uploaded: uploaded, failure: failure)
        update { s in
            if let i = s.syncs.firstIndex(where: { $0.label == label }) { s.syncs[i] = result } else { s.syncs.append(result) }
        }
    }

    // MARK: CollectorMonitor

    // The collector's loop ends each read, warm-up reads included, with `readingRecorded`: the
    // line is drawn then, once per read, with whatever the read changed (a reading, the open
    // batch, a batch written); the countdown moves during warm-up too.
    public func ready() { update { _ in } }
    public func readingRecorded(atMonotonic now: Int64) { update { _ in } }
    public func readingTaken(_ reading: Reading) { update(redraw: false) { $0.newest = reading } }
    public func journalChanged(pendingReadings: Int) { update(redraw: false) { $0.pending = pendingReadings } }
    public func batchWritten(atMonotonic now: Int64, file: String) { update(redraw: false) { $0.batchFailing = false } }
    public func batchFailed(atMonotonic now: Int64, error: String) { update(redraw: false) { $0.batchFailing = true } }
    public func stopping() { update { $0.stopping = true } }
}
