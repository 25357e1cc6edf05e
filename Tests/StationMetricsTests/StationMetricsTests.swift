import Collector
import HTTP1Client
import Logging
import PrometheusText
import StationMetrics
import Synchronization
import Testing

@Suite struct StationMetricsTests {
    static let quiet = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
    static let station = "0190b6c4-1c2d-7e3f-8a4b-5c6d7e8f9a0b"

    static func reading(_ t: Int64, bme: Bool = true, pms: Bool = true) -> Reading {
        var v = [Float?](repeating: nil, count: Reading.valueCount)
        if bme { v[0] = 21.3; v[1] = 25.5; v[2] = 1013.25; v[3] = 45; v[4] = 38 }
        v[5] = 20; v[6] = 300; v[7] = 60; v[8] = 120.5; v[9] = 3
        if pms { for i in 10...18 { v[i] = Float(i) } }
        return Reading(timestamp: t, values: v)
    }

    static func line(_ page: String, _ prefix: String) -> String? {
        page.split(separator: "\n").first { $0.hasPrefix(prefix + " ") || $0.hasPrefix(prefix + "{") }.map(String.init)
    }

    @Test func countsEventsAndKeepsTheNewestReading() throws {
        let m = StationMetrics(station: Self.station, listen: nil, logger: Self.quiet)
        m.readingTaken(Self.reading(1_780_000_000_000))
        m.readingTaken(Self.reading(1_780_000_005_000, bme: false))
        m.readingTaken(Self.reading(1_780_000_010_000, pms: false))
        m.batchWritten(atMonotonic: 0, file: "a")
        m.batchFailed(atMonotonic: 0, error: "disk full")
        m.batchWritten(atMonotonic: 0, file: "b")
        m.journalChanged(pendingReadings: 7)
        m.syncFinished(label: "data", uploaded: 3, succeeded: true, atMillis: 1_780_000_020_500)
        m.syncFinished(label: "data", uploaded: 0, succeeded: false, atMillis: 1_780_000_030_000)
        let page = m.exposition().render()
        let s = "station=\"\(Self.station)\""
        #expect(page.contains("opensensor_temperature_celsius{\(s)} 21.3\n"))
        #expect(page.contains("opensensor_pressure_pascals{\(s)} 101325\n"))
        #expect(page.contains("opensensor_humidity_ratio{\(s)} 0.45\n"))
        #expect(page.contains("opensensor_gas_reducing_ohms{\(s)} 300000\n"))
        // The newest reading had no PMS5003 values: no PM gauge rather than a stale one.
        #expect(!page.contains("opensensor_pm25_grams_per_cubic_meter"))
        #expect(page.contains("opensensor_last_reading_timestamp_seconds{\(s)} 1780000010\n"))
        #expect(page.contains("opensensor_readings_total{\(s)} 3\n"))
        #expect(page.contains("opensensor_sensor_reads_total{\(s),sensor=\"bme280\"} 3\n"))
        #expect(page.contains("opensensor_sensor_read_failures_total{\(s),sensor=\"bme280\"} 1\n"))
        #expect(page.contains("opensensor_sensor_read_failures_total{\(s),sensor=\"pms5003\"} 1\n"))
        #expect(page.contains("opensensor_sensor_read_failures_total{\(s),sensor=\"ltr559\"} 0\n"))
        #expect(page.contains("opensensor_batches_written_total{\(s)} 2\n"))
        #expect(page.contains("opensensor_batch_write_failures_total{\(s)} 1\n"))
        #expect(page.contains("opensensor_journal_readings{\(s)} 7\n"))
        #expect(page.contains("opensensor_sync_runs_total{\(s),data=\"data\"} 2\n"))
        #expect(page.contains("opensensor_sync_failures_total{\(s),data=\"data\"} 1\n"))
        #expect(page.contains("opensensor_sync_uploaded_files_total{\(s),data=\"data\"} 3\n"))
        #expect(page.contains("opensensor_sync_last_success_timestamp_seconds{\(s),data=\"data\"} 1780000020.5\n"))
        #expect(page.contains("opensensor_compactions_total{\(s)} 0\n"))
        #expect(Self.line(page, "process_resident_memory_bytes") != nil)
        // Every counter is named as a counter should be; HELP and TYPE once per family.
        for line in page.split(separator: "\n") where line.hasPrefix("# TYPE ") {
            let parts = line.split(separator: " ")
            if parts[3] == "counter" { #expect(parts[2].hasSuffix("_total"), "\(line)") }
        }
        let typeLines = page.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }
        #expect(Set(typeLines).count == typeLines.count)
        m.compactionFinished(succeeded: true)
        m.compactionFinished(succeeded: false)
        let after = m.exposition().render()
        #expect(after.contains("opensensor_compactions_total{\(s)} 1\n"))
        #expect(after.contains("opensensor_compaction_failures_total{\(s)} 1\n"))
    }

    @Test func beforeAnyReadingOnlyCountersAreShown() {
        let page = StationMetrics(station: "s", listen: nil, logger: Self.quiet).exposition().render()
        #expect(!page.contains("opensensor_temperature_celsius"))
        #expect(!page.contains("opensensor_sync_runs_total"))
        #expect(page.contains("opensensor_readings_total{station=\"s\"} 0\n"))
    }

    @Test func addresses() {
        #expect(StationMetrics.address("127.0.0.1:9101")! == ("127.0.0.1", 9101))
        #expect(StationMetrics.address("[::1]:9101")! == ("::1", 9101))
        #expect(StationMetrics.address("localhost:0")! == ("localhost", 0))
        #expect(StationMetrics.address("9101") == nil)
        #expect(StationMetrics.address(":9101") == nil)
    }

    @Test(.timeLimit(.minutes(1))) func servesMetricsOverHTTPUntilCancelled() async throws {
        let port = Mutex<Int?>(nil)
        let m = StationMetrics(station: "s", listen: ("127.0.0.1", 0), logger: Self.quiet) { p in port.withLock { $0 = p } }
        m.readingTaken(Self.reading(1_780_000_000_000))
        let server = Task { await m.run() }
        while port.withLock({ $0 }) == nil { try await Task.sleep(for: .milliseconds(10)) }
        let p = port.withLock { $0 }!
        let http = HTTP1Transport(connectTimeout: .seconds(5), readTimeout: .seconds(5), requestTimeout: .seconds(10))
        let answer = try await http.send(HTTP1Request(method: "GET", url: "http://127.0.0.1:\(p)/metrics"), maxBodyBytes: 1 << 20)
        #expect(answer.status == 200)
        #expect(answer.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
        #expect(String(decoding: answer.body, as: UTF8.self).contains("opensensor_temperature_celsius{station=\"s\"} 21.3\n"))
        let missing = try await http.send(HTTP1Request(method: "GET", url: "http://127.0.0.1:\(p)/other"), maxBodyBytes: 1 << 20)
        #expect(missing.status == 404)
        let head = try await http.send(HTTP1Request(method: "HEAD", url: "http://127.0.0.1:\(p)/metrics?x=1"), maxBodyBytes: 1 << 20)
        #expect(head.status == 200 && head.body.isEmpty)
        let post = try await http.send(HTTP1Request(method: "POST", url: "http://127.0.0.1:\(p)/metrics", body: [1]), maxBodyBytes: 1 << 20)
        #expect(post.status == 405 && post.header("Allow") == "GET, HEAD")
        try await http.shutdown()
        server.cancel()
        await server.value  // returns: cancellation stops the server
    }
}
