// What the collector tells whoever watches it: systemd's watchdog (Sources/Systemd/ServiceWatchdog.swift,
// adapted in Sources/StationRuntime) and the outlets that take readings out of the station (MQTT,
// metrics, sensor.community, a screen). The collector knows only this protocol, so it never
// depends on how it is supervised or where its readings go.

/// Events of the collector's life, called from its actor: an implementation must return at once
/// and never throw into it. Every event has a default that does nothing, so a monitor states only
/// what it cares about.
public protocol CollectorMonitor: Sendable {
    /// The journal is open and the first reading is about to be taken.
    func ready()
    /// A board read finished (a warm-up read included), at the clock's monotonic time: the
    /// reading loop is alive.
    func readingRecorded(atMonotonic now: Int64)
    /// A reading was journaled and counts: what the lake will hold, compensated, as FLOAT.
    func readingTaken(_ reading: Reading)
    /// A batch file was written.
    func batchWritten(atMonotonic now: Int64, file: String)
    /// A batch could not be written; its readings stay in the journal for the retry.
    func batchFailed(atMonotonic now: Int64, error: String)
    /// The collector is flushing the open batch and stopping.
    func stopping()
    /// Readings journaled and not yet in a batch file, after each reading and each batch write.
    func journalChanged(pendingReadings: Int)
}

extension CollectorMonitor {
    public func ready() {}
    public func readingRecorded(atMonotonic now: Int64) {}
    public func readingTaken(_ reading: Reading) {}
    public func batchWritten(atMonotonic now: Int64, file: String) {}
    public func batchFailed(atMonotonic now: Int64, error: String) {}
    public func stopping() {}
    public func journalChanged(pendingReadings: Int) {}
}

/// A monitor that takes readings somewhere else and does its own (network) work in `run()`, which
/// the station's runtime runs beside the collector and cancels once the collector has stopped and
/// written its open batch. Its events must only queue (bounded, dropping the oldest): a slow or
/// absent peer may cost its own messages, never a reading.
public protocol ReadingOutlet: CollectorMonitor {
    /// A short name for logs ("mqtt", "metrics").
    var name: String { get }
    /// Works until the task is cancelled, then returns promptly (a last message may go out).
    func run() async
}

/// Several monitors as one, told in order.
public struct CollectorMonitors: CollectorMonitor {
    public let monitors: [any CollectorMonitor]

    public init(_ monitors: [any CollectorMonitor]) { self.monitors = monitors }

    public func ready() { for m in monitors { m.ready() } }
    public func readingRecorded(atMonotonic now: Int64) { for m in monitors { m.readingRecorded(atMonotonic: now) } }
    public func readingTaken(_ reading: Reading) { for m in monitors { m.readingTaken(reading) } }
    public func batchWritten(atMonotonic now: Int64, file: String) { for m in monitors { m.batchWritten(atMonotonic: now, file: file) } }
    public func batchFailed(atMonotonic now: Int64, error: String) { for m in monitors { m.batchFailed(atMonotonic: now, error: error) } }
    public func stopping() { for m in monitors { m.stopping() } }
    public func journalChanged(pendingReadings: Int) { for m in monitors { m.journalChanged(pendingReadings: pendingReadings) } }
}
