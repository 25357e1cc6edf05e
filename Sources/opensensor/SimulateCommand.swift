// `opensensor simulate`: the collector's pipeline on simulated boards and a virtual clock that
// never sleeps — a day of data in well under a second, for demos, benchmarks and tests.

import ArgumentParser
import Drivers
import Lake
import Logging
import CivilTime
import Collector
import Config
import DurableFiles
import LakeSync
import StationRuntime
import Systemd

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Write simulated stations' data as the collector would, as fast as possible.",
        discussion: """
            Each station gets its own UUIDv7 (or OPENSENSOR_STATION_ID when there is one station) \
            and its own seed. Read interval, batch duration, compensation and compression come \
            from the configuration, as for 'start'.
            """)

    @Option(help: "Output directory.")
    var output: String

    @Option(help: "First reading's time, ISO-8601 UTC.")
    var from: String

    @Option(help: "Stop at this time, ISO-8601 UTC.")
    var to: String?

    @Option(help: "Or: simulate this many days.")
    var days: Double?

    @Option(help: "How many stations.")
    var stations: Int = 1

    @Option(help: "Seed of the first station (the others take the next seeds).")
    var seed: UInt64 = 1

    @OptionGroup var configOptions: ConfigOptions

    func validate() throws {
        guard ISO8601.parseMillis(from) != nil else { throw ValidationError("--from: expected an ISO-8601 UTC time, got '\(from)'") }
        if let to, ISO8601.parseMillis(to) == nil { throw ValidationError("--to: expected an ISO-8601 UTC time, got '\(to)'") }
        guard (to == nil) != (days == nil) else { throw ValidationError("give exactly one of --to and --days") }
        if let days, !(days > 0 && days <= 3660) { throw ValidationError("--days must be > 0 and at most 3660, got \(days)") }
        guard (1...1000).contains(stations) else { throw ValidationError("--stations must be 1-1000, got \(stations)") }
    }

    func run() async throws {
        let (config, warnings) = try configOptions.load(overrides: ["OPENSENSOR_OUTPUT_DIR": output])
        var logger = LogSetup.bootstrapOnce(level: config.logLevel)
        // Batch lines and the simulated board's faults would drown a long simulation: errors
        // only, and a progress line per station.
        if logger.logLevel < .error { logger.logLevel = .error }
        for w in warnings { logger.warning("\(w)") }
        let start = ISO8601.parseMillis(from)!
        let stop = to.flatMap(ISO8601.parseMillis) ?? start + Int64(days! * 86_400_000)
        guard stop > start else { throw CLIError("--to must be after --from") }
        let progress = Progress(total: stations, label: "stations", terminal: isatty(STDERR_FILENO) == 1)

        var totalReadings = 0, totalFiles = 0
        for i in 0..<stations {
            let station = stations == 1 ? (config.stationID ?? UUIDv7.generate()) : UUIDv7.generate()
            var settings = CollectorSettings(config, station: station)
            // No warm-up, no health samples of this machine, no fsync per reading: the data is
            // made again from the seed at will.
            settings.warmupReadings = 0
            settings.healthDirectory = nil
            settings.journalSync = .never
            // The clock starts just before `from`, so the first reading is at `from`.
            let collector = try Collector(board: SimulatedBoard(seed: seed + UInt64(i)), clock: VirtualWallClock(start: start - 1),
                                          settings: settings, logger: logger)
            await collector.run(stopAt: stop)
            totalReadings += await collector.readingsCollected
            totalFiles += await collector.filesWritten.count
            progress.update(i + 1, detail: "\(station): \(await collector.readingsCollected) readings")
        }
        progress.finish()
        print("simulated \(stations) station(s), \(totalReadings) readings, \(totalFiles) files in \(config.outputDirectory)")
    }
}

/// A progress line redrawn in place on a terminal; plain lines (every 10 %) otherwise.
final class Progress {
    let total: Int
    let label: String
    let terminal: Bool
    private var lastDecile = -1

    init(total: Int, label: String, terminal: Bool) {
        self.total = total
        self.label = label
        self.terminal = terminal
    }

    func update(_ done: Int, detail: String) {
        let fraction = Double(done) / Double(max(total, 1))
        if terminal {
            let width = 30
            let filled = Int(fraction * Double(width))
            err("\r[\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] \(done)/\(total) \(label)  \u{1B}[K")
        } else if Int(fraction * 10) != lastDecile {
            lastDecile = Int(fraction * 10)
            err("\(done)/\(total) \(label): \(detail)\n")
        }
    }

    func finish() { if terminal { err("\n") } }

    private func err(_ s: String) { StderrText.write(s) }
}
