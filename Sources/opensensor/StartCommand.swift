// `opensensor start`: the collector — read every interval, journal, write clock-aligned
// batches — until SIGTERM/SIGINT (flush, exit 0) or --stop-after.

import ArgumentParser
import Drivers
import HAL
import Lake
import LinuxHAL
import Logging
import CivilTime
import Collector
import Config
import DurableFiles
import LakeSync
import ObjectStore
import StationRuntime
import Systemd
import StationMetrics

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

struct StartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Collect readings into clock-aligned Parquet batches.",
        discussion: """
            Reads the board every OPENSENSOR_READ_INTERVAL seconds, journals each reading on disk \
            before it counts, and writes a batch at every multiple of OPENSENSOR_BATCH_DURATION \
            since midnight UTC into <output>/station=<id>/year=…/month=…/day=…/data_HHMM.parquet. \
            SIGTERM or SIGINT writes the open batch, runs a last sync (at most 30 s) and exits 0; a \
            restart writes out whatever the journal still holds. With OPENSENSOR_SYNC_ENABLED, new \
            files are uploaded at start and every OPENSENSOR_SYNC_INTERVAL_MINUTES (see 'sync'). Without OPENSENSOR_STATION_ID a UUIDv7 is generated and saved to \
            the .env file.
            """)

    @Flag(help: "Use the simulated board instead of the hardware.")
    var simulate = false

    @Option(help: "Run a virtual clock this many times faster than real time (timestamps follow it).")
    var speed: Double = 1

    @Option(help: "Start the virtual clock at this ISO-8601 UTC time (default: now).")
    var start: String?

    @Option(help: "Stop, with a full flush, after this much (virtual) time: e.g. 90s, 15m, 2h, 1d.")
    var stopAfter: String?

    @Option(help: "Output directory (overrides OPENSENSOR_OUTPUT_DIR).")
    var output: String?

    @OptionGroup var configOptions: ConfigOptions

    @Option(help: "Seed of the simulated board.")
    var seed: UInt64 = 1

    func validate() throws {
        guard speed > 0, speed <= 100_000 else { throw ValidationError("--speed must be > 0 and at most 100000, got \(speed)") }
        if let start, ISO8601.parseMillis(start) == nil {
            throw ValidationError("--start: expected an ISO-8601 UTC time like 2025-06-01T00:00:00Z, got '\(start)'")
        }
        if let stopAfter, Self.parseDuration(stopAfter) == nil {
            throw ValidationError("--stop-after: expected a duration like 90s, 15m, 2h or 1d, got '\(stopAfter)'")
        }
    }

    func run() async throws {
        var overrides: [String: String] = [:]
        if let output { overrides["OPENSENSOR_OUTPUT_DIR"] = output }
        let (config, warnings) = try configOptions.load(overrides: overrides)
        let clock: any WallClock = (speed == 1 && start == nil)
            ? SystemWallClock()
            : ScaledWallClock(start: start.flatMap(ISO8601.parseMillis) ?? SystemWallClock().nowMillis(), speed: speed)
        // On a terminal, a status line below the logs; elsewhere (systemd, a pipe) plain lines.
        let terminal = TerminalStatusLine.stderrIsTerminal ? TerminalStatusLine(clock: clock, batchSeconds: config.batchDuration) : nil
        defer { terminal?.finish() }
        let logger = LogSetup.bootstrapOnce(level: config.logLevel, directory: config.logDirectory, terminal: terminal)
        for w in warnings { logger.warning("\(w)") }

        var station = config.stationID
        if station == nil {
            let id = UUIDv7.generate()
            let path = configOptions.envFile ?? ".env"
            do {
                try EnvFileWriter.update(path: path, settings: [(key: "OPENSENSOR_STATION_ID", value: id)])
                logger.notice("no OPENSENSOR_STATION_ID: generated one and saved it", metadata: ["station": "\(id)", "file": "\(path)"])
            } catch {
                logger.warning("no OPENSENSOR_STATION_ID: generated one for this run, but could not save it", metadata: ["station": "\(id)", "error": "\(error)"])
            }
            station = id
        }

        let board: any SensorBoard
        if simulate {
            board = SimulatedBoard(seed: seed)
        } else {
            guard access("/dev/i2c-1", F_OK) == 0 else {
                throw CLIError("no Enviro+ board: /dev/i2c-1 does not exist (turn I2C on with 'sudo raspi-config nonint do_i2c 0' and reboot), or run 'opensensor start --simulate'")
            }
            board = EnviroPlus(devices: .linux(i2cPath: "/dev/i2c-1", serialPath: config.pms5003Device), clock: SystemClock())
        }
        let stopAt = stopAfter.flatMap(Self.parseDuration).map { clock.nowMillis() + $0 }

        let settings = CollectorSettings(config, station: station!)
        // Where readings go besides the lake, each off unless configured.
        let metrics = StationOutlets.metrics(config, station: station!, logger: logger)
        let sensorCommunity = try StationOutlets.sensorCommunity(config, simulated: simulate, clock: clock, logger: logger)
        let outlets: [any ReadingOutlet] = Self.mqttOutlets(config, station: station!, clock: clock, logger: logger)
            + [metrics as (any ReadingOutlet)?, sensorCommunity, StationOutlets.display(config, simulated: simulate, logger: logger)].compactMap { $0 }
        let collector: Collector
        do {
            let watchdog = ServiceWatchdog.fromEnvironment(
                ProcessEnvironment.all(), readIntervalSeconds: config.readInterval, logger: logger)
            let monitors: [any CollectorMonitor] = [watchdog] + outlets + [terminal as (any CollectorMonitor)?].compactMap { $0 }
            let diskGuard = config.minFreeMB > 0 ? DiskGuard(path: config.outputDirectory, floorBytes: config.minFreeBytes) : nil
            collector = try Collector(
                board: board, clock: clock, settings: settings, logger: logger,
                monitor: CollectorMonitors(monitors), diskGuard: diskGuard)
        } catch {
            throw CLIError("cannot open the journal: \(error)")
        }
        logger.info("collecting", metadata: [
            "station": "\(station!)", "output": "\(config.outputDirectory)", "board": "\(simulate ? "simulated" : "Enviro+")",
            "interval_s": "\(config.readInterval)", "batch_s": "\(config.batchDuration)", "speed": "\(speed)",
        ])

        // Sync runs beside the collector, never in its way; a storage problem is logged and
        // collection goes on (docs/ARCHITECTURE.md §5).
        var autoSync: AutoSync?
        var syncTargets: [SyncTarget] = []
        do {
            syncTargets = try await SyncTarget.all(config, requireEnabled: true, includeHealth: config.healthEnabled, logger: logger)
        } catch {
            logger.error("auto-sync is off: \(error); collecting anyway")
        }
        // Compaction and retention, also beside the collector: after each sync of a lake this
        // process syncs (its ledger just brought up to date), hourly for the others.
        let compaction = Self.compaction(config, targets: syncTargets, clock: clock, logger: logger, metrics: metrics)
        let retention = Self.retention(config, targets: syncTargets, dayFiles: compaction.dayFiles, clock: clock, logger: logger)
        if !syncTargets.isEmpty {
            var jobs: [AutoSync.Job] = []
            for t in syncTargets {
                let pass = retention.afterSync[t.label]
                let compact = compaction.afterSync[t.label]
                let label = t.label
                let hook: @Sendable (SyncReport) async -> Void = { report in
                    metrics?.syncFinished(label: label, uploaded: report.uploaded.count,
                                          succeeded: report.failures.isEmpty && report.stoppedBy == nil, atMillis: clock.nowMillis())
                    // The log has the details; the status line says only that it failed.
                    let failure = report.stoppedBy != nil ? "stopped early" : report.failures.isEmpty ? nil : "\(report.failures.count) failed"
                    terminal?.syncFinished(label: label, uploaded: report.uploaded.count, failure: failure)
                    await compact?.run()
                    await pass?.run()
                }
                jobs.append(AutoSync.Job(label: t.label, engine: t.engine, intervalMinutes: t.intervalMinutes, afterSync: hook))
            }
            autoSync = AutoSync(jobs: jobs, clock: clock, logger: logger)
            terminal?.update(redraw: false) { $0.syncEnabled = true }
            for t in syncTargets {
                logger.info("auto-sync on", metadata: ["data": "\(t.label)", "to": "\(t.destination)", "every_min": "\(t.intervalMinutes)"])
            }
        }
        // The order of shutdown (collector and its open batch first, the stores last) is the
        // supervisor's: Sources/StationRuntime/ShutdownPlan.swift.
        let hourly: [@Sendable () async -> Void] = compaction.hourly.map { pass in { @Sendable in _ = await pass.run() } }
            + retention.hourly.map { pass in { await pass.run() } }
        let stores: [@Sendable () async -> Void] = syncTargets.map { t in
            let store = t.store
            return { try? await store.shutdown() }
        }
        let supervisor = StationSupervisor(
            collector: .init(collector: collector, stopAt: stopAt, afterStop: { await board.shutdown() }),
            outlets: outlets, autoSync: autoSync, hourlyPasses: hourly, storeShutdowns: stores, clock: clock, logger: logger)
        try await supervisor.run()
        terminal?.finish()
        let (readings, files) = await (collector.readingsCollected, collector.filesWritten.count)
        logger.info("stopped", metadata: ["readings": "\(readings)", "files": "\(files)"])
    }

    /// A retention pass per lake whose settings can delete anything: keyed by label for the
    /// lakes that auto-sync runs (their ledger decides what is synced), hourly for the rest.
    /// `dayFiles`: by label, the days whose day file is stored, for the lakes compacted.
    static func retention(_ config: StationConfig, targets: [SyncTarget], dayFiles: [String: DayFolderSet], clock: any WallClock,
                          logger: Logger) -> (afterSync: [String: Retention], hourly: [Retention])
    {
        var afterSync: [String: Retention] = [:]
        var hourly: [Retention] = []
        for lake in lakes(config) {
            let policy = config.retentionPolicy(syncEnabled: lake.syncOn)
            guard policy.isActive else { continue }
            let target = targets.first { $0.label == lake.label }
            let pass = Retention(
                root: lake.root, ledgerPath: target?.engine.ledgerPath, policy: policy, logger: logger,
                now: { clock.nowMillis() }, clockSynced: HealthSampler.systemClockSynced, dayFilesStored: dayFiles[lake.label])
            if target != nil { afterSync[lake.label] = pass } else { hourly.append(pass) }
            if policy.retentionDays != nil && !lake.syncOn && !policy.deleteUnsynced {
                logger.warning(
                    "OPENSENSOR_RETENTION_DAYS is set but \(lake.label) sync is off: nothing is deleted unless OPENSENSOR_RETENTION_DELETE_UNSYNCED=true")
            }
            logger.info("retention on", metadata: [
                "data": "\(lake.label)", "keep_days": "\(policy.retentionDays.map(String.init) ?? "forever")",
                "min_free_mb": "\(config.minFreeMB)", "deletes": "\(policy.mayDeleteUnsynced ? "old files, synced or not" : "synced files only")",
            ])
        }
        return (afterSync, hourly)
    }

    /// The daily compaction of each lake (OPENSENSOR_COMPACT_ENABLED): keyed by label for the
    /// lakes auto-sync runs (a day waits for its batch files' upload, and its day file is
    /// uploaded under the daily prefix), hourly for the rest.
    static func compaction(_ config: StationConfig, targets: [SyncTarget], clock: any WallClock, logger: Logger,
                           metrics: StationMetrics?)
        -> (afterSync: [String: DailyCompaction], hourly: [DailyCompaction], dayFiles: [String: DayFolderSet])
    {
        guard config.compactEnabled else { return ([:], [], [:]) }
        var afterSync: [String: DailyCompaction] = [:]
        var hourly: [DailyCompaction] = []
        var dayFiles: [String: DayFolderSet] = [:]
        for lake in lakes(config) {
            let target = targets.first { $0.label == lake.label }
            let prefix = config.dailyStoragePrefix(health: lake.kind == .health)
            let pass = DailyCompaction(
                label: lake.label, root: lake.root, dailyRoot: lake.daily, kind: lake.kind,
                ledgerPath: target?.engine.ledgerPath, upload: target.map { PrefixedObjectStore($0.store, prefix: prefix) },
                now: { clock.nowMillis() }, logger: logger,
                finished: { report in
                    for _ in report.compacted { metrics?.compactionFinished(succeeded: true) }
                    for _ in report.failed { metrics?.compactionFinished(succeeded: false) }
                })
            dayFiles[lake.label] = pass.dayFilesStored
            if let target {
                afterSync[lake.label] = pass
                logger.info("compaction on", metadata: ["data": "\(lake.label)", "daily": "\(lake.daily)", "to": "\(prefix)/ beside \(target.destination)"])
            } else {
                hourly.append(pass)
                logger.info("compaction on", metadata: ["data": "\(lake.label)", "daily": "\(lake.daily)"])
            }
        }
        return (afterSync, hourly, dayFiles)
    }

    /// The station's lakes: sensor data, and health data when it is recorded.
    static func lakes(_ config: StationConfig) -> [(label: String, kind: LakeKind, root: String, daily: String, syncOn: Bool)] {
        var lakes = [(label: "data", kind: LakeKind.data, root: config.outputDirectory, daily: config.dailyDirectory, syncOn: config.sync.enabled)]
        if config.healthEnabled {
            lakes.append(("health", .health, config.healthDirectory, config.healthDailyDirectory, config.healthSync.enabled))
        }
        return lakes
    }

    /// Milliseconds of `90s`, `15m`, `2h`, `1d` or plain seconds.
    static func parseDuration(_ text: String) -> Int64? {
        let units: [Character: Int64] = ["s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000]
        var number = Substring(text)
        var unit: Int64 = 1000
        if let last = text.last, let u = units[last] {
            unit = u
            number = number.dropLast()
        }
        guard let n = Double(number), n > 0, n.isFinite else { return nil }
        return Int64(n * Double(unit))
    }
}
