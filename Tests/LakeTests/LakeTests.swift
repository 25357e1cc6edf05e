import CivilTime
import Testing
import Parquet
@testable import Lake

@Suite struct SchemaTests {
    @Test func sensorSchemaIsTheContract() {
        // docs/ARCHITECTURE.md §2: this order, all FLOAT but the timestamp, all nullable.
        #expect(LakeSchemas.sensor.columns.map(\.name) == [
            "timestamp", "temperature", "raw_temperature", "pressure", "humidity", "raw_humidity", "oxidised",
            "reducing", "nh3", "lux", "proximity", "pm1", "pm25", "pm10", "particles_03um", "particles_05um",
            "particles_10um", "particles_25um", "particles_50um", "particles_100um"])
        #expect(LakeSchemas.sensor.columns.first?.type == .timestampMillisUTC)
        #expect(LakeSchemas.sensor.columns.dropFirst().allSatisfy { $0.type == .float })
        #expect(LakeSchemas.sensor.columns.allSatisfy { $0.isOptional })
    }

    @Test func healthSchemaHasFixedTypes() {
        let types = Dictionary(uniqueKeysWithValues: LakeSchemas.health.columns.map { ($0.name, $0.type) })
        #expect(LakeSchemas.health.columns.count == 22)
        #expect(types["wifi_signal_dbm"] == .int32 && types["clock_synced"] == .boolean)
        #expect(types["throttled_hex"] == .string && types["cpu_temp_c"] == .double)
        #expect(LakeSchemas.health.columns.last?.name == "throttled_hex")
    }
}

@Suite struct CSVImportTests {
    let schema = Schema([Column("timestamp", .timestampMillisUTC), Column("t", .float), Column("n", .int32),
                         Column("ok", .boolean), Column("s", .string)])

    @Test func readsColumnsInAnyOrderAndFillsMissingOnesWithNull() throws {
        let csv = "s,timestamp,t\r\n\"a, \"\"b\"\"\",2025-06-01T00:00:00.000Z,1.5\n\"\",2025-06-01T00:00:05Z,\n,2025-06-01T00:00:10Z,nan\n"
        let cols = try CSVImport.columns(of: csv, schema: schema)
        #expect(cols[0] == .int64([1_748_736_000_000, 1_748_736_005_000, 1_748_736_010_000]))
        guard case .float(let t) = cols[1] else { Issue.record("t is not float"); return }
        #expect(t[0] == 1.5 && t[1] == nil && t[2]!.isNaN)
        #expect(cols[2] == .int32([nil, nil, nil]) && cols[3] == .boolean([nil, nil, nil]))
        #expect(cols[4] == .string(["a, \"b\"", "", nil]))
    }

    @Test func roundsThroughDoubleLikeThePythonCollector() throws {
        // A decimal between two floats, closer to one of them only after rounding to double.
        let cols = try CSVImport.columns(of: "t\n0.1000000014901161193847656250000001\n", schema: schema)
        #expect(cols[1] == .float([Float(Double("0.1000000014901161193847656250000001")!)]))
    }

    @Test(arguments: [
        ("timestamp,temprature\n", "line 1, column temprature: unknown column"),
        ("t,t\n", "line 1, column t: column appears twice"),
        ("timestamp,t\n2025-06-01T00:00:00Z,1\n2025-06-01T00:00:05Z\n", "line 3: 1 cells, the header has 2"),
        ("t,n\n1,2\n\n3,x\n", "line 4, column n: expected a 32-bit integer, found \"x\""),
        ("t\n1e\n", "line 2, column t: expected a number"),
        ("timestamp\n2025-06-01 00:00\n", "line 2, column timestamp: expected an ISO-8601 UTC time"),
        ("ok\nmaybe\n", "line 2, column ok: expected true or false"),
        ("s\n\"open\n", "line 2: quoted cell is never closed"),
        ("s\n\"a\"b\n", "unexpected character after a closing quote"),
        ("", "line 1: empty input"),
    ])
    func badInputNamesLineAndColumn(csv: String, message: String) {
        #expect { _ = try CSVImport.columns(of: csv, schema: schema) } throws: { "\($0)".contains(message) }
    }
}

@Suite struct LayoutTests {
    @Test func namesAndPartitions() throws {
        let t = try #require(ISO8601.parseMillis("2025-01-05T14:30:00Z"))
        #expect(LakeLayout.partition(station: "abc", millis: t) == "station=abc/year=2025/month=01/day=05")
        #expect(LakeLayout.stem(prefix: "data", boundaryMillis: t + 900_000) == "data_1445")
        #expect(LakeLayout.stem(prefix: "health", boundaryMillis: t + 9 * 3_600_000 + 1_800_000) == "health_0000")
        #expect(LakeLayout.fileName(stem: "data_1445", attempt: 2) == "data_1445-2.parquet")
    }

    @Test func parsing() {
        #expect(LakeLayout.parse("station=abc/year=2025/month=01/day=05/data_1445-2.parquet")
                == .init(station: "abc", year: 2025, month: 1, day: 5, kind: "data", boundaryMinute: 885, attempt: 2))
        #expect(LakeLayout.parse("station=abc/year=2025/month=01/day=05/health_0000.parquet")?.kind == "health")
        for bad in ["station=abc/year=2025/month=1/day=05/data_1445.parquet", "station=/year=2025/month=01/day=05/data_1445.parquet",
                    "station=abc/year=2025/month=01/day=05/data_1460.parquet", "station=abc/year=2025/month=01/day=05/.data_1445.parquet.tmp-1",
                    "station=abc/year=2025/month=01/day=05/data_1445-0.parquet", ".opensensor/readings.journal",
                    "station=abc/year=2025/month=13/day=05/data_1445.parquet", "x/station=abc/year=2025/month=01/day=05/data_1445.parquet"] {
            #expect(LakeLayout.parse(bad) == nil, "\(bad)")
        }
    }
}
