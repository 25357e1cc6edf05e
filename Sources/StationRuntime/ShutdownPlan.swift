// How `start` stops, decided in one place from what this run has: the order is the point, so it
// is a plain value tests can read, and StationSupervisor carries it out.
//
// The collector stops first because the open batch is the one thing only it can save: once it is
// written (and the board is idle), the outlets (MQTT, metrics, …) stop — after the collector, so
// the last reading still goes out — and everything after is about getting files off the card. Retention
// stops before the last sync so that no pass deletes while the final ledger update is under way,
// and the stores close last because the last sync still needs them.

/// The steps of a shutdown, in the order they run; also what a `--stop-after` run does once the
/// collector ends on its own.
public struct ShutdownPlan: Sendable, Equatable {
    public enum Step: Sendable, Equatable {
        /// The reading loop ends, the open batch and the journal's pending readings are written,
        /// then the board is shut down.
        case stopCollector
        /// The outlets that take readings elsewhere stop; their last messages get at most `limit`
        /// (a broker or API that hangs must not hold the steps after it).
        case stopOutlets(limit: Duration)
        /// The hourly retention and compaction passes stop (a pass under way finishes: it is short
        /// and local).
        case stopHourlyPasses
        /// Scheduled syncs stop and one last sync takes up what the collector just wrote; both
        /// together get at most `limit` (systemd stops a service after 90 s by default).
        case stopAutoSync(limit: Duration)
        /// The object stores' connections close: nothing uses them any more.
        case shutDownStores
    }

    public let steps: [Step]

    /// systemd waits 90 s for a service to stop by default; the flush comes first.
    public static let defaultFinalSyncLimit: Duration = .seconds(30)
    /// Long enough for a last MQTT message or push on a slow link, short beside the last sync.
    public static let defaultOutletsLimit: Duration = .seconds(10)

    /// The plan for a run with (or without) outlets, hourly retention, auto-sync and object stores.
    public init(outlets: Bool = false, hourlyPasses: Bool, autoSync: Bool, stores: Bool,
                finalSyncLimit: Duration = defaultFinalSyncLimit, outletsLimit: Duration = defaultOutletsLimit) {
        var steps: [Step] = [.stopCollector]
        if outlets { steps.append(.stopOutlets(limit: outletsLimit)) }
        if hourlyPasses { steps.append(.stopHourlyPasses) }
        if autoSync { steps.append(.stopAutoSync(limit: finalSyncLimit)) }
        if stores { steps.append(.shutDownStores) }
        self.steps = steps
    }
}
