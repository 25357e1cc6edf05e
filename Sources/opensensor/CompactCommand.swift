// `opensensor compact`: the closed days of a lake, one day file each, into the sibling lake of day
// files (Sources/Compaction). Parses and wires; the work is DayCompactor's. A lake is a folder or
// `s3://BUCKET/PREFIX` (RemoteLake.swift), on either side.

import ArgumentParser
import CivilTime
import Compaction
import Config
import DurableFiles
import Lake
import ObjectStore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

struct CompactCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Compact each closed UTC day's batch files into one day file per station.",
        discussion: """
            For every station and UTC day that is over (--grace-minutes past its midnight) and has \
            no day file yet, or whose batch files changed since its day file was made (a late \
            batch), writes station=…/year=…/month=…/day=…/data_YYYYMMDD.parquet (health_… with \
            --health) into --to, sorted by timestamp, with the batch files' schema. Each day file is \
            read back and compared with its batch files (rows, first and last timestamp, every \
            column's values) before it counts; one that differs is removed and its day reported. \
            The raw lake is never changed. A run with nothing new writes nothing. Exits 1 when a \
            day could not be compacted.

            Either lake may be a bucket, s3://BUCKET/PREFIX, read and written with the storage \
            settings sync uses (OPENSENSOR_STORAGE_*, OPENSENSOR_AWS_*); a network's whole lake \
            is compacted this way on a server, --workers days at a time.
            """)

    @Option(help: "The raw lake, a folder or s3://BUCKET/PREFIX (default: the configured output directory, or health directory with --health).")
    var data: String?

    @Option(help: "The lake of day files, a folder or s3://BUCKET/PREFIX (default: <data>-daily; in a bucket, s3://BUCKET/<prefix>-daily, or s3://BUCKET/daily for its root).")
    var to: String?

    @Option(help: "First day to compact, inclusive (2025-06-01).")
    var from: String?

    @Option(help: "Last day to compact, inclusive (2025-06-30).")
    var until: String?

    @Flag(help: "Compact the health metrics (health_HHMM.parquet) instead of the sensor readings.")
    var health = false

    @Option(help: "Only this station (repeat for several).")
    var station: [String] = []

    @Option(help: "Days compacted at once (each holds one day in memory).")
    var workers: Int = 2

    @Option(help: "Minutes after a day's end before it counts as closed (the batch closing at midnight is written then).")
    var graceMinutes: Int = 5

    @OptionGroup var configOptions: ConfigOptions

    func validate() throws {
        _ = try dayBounds()
        guard (1...64).contains(workers) else { throw ValidationError("--workers: expected 1–64, got \(workers)") }
        guard graceMinutes >= 0 else { throw ValidationError("--grace-minutes: expected 0 or more, got \(graceMinutes)") }
    }

    /// --from and --until as days since 1970.
    func dayBounds() throws -> (Int?, Int?) {
        func day(_ text: String?, _ name: String) throws -> Int? {
            guard let text else { return nil }
            guard text.count == 10, let t = ISO8601.parseMillis(text + "T00:00:00Z") else {
                throw ValidationError("--\(name): expected a day (2025-06-01), got '\(text)'")
            }
            return Int(t / 86_400_000)
        }
        let (first, last) = (try day(from, "from"), try day(until, "until"))
        if let first, let last, last < first { throw ValidationError("--until (\(until!)) is before --from (\(from!))") }
        return (first, last)
    }

    func run() async throws {
        let (firstDay, lastDay) = try dayBounds()
        let root: String
        var loaded: StationConfig?
        func config() throws -> StationConfig {
            if let loaded { return loaded }
            let (config, warnings) = try configOptions.load()
            for w in warnings { StderrText.write("warning: \(w)\n") }
            loaded = config
            return config
        }
        if let data {
            root = data
        } else {
            root = health ? try config().healthDirectory : try config().outputDirectory
        }
        // A lake in a bucket is opened once: its day files' default place is in the same bucket,
        // so one store (one pool of connections) serves both sides.
        let bucket = RemoteLake.isRemote(root) ? try RemoteLake.Bucket(root, option: "--data", config: config()) : nil
        let target = to ?? bucket?.dailyLocation ?? LakeLayout.dailyRoot(of: root)
        /// A lake's store: a bucket under its prefix, or a folder (made for the day files).
        func store(_ location: String, option: String, create: Bool) throws -> any ObjectStore {
            if RemoteLake.isRemote(location) {
                return try RemoteLake.Bucket(location, option: option, config: config()).lake
            }
            do {
                if create { try FileIO.makeFolders(location) }
                return try LocalDirectoryObjectStore(root: location)
            } catch {
                throw CLIError("compact: \(location): \(error)")
            }
        }
        let source: any ObjectStore = try bucket?.lake ?? store(root, option: "--data", create: false)
        let daily: any ObjectStore = try (to == nil ? bucket?.daily : nil) ?? store(target, option: "--to", create: true)
        let grace = Int64(graceMinutes) * 60_000
        let compactor = DayCompactor(
            source: source, target: daily, kind: health ? .health : .data, workers: workers,
            isReady: DayCompactor.closed(now: { SystemWallClock().nowMillis() }, graceMillis: grace))
        let stations = station.isEmpty ? nil : Set(station)
        let days: [CompactionDay]
        do {
            days = try await compactor.days(firstDay: firstDay, lastDay: lastDay, stations: stations)
        } catch {
            throw CLIError("compact: listing \(root): \(error)")
        }
        // A bar on a terminal only: elsewhere the summary line says it all.
        let bar = DayProgress(total: days.count, terminal: isatty(STDERR_FILENO) == 1)
        let report = await compactor.run(days, stations: stations, progress: bar.update)
        bar.finish()
        for f in report.failed { StderrText.write("error: \(f.day): \(f.reason)\n") }
        print("\(root) → \(target): \(report)")
        if !report.succeeded { throw ExitCode(1) }
    }
}

/// ``Progress`` behind a lock, for the compactor's callback.
final class DayProgress: Sendable {
    private let terminal: Bool
    private let bar: Mutex<Progress>

    init(total: Int, terminal: Bool) {
        self.terminal = terminal
        bar = Mutex(Progress(total: total, label: "days", terminal: true))
    }

    var update: @Sendable (Int, Int) -> Void {
        { done, _ in
            guard self.terminal else { return }
            self.bar.withLock { $0.update(done, detail: "") }
        }
    }

    func finish() { if terminal { bar.withLock { $0.finish() } } }
}
