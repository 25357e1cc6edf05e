import Foundation
import Testing
@testable import Dashboard
import Lake
import ObjectStore
@testable import Parquet

/// A store that is never reached: every call fails as a bucket out of reach does.
struct UnreachableStore: ObjectStore {
    var description: String { "unreachable" }
    func fail() -> ObjectStoreError { ObjectStoreError(.transient, "connection refused (127.0.0.1:9)") }
    func put(_ path: ObjectPath, bytes: [UInt8], mode: PutMode) async throws -> PutResult { throw fail() }
    func head(_ path: ObjectPath) async throws -> ObjectMeta { throw fail() }
    func get(_ path: ObjectPath, range: ByteRange?) async throws -> GetResult { throw fail() }
    func list(prefix: String, continuation: String?, maxKeys: Int) async throws -> ObjectListPage { throw fail() }
    func delete(_ path: ObjectPath) async throws { throw fail() }
}

@Suite struct NetworkDashboardTests {
    /// Station "a" with a day of readings whose PM is set, "b" with one batch; the lake is
    /// served as a folder and, the same files, as a bucket's prefix.
    func lake() throws -> TestLake {
        let lake = try TestLake()
        for k in 0..<48 { try lake.batch(station: "a", start: june1 + Int64(k) * 900_000) }
        try lake.batch(station: "b", start: june1 + 3_600_000)
        return lake
    }

    func bucket(_ lake: TestLake) throws -> LakeLocation {
        let store = try LocalDirectoryObjectStore(root: lake.root)
        return LakeLocation(source: ObjectStoreLakeSource(store: store, prefix: "out", location: "s3://bucket/out"),
                            daily: ObjectStoreLakeSource(store: store, prefix: "out-daily", location: "s3://bucket/out-daily"))
    }

    static let registry = """
        station_id,station_name,sensor_type,latitude,longitude,station_type,storage_url,description,contributor_name,contributor_url,submitted_at,status
        a,"Roof, north",enviroplus,52.52,13.405,outdoor,s3://bucket/out/station=a/,Berlin,Ana,,2026-01-01,approved
        gone,Cellar,enviroplus,48.1,11.6,indoor,s3://elsewhere/lake/station=gone/,,,,2026-01-02,approved
        """

    func network(_ lake: TestLake) throws -> Dashboard {
        let rows = try StationRegistry.parse(Array(Self.registry.utf8), file: "stations.csv")
        let gone = LakeLocation(source: ObjectStoreLakeSource(store: UnreachableStore(), prefix: "lake", location: "s3://elsewhere/lake", timeout: .seconds(5)), daily: nil)
        return Dashboard(view: LakeView(.network([NetworkStation(registry: rows[0], data: try bucket(lake)), NetworkStation(registry: rows[1], data: gone)]),
                                        location: "stations.csv"), now: { june1 + 12 * 3_600_000 + 120_000 })
    }

    @Test func everyAnswerOverABucketEqualsTheFolders() async throws {
        let lake = try lake()
        let folder = Dashboard(view: LakeView(dataRoot: lake.data, healthRoot: nil), now: { june1 + 12 * 3_600_000 + 120_000 })
        let bucket = Dashboard(view: LakeView(.lake(data: try bucket(lake), health: nil), location: "s3://bucket/out"), now: { june1 + 12 * 3_600_000 + 120_000 })
        for uri in ["/api/stations", "/api/stations?format=csv", "/api/stations/a/latest", "/api/stations/b/latest?format=csv",
                    "/api/stations/a/series?chart=temperature&range=24h", "/api/stations/a/series?columns=humidity,temperature&range=7d&format=csv"] {
            let f = try await get(folder, uri), b = try await get(bucket, uri)
            #expect(f.status == 200 && b.status == 200, "\(uri)")
            #expect(f.body == b.body, "\(uri)")
        }
        let page = try await get(bucket, "/stations/a?range=24h")
        #expect(page.status == 200 && page.body.contains("data-column=\"temperature\""))
    }

    @Test func aRegistryStationOutOfReachIsListedWithItsReason() async throws {
        let lake = try lake()
        let d = try network(lake)
        let front = try await get(d, "/")
        #expect(front.status == 200)
        #expect(front.body.contains("Roof, north") && front.body.contains("52.5200, 13.4050 · Berlin"))
        #expect(front.body.contains("unavailable: ") && front.body.contains("connection refused"))
        #expect(!front.body.contains(">b<"), "only the registry's stations are served")
        let json = try await get(d, "/api/stations")
        let lines = json.body.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].contains("\"station\":\"a\",\"name\":\"Roof, north\",\"latitude\":52.52") && lines[0].contains("\"unavailable\":null"))
        #expect(lines[1].contains("\"station\":\"gone\"") && lines[1].contains("connection refused"))
        #expect(try await get(d, "/api/stations/gone/latest").status == 502)
        #expect(try await get(d, "/api/stations/b/latest").status == 404)
        let station = try await get(d, "/stations/a?range=24h")
        #expect(station.status == 200 && station.body.contains("<h1>Roof, north <code class=\"id\">a</code></h1>"))
    }

    @Test func theFrontPageShowsPMAndTheWorseAQI() async throws {
        let lake = try TestLake()
        // PM2.5 40 (unhealthy for sensitive groups), PM10 30 (good): the worse wins.
        let times = (0..<3).map { june1 + Int64($0) * 5000 }
        let columns: [ColumnValues] = LakeSchemas.sensor.columns.map { c in
            switch c.name {
            case "timestamp": .int64(times)
            case "pm1": .float([10, 10, 10])
            case "pm25": .float([40, 40, 40])
            case "pm10": .float([30, 30, 30])
            default: .float([nil, nil, nil])
            }
        }
        try lake.write(LakeSchemas.sensor, columns, root: lake.data, station: "s", first: june1, prefix: "data", attempt: 0)
        let d = Dashboard(view: LakeView(dataRoot: lake.data, healthRoot: nil), now: { june1 + 60_000 })
        let front = try await get(d, "/")
        #expect(front.body.contains("class=\"aqi aqi-2\" data-aqi=\"112\">112 · Unhealthy for sensitive groups"))
        let csv = try await get(d, "/api/stations?format=csv")
        #expect(csv.body.contains(",40.0,30.0,112,Unhealthy for sensitive groups,"))
    }

    @Test func implausibleReadingsAreLeftOutAndCountedOnThePage() async throws {
        let lake = try TestLake()
        // Every other reading 99 °C: implausible.
        try lake.batch(station: "s", start: june1, value: { ($0 / 5000) % 2 == 0 ? 20 : 99 })
        let d = Dashboard(view: LakeView(dataRoot: lake.data, healthRoot: nil), now: { june1 + 1_800_000 })
        let page = try await get(d, "/stations/s?range=1h")
        #expect(page.body.contains("data-implausible=\"90\">90 readings had values outside"))
        let judged = try await get(d, "/api/stations/s/series?columns=temperature&range=1h&format=csv")
        let kept = try await get(d, "/api/stations/s/series?columns=temperature&range=1h&format=csv&keep_implausible=1")
        #expect(judged.body.contains(",20.0,20.0,20.0") && !judged.body.contains("99"))
        #expect(kept.body.contains(",59.5,20.0,99.0"))
        #expect(try await get(d, "/api/stations/s/series?columns=temperature&keep_implausible=maybe").status == 400)
    }
}
