// The parts of `start` as services of a ServiceGroup. Each waits for the group's graceful
// shutdown and then does its own part of stopping; StationSupervisor decides the order.

public import Collector
public import LakeSync
import CivilTime
import Logging
import ServiceLifecycle
import Synchronization

/// What the runtime asks of the collector (`Collector` is one; tests use fakes around it).
public protocol StationCollector: Sendable {
    /// Reads until the task is cancelled or the clock passes `stopAt`; then writes out the open
    /// batch and returns.
    func run(stopAt: Int64?) async
}

extension Collector: StationCollector {}

/// Auto-sync as the runtime drives it (`AutoSync` is one).
public protocol SyncSchedule: Sendable {
    /// Scheduled syncs until the task is cancelled.
    func runScheduled() async
    /// One sync of every job: the last one, after the collector has written its open batch.
    func syncAll() async
}

extension AutoSync: SyncSchedule {
    public func runScheduled() async { await run() }
    public func syncAll() async {
        for job in jobs { _ = await job.engine.sync() }
    }
}

/// Reads until the group stops it, then writes the open batch and shuts the board down.
struct CollectorService: Service {
    let collector: any StationCollector
    let stopAt: Int64?
    let afterStop: @Sendable () async -> Void
    let logger: Logger

    func run() async {
        let collector = self.collector, stopAt = self.stopAt, logger = self.logger
        await withGracefulShutdownHandler {
            // Cancellation ends the reading loop at its next sleep; the collector then flushes.
            await cancelWhenGracefulShutdown { await collector.run(stopAt: stopAt) }
        } onGracefulShutdown: {
            logger.notice("stopping: writing the open batch")
        }
        await afterStop()
    }
}

/// The outlets, each in a task of its own until the group stops them (after the collector).
struct OutletsService: Service {
    let outlets: [any ReadingOutlet]
    let limit: Duration
    let timer: @Sendable (Duration) async throws -> Void
    let logger: Logger

    func run() async {
        let outlets = self.outlets
        let running = Task {
            await withDiscardingTaskGroup { group in
                for outlet in outlets { group.addTask { await outlet.run() } }
            }
        }
        try? await gracefulShutdown()
        running.cancel()
        // Their last messages, under one limit: the steps after this one (the last sync) wait.
        if !(await Bounded.run(limit: limit, timer: timer) { await running.value }) {
            logger.warning("the outlets did not stop in time; their last messages are left unsent",
                           metadata: ["outlets": "\(outlets.map(\.name).joined(separator: ", "))",
                                      "timeout_ms": "\(Int64(limit / .milliseconds(1)))"])
        }
    }
}

/// Retention and compaction passes for the lakes no sync of this process keeps up to date: one
/// at start, then hourly (half a minute past the hour, clear of the batch writes at the hour).
struct HourlyPassesService: Service {
    let passes: [@Sendable () async -> Void]
    let clock: any WallClock

    func run() async {
        let passes = self.passes, clock = self.clock
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                for pass in passes { await pass() }
                let next = (clock.nowMillis() / 3_600_000 + 1) * 3_600_000 + 30_000
                do { try await clock.sleep(untilMillis: next) } catch { break }
            }
        }
    }
}

/// Scheduled syncs until the group stops it; then the last sync, bounded.
struct AutoSyncService: Service {
    let schedule: any SyncSchedule
    let limit: Duration
    let timer: @Sendable (Duration) async throws -> Void
    let logger: Logger

    func run() async {
        let schedule = self.schedule
        let scheduled = Task { await schedule.runScheduled() }
        // Thrown on cancellation of the whole group too: then stop the same way.
        try? await gracefulShutdown()
        scheduled.cancel()
        // A sync in progress winds down (S3 requests end on cancellation) and the last sync
        // runs, under one limit: a store that hangs must not hold the process past systemd's
        // stop timeout. What does not go up now goes up at the next start.
        let finished = await Bounded.run(limit: limit, timer: timer) {
            await scheduled.value
            await schedule.syncAll()
        }
        if !finished {
            logger.warning("the last sync did not finish in time; the rest goes up on the next start",
                           metadata: ["timeout_ms": "\(Int64(limit / .milliseconds(1)))"])
        }
    }
}

/// Keeps the object stores open until every user of them has stopped, then closes them.
struct StoresService: Service {
    let shutdowns: [@Sendable () async -> Void]

    func run() async {
        try? await gracefulShutdown()
        for shutdown in shutdowns { await shutdown() }
    }
}

/// Work with a time limit that holds even when the work ignores cancellation: a task group
/// would wait for its cancelled child, so the work runs in a task of its own and is left
/// behind (cancelled) when the limit passes — the process is about to exit.
enum Bounded {
    /// True when `work` finished within `limit`.
    static func run(limit: Duration, timer: @escaping @Sendable (Duration) async throws -> Void,
                    _ work: @escaping @Sendable () async -> Void) async -> Bool {
        let workTask = Task { await work() }
        let race = Race()
        let waiter = Task { await workTask.value; race.settle(true) }
        let alarm = Task { try? await timer(limit); if !Task.isCancelled { race.settle(false) } }
        let finished = await race.outcome()
        alarm.cancel()
        if !finished {
            workTask.cancel()
            waiter.cancel()
        }
        return finished
    }

    /// The first of two outcomes, to one waiter.
    final class Race: Sendable {
        private let state = Mutex<(waiter: CheckedContinuation<Bool, Never>?, result: Bool?)>((nil, nil))

        func settle(_ result: Bool) {
            let waiter: CheckedContinuation<Bool, Never>? = state.withLock { s in
                guard s.result == nil else { return nil }
                s.result = result
                defer { s.waiter = nil }
                return s.waiter
            }
            waiter?.resume(returning: result)
        }

        func outcome() async -> Bool {
            await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
                let settled: Bool? = state.withLock { s in
                    if s.result == nil { s.waiter = c }
                    return s.result
                }
                if let settled { c.resume(returning: settled) }
            }
        }
    }
}
