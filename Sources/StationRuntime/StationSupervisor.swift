// `opensensor start`'s runtime: the collector, the outlets, auto-sync, retention and the object stores as
// services of one ServiceGroup, stopped in the order ShutdownPlan states — by SIGTERM or SIGINT,
// by `requestStop()`, or by the collector ending on its own (`--stop-after`).
//
// A second SIGTERM or SIGINT changes nothing: the process ignores both (they reach it only
// through the group's signal sources) and the group, already stopping, takes no further ones. So
// the last sync keeps its own limit (30 s, inside systemd's 90 s stop timeout) and only SIGKILL
// cuts it short. Either way the open batch is already on disk: the collector's step comes first
// and ends with the file written.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
public import CivilTime
public import Collector
public import Logging
import ServiceLifecycle
public import UnixSignals

public final class StationSupervisor: Sendable {
    /// The collector and what to do once it has stopped (shut the board down).
    public struct CollectorPart: Sendable {
        public var collector: any StationCollector
        /// Stop, with a full flush, when the clock passes this (`--stop-after`); nil: run until stopped.
        public var stopAt: Int64?
        public var afterStop: @Sendable () async -> Void

        public init(collector: any StationCollector, stopAt: Int64? = nil, afterStop: @escaping @Sendable () async -> Void = {}) {
            self.collector = collector
            self.stopAt = stopAt
            self.afterStop = afterStop
        }
    }

    public let plan: ShutdownPlan
    private let group: ServiceGroup
    private let stopSignals: [UnixSignal]

    /// - Parameters:
    ///   - outlets: run beside the collector (Sources/Collector/CollectorMonitor.swift) and
    ///     stopped right after it, so its last reading still goes out.
    ///   - hourlyPasses: retention and compaction for the lakes auto-sync does not run them for; run at
    ///     start and hourly on `clock`.
    ///   - storeShutdowns: closes each object store, after the last sync.
    ///   - stopSignals: the signals that stop the station gracefully (none in tests, which call
    ///     ``requestStop()``).
    ///   - timer: waits out the last sync's limit (real time: systemd's stop timeout is, even
    ///     when `clock` runs faster).
    public init(
        collector: CollectorPart,
        outlets: [any ReadingOutlet] = [],
        autoSync: (any SyncSchedule)?,
        hourlyPasses: [@Sendable () async -> Void],
        storeShutdowns: [@Sendable () async -> Void],
        clock: any WallClock,
        logger: Logger,
        finalSyncLimit: Duration = ShutdownPlan.defaultFinalSyncLimit,
        outletsLimit: Duration = ShutdownPlan.defaultOutletsLimit,
        stopSignals: [UnixSignal] = [.sigterm, .sigint],
        timer: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        let plan = ShutdownPlan(
            outlets: !outlets.isEmpty, hourlyPasses: !hourlyPasses.isEmpty, autoSync: autoSync != nil, stores: !storeShutdowns.isEmpty,
            finalSyncLimit: finalSyncLimit, outletsLimit: outletsLimit)
        // A ServiceGroup starts its services in order and stops them in reverse, one after the
        // other, each finished before the next is told: so the plan, reversed.
        let services: [ServiceGroupConfiguration.ServiceConfiguration] = plan.steps.reversed().map { step in
            let service: any Service
            switch step {
            case .stopCollector:
                service = CollectorService(
                    collector: collector.collector, stopAt: collector.stopAt, afterStop: collector.afterStop, logger: logger)
            case .stopOutlets(let limit):
                service = OutletsService(outlets: outlets, limit: limit, timer: timer, logger: logger)
            case .stopHourlyPasses:
                service = HourlyPassesService(passes: hourlyPasses, clock: clock)
            case .stopAutoSync(let limit):
                // The plan has this step only when there is an auto-sync.
                service = AutoSyncService(schedule: autoSync!, limit: limit, timer: timer, logger: logger)
            case .shutDownStores:
                service = StoresService(shutdowns: storeShutdowns)
            }
            // Any part that ends — the collector at `--stop-after`, or a part that fails — stops
            // the rest in the plan's order; none is ever cancelled before its turn.
            return .init(service: service, successTerminationBehavior: .gracefullyShutdownGroup,
                         failureTerminationBehavior: .gracefullyShutdownGroup, serviceName: "\(step)")
        }
        // The group's own lines are for debugging the library, not the station's log.
        var groupLogger = logger
        groupLogger.logLevel = max(logger.logLevel, .info)
        self.plan = plan
        self.stopSignals = stopSignals
        group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: stopSignals, logger: groupLogger))
    }

    /// Runs every part until the station is stopped and every step of the plan has run.
    public func run() async throws {
        // Ignored by default, as the station always had them: a signal delivered to a thread
        // that does not block it would otherwise take its default action (terminate) instead
        // of reaching the group.
        for s in stopSignals { signal(s.rawValue, SIG_IGN) }
        try await group.run()
    }

    /// Stops the station as a signal would; before `run()`, it stops as soon as it has started.
    public func requestStop() async {
        await group.triggerGracefulShutdown()
    }
}
