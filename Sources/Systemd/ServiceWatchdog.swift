// What the collector calls to keep systemd informed: the heartbeat policy and the notifier
// together, safe to call from the collector's actor, never throwing into it.

public import Logging
import Synchronization
import Config
import DurableFiles

/// The collector's link to the service manager: start-up, progress, shutdown.
///
/// Every method is cheap and never throws or blocks: notifications are best-effort datagrams.
/// Without a notifier (not started by systemd) every method does nothing, so the collector
/// calls them unconditionally. A failed send is logged once per streak of failures.
///
/// The collector calls, in order:
/// - ``ready(status:)`` once the journal is open and its leftovers are written out, before the
///   first read;
/// - ``readingRecorded(atMonotonic:)`` after every completed read cycle — warm-up reads included
///   (they prove the loop and the buses are alive), and after the reading is journaled;
/// - ``batchWritten(atMonotonic:file:)`` / ``batchFailed(atMonotonic:error:)`` after every
///   batch write attempt;
/// - ``stopping(status:)`` when SIGTERM/SIGINT arrives, before the final flush.
public final class ServiceWatchdog: Sendable {
    private struct State {
        var heartbeat: WatchdogHeartbeat
        var sendFailing = false
    }

    /// The notifier, or nil when not running under a service manager.
    public let notifier: ServiceNotifier?
    private let state: Mutex<State>
    private let logger: Logger

    /// A watchdog over `notifier` for a collector reading every `readIntervalSeconds`.
    public init(notifier: ServiceNotifier?, readIntervalSeconds: Int, logger: Logger) {
        self.notifier = notifier
        self.logger = logger
        let policy = WatchdogHeartbeat.Policy(watchdog: notifier?.watchdogInterval, readIntervalSeconds: readIntervalSeconds)
        state = Mutex(State(heartbeat: WatchdogHeartbeat(policy: policy)))
    }

    /// The watchdog the process environment describes: `NOTIFY_SOCKET`, `WATCHDOG_USEC`,
    /// `WATCHDOG_PID`. A malformed environment is logged and gives a watchdog that does nothing
    /// (the collector runs either way; systemd then restarts it for lack of READY=1, which the
    /// log explains).
    public static func fromEnvironment(
        _ environment: [String: String], readIntervalSeconds: Int, logger: Logger
    ) -> ServiceWatchdog {
        var notifier: ServiceNotifier?
        do {
            notifier = try ServiceNotifier.open(environment: environment)
        } catch {
            logger.error("cannot notify the service manager", metadata: ["error": "\(error)"])
        }
        if let notifier {
            logger.info("service manager notifications on", metadata: [
                "socket": "\(notifier.socketName)",
                "watchdog_s": "\(notifier.watchdogInterval.map { "\($0.components.seconds)" } ?? "off")",
            ])
        }
        return ServiceWatchdog(notifier: notifier, readIntervalSeconds: readIntervalSeconds, logger: logger)
    }

    /// The heartbeat state (for tests and `status` lines).
    public var heartbeat: WatchdogHeartbeat { state.withLock { $0.heartbeat } }

    /// `READY=1`: start-up done.
    public func ready(status: String = "collecting") {
        deliver(["READY=1", "STATUS=" + ServiceNotifier.oneLine(status)])
    }

    /// A read cycle completed at `now` (monotonic ms): sends `WATCHDOG=1` when due.
    public func readingRecorded(atMonotonic now: Int64) {
        guard notifier != nil else { return }
        let beat = state.withLock { $0.heartbeat.readingRecorded(atMonotonic: now) }
        if beat { deliver(["WATCHDOG=1"]) }
    }

    /// A batch file was written at `now`: sends `WATCHDOG=1` when due, and a status line.
    public func batchWritten(atMonotonic now: Int64, file: String) {
        guard notifier != nil else { return }
        let beat = state.withLock { $0.heartbeat.batchWritten(atMonotonic: now) }
        deliver((beat ? ["WATCHDOG=1"] : []) + ["STATUS=collecting; last batch " + ServiceNotifier.oneLine(file)])
    }

    /// A batch write failed at `now`: the status says so, once per streak; the heartbeat goes on
    /// with the readings (see ``WatchdogHeartbeat``).
    public func batchFailed(atMonotonic now: Int64, error: String) {
        guard notifier != nil else { return }
        let (beat, first) = state.withLock { s in
            let first = s.heartbeat.batchesFailingSince == nil
            return (s.heartbeat.batchFailed(atMonotonic: now), first)
        }
        var lines = beat ? ["WATCHDOG=1"] : []
        if first { lines.append("STATUS=batch write failing (readings kept in the journal): " + ServiceNotifier.oneLine(error)) }
        if !lines.isEmpty { deliver(lines) }
    }

    /// `STOPPING=1`: shutting down; the open batch is being written.
    public func stopping(status: String = "stopping: writing the open batch") {
        deliver(["STOPPING=1", "STATUS=" + ServiceNotifier.oneLine(status)])
    }

    /// Sends the assignments as one datagram; logs the first failure of a streak and the
    /// recovery, never more (a full queue every 30 s must not flood the log).
    private func deliver(_ lines: [String]) {
        guard let notifier else { return }
        let result = notifier.send(lines.joined(separator: "\n"))
        let (report, recovered): (ServiceNotifyError?, Bool) = state.withLock { s in
            switch result {
            case .success:
                defer { s.sendFailing = false }
                return (nil, s.sendFailing)
            case .failure(let error):
                defer { s.sendFailing = true }
                return (s.sendFailing ? nil : error, false)
            }
        }
        if let report { logger.warning("cannot notify the service manager", metadata: ["error": "\(report)"]) }
        if recovered { logger.info("service manager notifications delivered again") }
    }
}
