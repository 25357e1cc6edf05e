// The collector's loop (docs/ARCHITECTURE.md §1, §4): read the board on a drift-free schedule, compensate,
// journal each reading durably, and close clock-aligned batches into Parquet files.

public import Drivers
import HAL
import Lake
public import Logging
public import Parquet
public import CivilTime
public import Config
import DurableFiles

/// What the collector needs from the configuration.
public struct CollectorSettings: Sendable {
    public var station: String
    public var outputDirectory: String
    public var readIntervalSeconds = 5
    public var batchDurationSeconds = 900
    public var warmupReadings = 10
    /// nil: compensation off.
    public var compensationFactor: Double? = 2.25
    public var compression: Compression = .snappy
    /// How often journal appends are made durable (`OPENSENSOR_JOURNAL_SYNC_SECONDS`; `.never`
    /// only for `opensensor simulate`).
    public var journalSync: JournalSync = .every(seconds: 0)
    /// Wall times before this are a clock that is not yet set (a Pi has no RTC and boots at
    /// 1970 or at its last shutdown's time): readings taken then are held, not filed
    /// (docs/ARCHITECTURE.md §4.5). Any release is built after it, so no real reading is older.
    public var clockFloor: Int64 = CollectorSettings.defaultClockFloor
    public static let defaultClockFloor: Int64 = 1_735_689_600_000  // 2025-01-01T00:00:00Z
    /// Health metrics, sampled once a minute and written beside the readings' batches into
    /// this directory (nil: off).
    public var healthDirectory: String?

    public init(station: String, outputDirectory: String) {
        self.station = station
        self.outputDirectory = outputDirectory
    }

    /// The settings a configuration gives, for `station`.
    public init(_ config: StationConfig, station: String) {
        self.init(station: station, outputDirectory: config.outputDirectory)
        readIntervalSeconds = config.readInterval
        batchDurationSeconds = config.batchDuration
        warmupReadings = config.warmupReadings
        compensationFactor = config.temperatureCompensationEnabled ? config.temperatureCompensationFactor : nil
        compression = config.compression
        healthDirectory = config.healthEnabled ? config.healthDirectory : nil
        journalSync = .every(seconds: config.journalSyncSeconds)
    }

    /// Where the journal lives: inside the output directory, in a folder the lake layout (and
    /// so sync) never matches; one per station, so simulated stations can share an output.
    public var journalDirectory: String { Self.journalDirectory(outputDirectory: outputDirectory, station: station) }

    /// The journal folder of `station` in `outputDirectory` (for readers that have no settings).
    public static func journalDirectory(outputDirectory: String, station: String) -> String {
        outputDirectory + "/.opensensor/" + station
    }
}

public actor Collector {
    let board: any SensorBoard
    let clock: any WallClock
    let settings: CollectorSettings
    let logger: Logger
    let batches: BatchWriter
    let batchClock: BatchClock
    let journal: Journal
    var compensator: CPUHeatCompensator?
    /// Readings journaled but not yet in a batch file, oldest first. Those stamped before
    /// `clockFloor` are held there until the clock is right.
    var pending: [Journal.Entry] = []
    /// When (monotonic ms) each held reading of this run was taken, by journal sequence.
    var heldAt: [UInt64: Int64] = [:]
    /// Health samples not yet in a file. Kept in memory only: a crash loses at most one batch
    /// of them, which the durability rules accept for metrics that describe the moment.
    var healthPending: [HealthSample] = []
    let healthSampler: HealthSampler?
    let healthBatches: BatchWriter?
    var lastHealthMinute: Int64?
    /// Counters for the summary and tests.
    public private(set) var readingsCollected = 0
    public private(set) var filesWritten: [String] = []
    /// systemd's watchdog and the outlets (Sources/Collector/CollectorMonitor.swift).
    let monitor: (any CollectorMonitor)?
    /// The free-space floor (OPENSENSOR_MIN_FREE_MB), checked whenever a batch is due. Below
    /// it, batches are still written: a batch file is how readings leave memory and the journal,
    /// which sits on the same disk and would only grow if writes were held; each write is atomic
    /// (temporary file, fsync, rename), so a disk that fills mid-write leaves no partial file and
    /// the readings wait in the journal for the retry (docs/ARCHITECTURE.md §4.4). Retention, beside the
    /// collector, frees room by deleting synced files.
    var diskGuard: DiskGuard?

    public init(
        board: any SensorBoard, clock: any WallClock, settings: CollectorSettings, logger: Logger,
        monitor: (any CollectorMonitor)? = nil, diskGuard: DiskGuard? = nil
    ) throws {
        self.monitor = monitor
        self.diskGuard = diskGuard
        self.board = board
        self.clock = clock
        self.settings = settings
        self.logger = logger
        batches = BatchWriter(root: settings.outputDirectory, station: settings.station, compression: settings.compression)
        batchClock = BatchClock(durationSeconds: settings.batchDurationSeconds)
        journal = try Journal(directory: settings.journalDirectory, sync: settings.journalSync)
        try journal.lock()
        compensator = settings.compensationFactor.map { CPUHeatCompensator(factor: $0) }
        healthSampler = settings.healthDirectory.map { _ in HealthSampler(outputDirectory: settings.outputDirectory) }
        healthBatches = settings.healthDirectory.map { BatchWriter(root: $0, station: settings.station, compression: settings.compression) }
    }

    /// Runs until cancelled or until the clock passes `stopAt`; then writes out every pending
    /// reading (the open batch included) and returns.
    public func run(stopAt: Int64? = nil) async {
        recover()
        monitor?.ready()
        let interval = Int64(settings.readIntervalSeconds) * 1000
        var next = (clock.nowMillis() / interval + 1) * interval
        var warmup = settings.warmupReadings
        var lastWake: (wall: Int64, mono: Int64)?
        while stopAt.map({ next < $0 }) ?? true {
            do {
                try await clock.sleep(untilMillis: next)
            } catch {
                monitor?.stopping()
                break  // cancelled: SIGTERM or SIGINT
            }
            // A wall clock that steps (NTP after boot, a manual change) shows as wall time
            // moving differently from monotonic time between two wakes.
            let wake = (wall: clock.nowMillis(), mono: clock.monotonicMillis())
            defer { lastWake = wake }
            if let last = lastWake {
                let step = (wake.wall - last.wall) - (wake.mono - last.mono)
                if abs(step) > Self.clockStepTolerance {
                    clockStepped(by: step)
                    next = (wake.wall.floorDiv(interval) + 1) * interval
                    continue
                }
            }
            let board = await self.board.read(at: Timestamp(millisecondsSinceEpoch: next))
            sampleHealth(at: next)
            // Drift-free: the schedule advances by whole intervals; ticks missed while the
            // process was stopped or slow are skipped, never bunched.
            let now = clock.nowMillis()
            next += interval
            if next <= now { next = (now / interval + 1) * interval }
            if warmup > 0 {
                warmup -= 1
                // A warm-up read proves the loop and the buses are alive as well as any.
                monitor?.readingRecorded(atMonotonic: clock.monotonicMillis())
                continue
            }
            for fault in board.faults where fault.consecutiveFailures == 1 {
                logger.warning("sensor fault", metadata: ["sensor": "\(fault.sensor.rawValue)", "error": "\(fault.message)"])
            }
            var c = compensator
            let reading = Reading(board, compensator: &c)
            compensator = c
            collect(reading)
            monitor?.readingTaken(reading)
            monitor?.journalChanged(pendingReadings: pending.count)
            // The heartbeat follows the readings: a read that hangs stops it, and systemd
            // restarts the process. A batch write that fails (disk full) does not: a restart
            // would not free the disk, and readings kept in memory would be lost (docs/ARCHITECTURE.md §4).
            monitor?.readingRecorded(atMonotonic: clock.monotonicMillis())
        }
        flush(all: true)
        flushHealth(all: true)
        do {
            try journal.syncNow()  // what no batch took (held readings, a failed write)
        } catch {
            logger.error("cannot make the journal durable before stopping", metadata: ["error": "\(error)"])
        }
    }

    /// Wall-clock jumps smaller than this are noise (a slow read moves both clocks alike).
    static let clockStepTolerance: Int64 = 2000

    /// The wall clock jumped by `step` ms. Every pending reading is written out now, so that
    /// no batch holds readings from both sides of the jump: the readings after it, stamped by
    /// the new clock, start batches of their own. After a backward step they may cover minutes
    /// that files from before it cover too; those batches get the next free name
    /// (`data_HHMM-1.parquet`), so nothing is overwritten, misfiled or lost. The tick at which
    /// the step is noticed is skipped: its time is ambiguous.
    func clockStepped(by step: Int64) {
        logger.warning("the system clock stepped: writing the open batch and following the new time",
                       metadata: ["step_s": "\(Double(step) / 1000)"])
        flush(all: true)
        flushHealth(all: true)
        do {
            try journal.syncNow()  // what no batch took (held readings, a failed write)
        } catch {
            logger.error("cannot make the journal durable before stopping", metadata: ["error": "\(error)"])
        }
    }

    /// Takes a health sample on the first tick of each minute; writes the batches it closes.
    /// None while the clock is not set: a sample describes its moment, which is then unknown.
    func sampleHealth(at t: Int64) {
        guard let sampler = healthSampler, t >= settings.clockFloor, lastHealthMinute != t / 60_000 else { return }
        healthPending.append(sampler.sample(at: t))
        lastHealthMinute = t / 60_000
        flushHealth(all: false, now: t)
    }

    func flushHealth(all: Bool, now: Int64 = .max) {
        guard let writer = healthBatches else { return }
        while let first = healthPending.first {
            let boundary = batchClock.boundary(after: first.timestamp)
            guard all || boundary <= now else { return }
            let batch = Array(healthPending.prefix { $0.timestamp < boundary })
            do {
                _ = try writer.write(HealthSample.columns(batch), schema: LakeSchemas.health, prefix: "health",
                                     firstMillis: first.timestamp, boundary: boundary)
            } catch {
                logger.error("cannot write health metrics; retried at the next sample", metadata: ["error": "\(error)"])
                return
            }
            healthPending.removeFirst(batch.count)
        }
    }

    /// Journals one reading, then closes every batch the reading's time has passed.
    package func collect(_ reading: Reading) {
        let entry: Journal.Entry
        do {
            entry = Journal.Entry(seq: try journal.append(reading, now: clock.monotonicMillis()), reading: reading)
        } catch {
            // Disk full or I/O error: keep it in memory (it is lost only if the process dies
            // before the disk recovers) and say so once per reading.
            logger.error("cannot journal a reading; keeping it in memory", metadata: ["error": "\(error)"])
            entry = Journal.Entry(seq: 0, reading: reading)
        }
        pending.append(entry)
        readingsCollected += 1
        logger.debug("reading", metadata: ["timestamp": "\(ISO8601.format(millis: reading.timestamp))"])
        if reading.timestamp < settings.clockFloor {
            if heldAt.isEmpty {
                logger.warning("the system clock is not set yet: holding readings until it is",
                               metadata: ["clock": "\(ISO8601.format(millis: reading.timestamp))"])
            }
            heldAt[entry.seq] = clock.monotonicMillis()
            return
        }
        if !heldAt.isEmpty { restampHeld(now: reading.timestamp) }
        flush(all: false, now: reading.timestamp)
    }

    /// The clock is right now: give the readings held while it was not their true time —
    /// now minus how long ago (monotonic) they were taken — and journal them so.
    func restampHeld(now: Int64) {
        let mono = clock.monotonicMillis()
        var changed = 0
        for i in pending.indices {
            guard let at = heldAt[pending[i].seq] else { continue }
            pending[i].reading.timestamp = now - (mono - at)
            changed += 1
        }
        heldAt.removeAll()
        pending.sort { $0.reading.timestamp < $1.reading.timestamp }
        logger.notice("the system clock is set: held readings re-stamped", metadata: ["readings": "\(changed)"])
        do {
            try journal.retain(pending.filter { $0.seq != 0 })
        } catch {
            logger.error("cannot rewrite the journal with the re-stamped readings", metadata: ["error": "\(error)"])
        }
    }

    /// Writes the batches of `pending` that are complete at `now` (or all of them).
    func flush(all: Bool, now: Int64 = .max) {
        // Held readings (clock not set) are never filed: they would land in 1970.
        let floor = settings.clockFloor
        while let earliest = pending.lazy.map(\.reading.timestamp).filter({ $0 >= floor }).min() {
            let boundary = batchClock.boundary(after: earliest)
            guard all || boundary <= now else { return }
            diskGuard?.check(logger: logger)
            let inBatch = { (e: Journal.Entry) in e.reading.timestamp >= floor && e.reading.timestamp < boundary }
            let batch = pending.filter(inBatch).sorted { $0.reading.timestamp < $1.reading.timestamp }
            do {
                let path = try batches.write(batch, boundary: boundary, journalID: journal.id)
                filesWritten.append(path)
                logger.info("batch written", metadata: ["file": "\(path)", "rows": "\(batch.count)"])
                monitor?.batchWritten(atMonotonic: clock.monotonicMillis(), file: path)
            } catch {
                logger.error("cannot write a batch; its readings stay in the journal and the write is retried",
                             metadata: ["boundary": "\(ISO8601.format(millis: boundary))", "error": "\(error)"])
                monitor?.batchFailed(atMonotonic: clock.monotonicMillis(), error: "\(error)")
                return
            }
            pending.removeAll(where: inBatch)
            monitor?.journalChanged(pendingReadings: pending.count)
            if batch.contains(where: { $0.seq != 0 }) {
                do {
                    try journal.retain(pending.filter { $0.seq != 0 })
                } catch {
                    // The batch carries the journal tag, so a restart will not write it twice.
                    logger.error("cannot trim the journal", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    /// Takes over what the journal holds: readings a previous run collected but did not get
    /// into a batch file — or wrote, but crashed before trimming the journal: those are found
    /// by the journal tag of the batch files and dropped, so nothing is written twice.
    func recover() {
        if let damage = journal.damage {
            logger.error("the journal was damaged: recovered what its checksums prove, the rest is kept aside",
                         metadata: ["journal": "\(journal.path)", "damage": "\(damage)"])
        } else if journal.droppedTailBytes > 0 {
            logger.warning("the journal ended in a torn record (a crash or power cut during an append); dropped it",
                           metadata: ["journal": "\(journal.path)", "bytes": "\(journal.droppedTailBytes)"])
        }
        let entries = journal.entries
        guard !entries.isEmpty else { return }
        var kept: [Journal.Entry] = []
        var start = 0
        while start < entries.count {
            let boundary = batchClock.boundary(after: entries[start].reading.timestamp)
            var end = start + 1
            while end < entries.count && batchClock.boundary(after: entries[end].reading.timestamp) == boundary { end += 1 }
            // A journal whose header was damaged has a new id; its records may still be in files
            // tagged with the old one, as far as the damaged header still tells it.
            let written = [journal.id, journal.formerID].compactMap { $0 }.compactMap {
                batches.lastWrittenSeq(boundary: boundary, firstTimestamp: entries[start].reading.timestamp, journalID: $0)
            }.max() ?? 0
            kept += entries[start..<end].filter { $0.seq > written }
            start = end
        }
        logger.notice("recovered readings from the journal",
                      metadata: ["readings": "\(kept.count)", "already_in_files": "\(entries.count - kept.count)",
                                 "torn_bytes_dropped": "\(journal.droppedTailBytes)"])
        if kept.count < entries.count {
            do {
                try journal.retain(kept)
            } catch {
                logger.error("cannot trim the journal", metadata: ["error": "\(error)"])
            }
        }
        pending = kept
        // Batches already complete are written now; the open one continues.
        flush(all: false, now: clock.nowMillis())
    }
}
