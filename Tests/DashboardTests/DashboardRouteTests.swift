import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import Dashboard
import Lake
@testable import Parquet

/// A lake in a fresh temporary folder, written with the Parquet writer as the collector would.
final class TestLake: @unchecked Sendable {
    let root: String
    var data: String { root + "/out" }
    var health: String { root + "/out-health" }

    init() throws {
        root = NSTemporaryDirectory() + "opensensor-dashboard-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root + "/out", withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    /// Writes one 15-minute batch of readings every `step` ms from `start`, temperature =
    /// `value(t)`, humidity = 50, everything else null; filed as the collector files it.
    @discardableResult
    func batch(station: String, start: Int64, count: Int = 180, step: Int64 = 5000, attempt: Int = 0,
               value: (Int64) -> Float? = { Float($0 % 1000) / 100 }) throws -> String {
        let times = (0..<count).map { start + Int64($0) * step }
        let columns: [ColumnValues] = LakeSchemas.sensor.columns.map { c in
            switch c.name {
            case "timestamp": .int64(times)
            case "temperature": .float(times.map(value))
            case "humidity": .float(times.map { _ in 50 })
            default: .float(Array(repeating: nil, count: count))
            }
        }
        return try write(LakeSchemas.sensor, columns, root: data, station: station, first: start, prefix: "data", attempt: attempt)
    }

    /// One health batch with cpu_temp_c = 40 + i.
    func healthBatch(station: String, start: Int64, count: Int = 15) throws {
        let times = (0..<count).map { start + Int64($0) * 60_000 }
        let columns: [ColumnValues] = LakeSchemas.health.columns.map { c in
            switch c.type {
            case .timestampMillisUTC: .int64(times)
            case .double: .double(c.name == "cpu_temp_c" ? (0..<count).map { 40 + Double($0) } : Array(repeating: nil, count: count))
            case .int32: .int32(Array(repeating: nil, count: count))
            case .boolean: .boolean(Array(repeating: true, count: count))
            default: .string(Array(repeating: nil, count: count))
            }
        }
        try write(LakeSchemas.health, columns, root: health, station: station, first: start, prefix: "health", attempt: 0)
    }

    @discardableResult
    func write(_ schema: Schema, _ columns: [ColumnValues], root: String, station: String, first: Int64, prefix: String, attempt: Int) throws -> String {
        var writer = ParquetWriter(schema: schema)
        try writer.write(columns)
        let dir = LakeLayout.partition(station: station, millis: first)
        let boundary = first - first % 900_000 + 900_000
        let file = LakeLayout.fileName(stem: LakeLayout.stem(prefix: prefix, boundaryMillis: boundary), attempt: attempt)
        try FileManager.default.createDirectory(atPath: root + "/" + dir, withIntermediateDirectories: true)
        try ParquetFile.write(writer.finish(), to: root + "/" + dir + "/" + file, durable: false)
        return dir + "/" + file
    }
}

/// 2026-06-01T00:00:00Z
let june1: Int64 = 1_780_272_000_000

func get(_ dashboard: Dashboard, _ uri: String, cookie: String? = nil) async throws -> (status: Int, type: String, body: String) {
    let app = Application(router: dashboard.router())
    return try await app.test(.router) { client in
        var headers = HTTPFields()
        if let cookie { headers[.cookie] = cookie }
        return try await client.execute(uri: uri, method: .get, headers: headers) { response in
            (response.status.code, response.headers[.contentType] ?? "",
             String(decoding: response.body.readableBytesView, as: UTF8.self))
        }
    }
}

/// The raw answer to a GET with the given `Accept-Encoding`: status, headers and body bytes.
func getRaw(_ dashboard: Dashboard, _ uri: String, acceptEncoding: String?) async throws -> (status: Int, headers: HTTPFields, body: [UInt8]) {
    let app = Application(router: dashboard.router())
    return try await app.test(.router) { client in
        var headers = HTTPFields()
        if let acceptEncoding { headers[.acceptEncoding] = acceptEncoding }
        return try await client.execute(uri: uri, method: .get, headers: headers) { response in
            (response.status.code, response.headers, Array(response.body.readableBytesView))
        }
    }
}

@Suite struct DashboardRouteTests {
    /// Two stations: "a" with a day of batches up to 12:00 on June 1 and health data, "b" with one batch.
    func lake() throws -> (TestLake, Dashboard) {
        let lake = try TestLake()
        for k in 0..<48 { try lake.batch(station: "a", start: june1 + Int64(k) * 900_000) }
        try lake.batch(station: "b", start: june1 + 3_600_000)
        try lake.healthBatch(station: "a", start: june1 + 11 * 3_600_000)
        let now = june1 + 12 * 3_600_000 + 120_000
        let dashboard = Dashboard(view: LakeView(dataRoot: lake.data, healthRoot: lake.health), now: { now })
        return (lake, dashboard)
    }

    @Test func frontPageListsEveryStationWithItsLastReadingAndAge() async throws {
        let (lake, d) = try lake()
        let r = try await get(d, "/")
        #expect(r.status == 200)
        #expect(r.type.hasPrefix("text/html"))
        #expect(r.body.contains("href=\"/stations/a\""))
        #expect(r.body.contains("href=\"/stations/b\""))
        // a's last reading: 48 batches of 180 readings every 5 s from midnight → 11:59:55.
        #expect(r.body.contains("datetime=\"2026-06-01T11:59:55.000Z\""))
        #expect(r.body.contains("data-age-seconds=\"125\""))
        // b's reading is 10 h old: stale.
        #expect(r.body.contains("class=\"age stale\""))
        _ = lake
    }

    @Test func stationPageDrawsEveryChartWithOnePointPerBucketAndTheLatestValues() async throws {
        let (lake, d) = try lake()
        let r = try await get(d, "/stations/a?range=1h")
        #expect(r.status == 200)
        for chart in Catalog.sensorCharts + Catalog.healthCharts { #expect(r.body.contains("id=\"chart-\(chart.id)\"")) }
        // 1h at 1-minute buckets ending with the bucket of 12:02: 11:03 … 12:02, readings up to 11:59:55 → 57 buckets.
        #expect(r.body.contains("data-series=\"temperature\" data-points=\"57\""))
        // Raw temperature is null in every row: no points.
        #expect(r.body.contains("data-series=\"raw_temperature\" data-points=\"0\""))
        // Health: readings every minute 11:00–11:14, of which 11:03–11:14 are in range.
        #expect(r.body.contains("data-series=\"cpu_temp_c\" data-points=\"12\""))
        // The newest row's temperature: t = 11:59:55 → (t mod 1000) / 100 = 0 (ms are whole seconds).
        let last = june1 + 12 * 3_600_000 - 5000
        #expect(r.body.contains("data-column=\"temperature\" data-value=\"\(Float(last % 1000) / 100)\""))
        #expect(r.body.contains("data-column=\"humidity\" data-value=\"50.0\""))
        _ = lake
    }

    @Test func stationWithoutHealthHasNoHealthSection() async throws {
        let (lake, d) = try lake()
        let r = try await get(d, "/stations/b?range=24h")
        #expect(r.status == 200)
        #expect(!r.body.contains("chart-cpu-temp"))
        #expect(r.body.contains("id=\"chart-pm\""))
        _ = lake
    }

    @Test func unknownStationsAndPathsAre404() async throws {
        let (lake, d) = try lake()
        for uri in ["/stations/zzz", "/stations/..", "/api/stations/zzz/latest", "/api/stations/zzz/series", "/nothing/here", "/api/nothing"] {
            let r = try await get(d, uri)
            #expect(r.status == 404, "\(uri)")
        }
        // b has no health data yet.
        #expect(try await get(d, "/api/stations/b/latest?health=1").status == 404)
        _ = lake
    }

    @Test(arguments: [
        ("/stations/a?range=2y", "range:"),
        ("/stations/a?range=custom&from=2026-06-01", "to:"),
        ("/stations/a?range=custom&from=yesterday&to=2026-06-02", "from:"),
        ("/stations/a?range=custom&from=2026-06-02&to=2026-06-01", "must be after"),
        ("/stations/a?tz=9999", "tz:"),
        ("/stations/a?zone=Mars/Olympus_Mons", "zone:"),
        ("/stations/a?zone=../../etc/passwd", "zone:"),
        ("/api/stations?format=xml", "format:"),
        ("/api/stations/a/series?chart=nope", "chart:"),
        ("/api/stations/a/series?columns=temperature,bogus", "bogus"),
        ("/api/stations/a/latest?health=maybe", "health:"),
    ])
    func badParametersAre400WithAMessageNamingThem(uri: String, message: String) async throws {
        let (lake, d) = try lake()
        let r = try await get(d, uri)
        #expect(r.status == 400)
        #expect(r.body.contains(message), "\(r.body)")
        _ = lake
    }

    @Test func seriesAnswersExactlyWhatTheQueryCommandPrints() async throws {
        let (lake, d) = try lake()
        for format in [QueryFormat.csv, .json] {
            let r = try await get(d, "/api/stations/a/series?chart=temperature&range=custom&from=2026-06-01T02:00:00Z&to=2026-06-01T08:00:00Z&format=\(format.rawValue)")
            #expect(r.status == 200)
            let q = LakeQuery(kind: .data, stations: ["a"], from: june1 + 2 * 3_600_000, to: june1 + 8 * 3_600_000,
                              every: BucketWidth(parsing: "1m")!, columns: ["temperature", "raw_temperature"])
            var expected = ""
            QueryOutput.write(try QueryEngine(root: lake.data).run(q), as: format) { expected += $0 + "\n" }
            #expect(r.body == expected)
            #expect(r.body.split(separator: "\n").count == (format == .csv ? 361 : 360))
        }
        let h = try await get(d, "/api/stations/a/series?chart=cpu-temp&range=1h&format=csv")
        #expect(h.body.hasPrefix("station,time,count,cpu_temp_c_avg,cpu_temp_c_min,cpu_temp_c_max\n"))
        #expect(h.body.contains("a,2026-06-01T11:14:00.000Z,1,54.0,54.0,54.0"))
    }

    @Test func latestAndStationListAPIs() async throws {
        let (lake, d) = try lake()
        let csv = try await get(d, "/api/stations/a/latest?format=csv")
        #expect(csv.type.hasPrefix("text/csv"))
        let lines = csv.body.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].hasPrefix("timestamp,temperature,raw_temperature,pressure,humidity"))
        #expect(lines[1].hasPrefix("2026-06-01T11:59:55.000Z,0.0,,,50.0"))
        let json = try await get(d, "/api/stations?format=json")
        #expect(json.body == """
            {"station":"a","last_reading":"2026-06-01T11:59:55.000Z","age_seconds":125,"pm25":null,"pm10":null,"aqi":null,"aqi_category":null,"has_health":true,"unavailable":null}
            {"station":"b","last_reading":"2026-06-01T01:14:55.000Z","age_seconds":38825,"pm25":null,"pm10":null,"aqi":null,"aqi_category":null,"has_health":false,"unavailable":null}

            """)
        let health = try await get(d, "/api/stations/a/latest?health=1")
        #expect(health.body.contains("\"cpu_temp_c\":54.0"))
        _ = lake
    }

    @Test func newBatchesShowWithoutARestart() async throws {
        let (lake, d) = try lake()
        #expect(try await get(d, "/").body.contains("2026-06-01T11:59:55.000Z"))
        // The next day's first batch, as a running collector would add it.
        try lake.batch(station: "a", start: june1 + 86_400_000)
        let r = try await get(d, "/")
        #expect(r.body.contains("datetime=\"2026-06-02T00:14:55.000Z\""))
        #expect(!r.body.contains("2026-06-01T11:59:55.000Z"))
    }

    @Test func theViewersOffsetComesFromTheCookieOrTheParameter() async throws {
        let (lake, d) = try lake()
        // 11:59:55 UTC is 17:29 in India (UTC+05:30).
        let cookie = try await get(d, "/", cookie: "tz=330")
        #expect(cookie.body.contains("data-tz=\"330\""))
        #expect(cookie.body.contains(">2026-06-01 17:29<"))
        let param = try await get(d, "/?tz=-300", cookie: "tz=330")
        #expect(param.body.contains("data-tz=\"-300\""))
        #expect(param.body.contains(">2026-06-01 06:59<"))
        // A cookie that is not a number is ignored, not an error.
        #expect(try await get(d, "/", cookie: "tz=abc").body.contains("data-tz=\"0\""))
        _ = lake
    }

    @Test func aCorruptFileIsSkippedAndThePageStillAnswers() async throws {
        let (lake, d) = try lake()
        let dir = lake.data + "/" + LakeLayout.partition(station: "a", millis: june1)
        try Data("not parquet".utf8).write(to: URL(fileURLWithPath: dir + "/data_0001.parquet"))
        let r = try await get(d, "/stations/a?range=custom&from=2026-06-01&to=2026-06-02")
        #expect(r.status == 200)
        #expect(r.body.contains("id=\"chart-temperature\""))
    }

    @Test func aDamagedNewestFileIsPassedOverForTheOneBefore() async throws {
        let (lake, d) = try lake()
        let dir = lake.data + "/" + LakeLayout.partition(station: "a", millis: june1)
        try Data("PAR1 half-copied".utf8).write(to: URL(fileURLWithPath: dir + "/data_2345.parquet"))
        let page = try await get(d, "/stations/a?range=1h")
        #expect(page.status == 200)
        let latest = try await get(d, "/api/stations/a/latest?format=csv")
        #expect(latest.status == 200)
        #expect(latest.body.contains("2026-06-01T11:59:55.000Z"))
    }

    @Test func theMidnightBatchIsItsDaysLast() async throws {
        let lake = try TestLake()
        // 23:45–24:00 closes at midnight: data_0000.parquet in the same day folder as data_2345.
        try lake.batch(station: "d", start: june1 + 86_400_000 - 1_800_000)
        try lake.batch(station: "d", start: june1 + 86_400_000 - 900_000)
        let names = LakeIndex.newestFiles(lake.data, station: "d", kind: "data", limit: 5).map(\.path)
        #expect(names.map { $0.split(separator: "/").last! } == ["data_0000.parquet", "data_2345.parquet"])
        let d = Dashboard(view: LakeView(dataRoot: lake.data, healthRoot: nil), now: { june1 + 86_400_000 })
        #expect(try await get(d, "/api/stations/d/latest?format=csv").body.contains("2026-06-01T23:59:55.000Z"))
    }

    /// `bytes` as text with every `nonce="…"` value blanked.
    static func withoutNonces(_ bytes: [UInt8]) -> String {
        let parts = String(decoding: bytes, as: UTF8.self).split(separator: "nonce=\"", omittingEmptySubsequences: false)
        return parts.dropFirst().reduce(String(parts[0])) { $0 + "nonce=\"" + $1.drop { $0 != "\"" } }
    }

    @Test func answersAreGzippedWhenTheClientAcceptsItAndDecompressToThePlainAnswer() async throws {
        let (lake, d) = try lake()
        for uri in ["/stations/a?range=24h", "/", "/api/stations/a/series?chart=temperature&range=24h&format=csv", "/stations/zzz"] {
            let plain = try await getRaw(d, uri, acceptEncoding: nil)
            #expect(plain.headers[.contentEncoding] == nil, "\(uri)")
            #expect(plain.headers[.vary] == "Accept-Encoding", "\(uri)")
            let packed = try await getRaw(d, uri, acceptEncoding: "br;q=1.0, gzip;q=0.8, *;q=0.1")
            #expect(packed.status == plain.status, "\(uri)")
            #expect(packed.headers[.contentType] == plain.headers[.contentType], "\(uri)")
            #expect(packed.headers[.contentEncoding] == "gzip", "\(uri)")
            #expect(packed.body.count < plain.body.count, "\(uri)")
            let unpacked = try packed.body.withUnsafeBytes { try decompress(.gzip, $0, uncompressedSize: plain.body.count) }
            // Pages differ only by their Content-Security-Policy nonce, fresh per answer.
            #expect(Self.withoutNonces(unpacked) == Self.withoutNonces(plain.body), "\(uri)")
        }
        // A 24-hour page shrinks several times over: its bulk is repetitive SVG and tooltips.
        let page = try await getRaw(d, "/stations/a?range=24h", acceptEncoding: "gzip")
        let plainPage = try await getRaw(d, "/stations/a?range=24h", acceptEncoding: "identity")
        #expect(page.body.count * 4 < plainPage.body.count, "\(page.body.count) vs \(plainPage.body.count)")
        // Short answers go as they are.
        let short = try await getRaw(d, "/api/stations/zzz/latest", acceptEncoding: "gzip")
        #expect(short.status == 404)
        #expect(short.headers[.contentEncoding] == nil)
        _ = lake
    }

    @Test(arguments: [
        ("gzip", true), ("GZIP", true), ("x-gzip", true), ("deflate, gzip", true), ("*", true),
        ("gzip;q=0.001", true), (" gzip ; q=1 ", true), ("gzip;q=0", false), ("gzip; q=0.0", false),
        ("identity", false), ("br, deflate", false), ("", false), ("gzipped", false), ("*;q=0", false),
    ])
    func acceptEncodingIsReadAsRFC9110Says(_ header: String, _ accepted: Bool) {
        #expect(Dashboard.acceptsGzip([header]) == accepted)
    }

    @Test func acceptEncodingOverSeveralHeaderLinesCounts() {
        #expect(Dashboard.acceptsGzip(["br", "gzip;q=0.5"]))
        #expect(!Dashboard.acceptsGzip(["br", "identity"]))
        #expect(!Dashboard.acceptsGzip([]))
    }
}
