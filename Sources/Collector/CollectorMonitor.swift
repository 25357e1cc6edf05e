// What the collector tells whoever supervises it. In a systemd service that is the watchdog
// (Sources/Systemd/ServiceWatchdog.swift, adapted in Sources/StationRuntime); elsewhere nobody.
// The collector knows only this protocol, so it never depends on how it is supervised.

/// Events of the collector's life, called from its actor: an implementation must return at once
/// and never throw into it.
public protocol CollectorMonitor: Sendable {
    /// The journal is open and the first reading is about to be taken.
    func ready()
    /// A reading was journaled, at the clock's monotonic time.
    func readingRecorded(atMonotonic now: Int64)
    /// A batch file was written.
    func batchWritten(atMonotonic now: Int64, file: String)
    /// A batch could not be written; its readings stay in the journal for the retry.
    func batchFailed(atMonotonic now: Int64, error: String)
    /// The collector is flushing the open batch and stopping.
    func stopping()
}
