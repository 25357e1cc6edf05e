// Auto-sync inside `opensensor start` (docs/ARCHITECTURE.md §5): a sync soon after start (catching up on
// whatever accumulated while the station was off), then one per OPENSENSOR_SYNC_INTERVAL_MINUTES
// on clock-aligned boundaries, a little after the boundary so the batch closed at it is on disk.
// It runs beside the collector and never blocks it: the collector does not wait on the network,
// and a failed sync only waits for the next boundary.

public import Logging
public import CivilTime
import Config
import DurableFiles

/// Runs syncs on a schedule until cancelled.
public struct AutoSync: Sendable {
    /// One engine and its interval.
    public struct Job: Sendable {
        public var label: String
        public var engine: SyncEngine
        public var intervalMinutes: Int
        /// Runs after each scheduled sync of this job (retention: the ledger has just been
        /// brought up to date, and this task is not the collector's).
        public var afterSync: (@Sendable (SyncReport) async -> Void)?

        public init(label: String, engine: SyncEngine, intervalMinutes: Int,
                    afterSync: (@Sendable (SyncReport) async -> Void)? = nil) {
            self.label = label
            self.engine = engine
            self.intervalMinutes = intervalMinutes
            self.afterSync = afterSync
        }
    }

    public var jobs: [Job]
    public var clock: any WallClock
    public var logger: Logger
    /// How long after a boundary a sync starts: batches close at multiples of the batch
    /// duration, which the interval usually is too; this leaves time to write the batch.
    public var delayAfterBoundaryMillis: Int64 = 20_000

    public init(jobs: [Job], clock: any WallClock, logger: Logger) {
        self.jobs = jobs
        self.clock = clock
        self.logger = logger
    }

    /// The first boundary strictly after `millis`, plus the delay.
    public func nextRun(after millis: Int64, intervalMinutes: Int) -> Int64 {
        let interval = Int64(max(1, intervalMinutes)) * 60_000
        let sinceBoundary = millis - delayAfterBoundaryMillis
        return (sinceBoundary.floorDiv(interval) + 1) * interval + delayAfterBoundaryMillis
    }

    /// Syncs now, then on every boundary, until the task is cancelled. Returns the number of
    /// syncs run (for tests).
    @discardableResult
    public func run() async -> Int {
        await withTaskGroup(of: Int.self) { group in
            for job in jobs {
                group.addTask {
                    var runs = 0
                    while !Task.isCancelled {
                        let report = await job.engine.sync()
                        runs += 1
                        if report.stoppedBy != nil {
                            logger.error("auto-sync needs attention; collection goes on", metadata: ["data": "\(job.label)"])
                        }
                        await job.afterSync?(report)
                        let next = nextRun(after: clock.nowMillis(), intervalMinutes: job.intervalMinutes)
                        do { try await clock.sleep(untilMillis: next) } catch { break }
                    }
                    return runs
                }
            }
            return await group.reduce(0, +)
        }
    }

    /// One last sync of every job, abandoned after `timeoutMillis` (of real time): the
    /// shutdown path, which systemd gives a bounded time.
    public func finalSync(timeoutMillis: Int64) async {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for job in jobs { _ = await job.engine.sync() }
                return true
            }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(timeoutMillis))
                return false
            }
            if await group.next() == false {
                logger.warning("the last sync did not finish in time; the rest goes up on the next start",
                               metadata: ["timeout_ms": "\(timeoutMillis)"])
            }
            group.cancelAll()
        }
    }
}
