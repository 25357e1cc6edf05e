// `start`'s Prometheus metrics: a collector monitor that counts what the collector tells it and
// keeps the newest reading, and serves the lot at /metrics (docs/ARCHITECTURE.md §3). Events only
// update counters under a lock held for a few instructions, so the collector never waits on a
// scrape; a scrape renders from a copy.

public import Collector
public import Logging
public import PrometheusText
import Synchronization

/// The station's metrics, fed by the collector (as a monitor), by auto-sync and by compaction
/// (through `syncFinished` and `compactionFinished`, which the executable wires), and served by
/// `run()` when an address is given.
public final class StationMetrics: ReadingOutlet {
    public let name = "metrics"
    let station: String
    let listen: (host: String, port: Int)?
    let logger: Logger
    let onListening: @Sendable (Int) -> Void
    let state = Mutex(State())

    struct SyncCounters {
        var runs = 0
        var failures = 0
        var uploaded = 0
        var lastSuccessMillis: Int64?
    }

    struct State {
        var newest: Reading?
        var readings = 0
        /// By sensor, in `sensors` order: reads, and reads that gave none of its values.
        var sensorReads = [Int](repeating: 0, count: StationMetrics.sensors.count)
        var sensorFailures = [Int](repeating: 0, count: StationMetrics.sensors.count)
        var batchesWritten = 0
        var batchesFailed = 0
        var journalLength: Int?
        var sync: [String: SyncCounters] = [:]
        var compactions = 0
        var compactionFailures = 0
    }

    /// The board's sensors and the columns each fills (docs/ARCHITECTURE.md §2): a sensor's read
    /// failed when the reading holds none of them — a failing sensor gives nulls (§4.3).
    static let sensors: [(name: String, columns: [Int])] = [
        ("bme280", ["raw_temperature", "pressure", "raw_humidity"]),
        ("ltr559", ["lux", "proximity"]),
        ("mics6814", ["oxidised", "reducing", "nh3"]),
        ("pms5003", ["pm1", "pm25", "pm10", "particles_03um", "particles_05um", "particles_10um",
                     "particles_25um", "particles_50um", "particles_100um"]),
    ].map { ($0.0, $0.1.map(Reading.valueIndex)) }

    /// - Parameters:
    ///   - listen: where to serve /metrics; nil serves nothing (the metrics are still kept).
    ///   - onListening: hears the bound port (tests listen on port 0).
    public init(station: String, listen: (host: String, port: Int)?, logger: Logger,
                onListening: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.station = station
        self.listen = listen
        self.logger = logger
        self.onListening = onListening
    }

    // MARK: Events (the collector's actor calls these: no waiting)

    public func readingTaken(_ reading: Reading) {
        state.withLock { s in
            s.newest = reading
            s.readings += 1
            for (i, sensor) in Self.sensors.enumerated() {
                s.sensorReads[i] += 1
                if sensor.columns.allSatisfy({ reading.values[$0] == nil }) { s.sensorFailures[i] += 1 }
            }
        }
    }

    public func batchWritten(atMonotonic now: Int64, file: String) {
        state.withLock { $0.batchesWritten += 1 }
    }

    public func batchFailed(atMonotonic now: Int64, error: String) {
        state.withLock { $0.batchesFailed += 1 }
    }

    public func journalChanged(pendingReadings: Int) {
        state.withLock { $0.journalLength = pendingReadings }
    }

    /// A sync of `label` ("data", "health") ended: `uploaded` files sent; `succeeded` when
    /// nothing failed and nothing stopped it; `atMillis` its end (wall clock).
    public func syncFinished(label: String, uploaded: Int, succeeded: Bool, atMillis: Int64) {
        state.withLock { s in
            var c = s.sync[label] ?? SyncCounters()
            c.runs += 1
            c.uploaded += uploaded
            if succeeded { c.lastSuccessMillis = atMillis } else { c.failures += 1 }
            s.sync[label] = c
        }
    }

    /// A compaction of one day ended (DailyCompaction's passes in `start` report here).
    public func compactionFinished(succeeded: Bool) {
        state.withLock { s in
            if succeeded { s.compactions += 1 } else { s.compactionFailures += 1 }
        }
    }

    // MARK: The page

    /// Every family, as a scrape sees it now.
    public func exposition() -> Exposition {
        let s = state.withLock { $0 }
        var families: [MetricFamily] = []
        if let newest = s.newest {
            var row: [String: Float] = [:]
            for (i, gauge) in MeasurementGauge.all.enumerated() { row[gauge.column] = newest.values[i] }
            families += MeasurementGauge.families(stations: [station]) { _ in row }
            families.append(MetricFamily(
                "opensensor_last_reading_timestamp_seconds", .gauge, help: "Time of the newest reading (Unix seconds).",
                samples: [MetricSample(Double(newest.timestamp) / 1000, labels: [.init("station", station)])]))
        }
        let stationLabel = MetricSample.Label("station", station)
        families.append(MetricFamily(
            "opensensor_readings_total", .counter, help: "Readings journaled since start.",
            samples: [MetricSample(Double(s.readings), labels: [stationLabel])]))
        families.append(MetricFamily(
            "opensensor_sensor_reads_total", .counter, help: "Sensor reads since start, by sensor.",
            samples: Self.sensors.indices.map { MetricSample(Double(s.sensorReads[$0]), labels: [stationLabel, .init("sensor", Self.sensors[$0].name)]) }))
        families.append(MetricFamily(
            "opensensor_sensor_read_failures_total", .counter,
            help: "Sensor reads since start that gave no value (a fault or an absent sensor), by sensor.",
            samples: Self.sensors.indices.map { MetricSample(Double(s.sensorFailures[$0]), labels: [stationLabel, .init("sensor", Self.sensors[$0].name)]) }))
        families.append(MetricFamily(
            "opensensor_batches_written_total", .counter, help: "Batch files written since start.",
            samples: [MetricSample(Double(s.batchesWritten), labels: [stationLabel])]))
        families.append(MetricFamily(
            "opensensor_batch_write_failures_total", .counter,
            help: "Batch writes that failed since start (their readings stay in the journal).",
            samples: [MetricSample(Double(s.batchesFailed), labels: [stationLabel])]))
        families.append(MetricFamily(
            "opensensor_journal_readings", .gauge, help: "Readings in the journal not yet in a batch file.",
            samples: s.journalLength.map { [MetricSample(Double($0), labels: [stationLabel])] } ?? []))
        let labels = s.sync.keys.sorted()
        func syncSamples(_ value: (SyncCounters) -> Double?) -> [MetricSample] {
            labels.compactMap { l in value(s.sync[l]!).map { MetricSample($0, labels: [stationLabel, .init("data", l)]) } }
        }
        families.append(MetricFamily(
            "opensensor_sync_runs_total", .counter, help: "Scheduled syncs run since start, by lake.",
            samples: syncSamples { Double($0.runs) }))
        families.append(MetricFamily(
            "opensensor_sync_failures_total", .counter, help: "Syncs that left a file behind or stopped, by lake.",
            samples: syncSamples { Double($0.failures) }))
        families.append(MetricFamily(
            "opensensor_sync_uploaded_files_total", .counter, help: "Files uploaded since start, by lake.",
            samples: syncSamples { Double($0.uploaded) }))
        families.append(MetricFamily(
            "opensensor_sync_last_success_timestamp_seconds", .gauge, help: "End of the last sync that succeeded (Unix seconds), by lake.",
            samples: syncSamples { $0.lastSuccessMillis.map { Double($0) / 1000 } }))
        families.append(MetricFamily(
            "opensensor_compactions_total", .counter, help: "Days compacted since start.",
            samples: [MetricSample(Double(s.compactions), labels: [stationLabel])]))
        families.append(MetricFamily(
            "opensensor_compaction_failures_total", .counter, help: "Compactions that failed since start.",
            samples: [MetricSample(Double(s.compactionFailures), labels: [stationLabel])]))
        families.append(ProcessMemory.family())
        var page = Exposition()
        for family in families {
            // The families above are fixed and valid (tested); a failure here is a bug, which
            // costs that family, never the page.
            do { try page.add(family) } catch { logger.error("metrics: \(error)") }
        }
        return page
    }

    // MARK: Serving

    /// Serves /metrics until cancelled; returns at once when there is no address.
    public func run() async {
        guard let listen else { return }
        do {
            try await MetricsServer.serve(host: listen.host, port: listen.port, logger: logger, onListening: onListening) {
                self.exposition().render()
            }
        } catch is CancellationError {
        } catch {
            logger.error("metrics: cannot serve /metrics; collecting anyway",
                         metadata: ["listen": "\(listen.host):\(listen.port)", "error": "\(error)"])
        }
    }

    /// `host:port` as OPENSENSOR_METRICS_LISTEN holds it (already validated by the configuration):
    /// the host without IPv6 brackets, and the port.
    public static func address(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else { return nil }
        var host = text[..<colon]
        if host.hasPrefix("[") && host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard !host.isEmpty, (0...65535).contains(port) else { return nil }
        return (String(host), port)
    }
}
