import Testing
@testable import Dashboard
import Lake

@Suite struct DashboardMetricsTests {
    @Test func newestValuePerStationAsGauges() async throws {
        let lake = try TestLake()
        try lake.batch(station: "a", start: june1) { _ in 21.5 }
        try lake.batch(station: "a", start: june1 + 900_000) { t in t == june1 + 900_000 + 179 * 5000 ? 22.25 : 1 }
        try lake.batch(station: "b", start: june1 + 3_600_000) { _ in -3 }
        let d = Dashboard(view: LakeView(dataRoot: lake.data, healthRoot: nil), now: { june1 + 86_400_000 })
        let r = try await get(d, "/metrics")
        #expect(r.status == 200)
        #expect(r.type == "text/plain; version=0.0.4; charset=utf-8")
        #expect(r.body.contains("""
            # TYPE opensensor_temperature_celsius gauge
            opensensor_temperature_celsius{station="a"} 22.25
            opensensor_temperature_celsius{station="b"} -3

            """))
        #expect(r.body.contains("opensensor_humidity_ratio{station=\"a\"} 0.5\n"))
        // Columns that are null in the newest rows give no series.
        #expect(!r.body.contains("opensensor_pm25"))
        #expect(r.body.contains("opensensor_last_reading_timestamp_seconds{station=\"a\"} \((june1 + 900_000 + 179 * 5000) / 1000)\n"))
        #expect(r.body.contains("opensensor_stations 2\n"))
        #expect(r.body.hasSuffix("\n"))
    }

    @Test func anEmptyLakeServesOnlyItsCount() async throws {
        let lake = try TestLake()
        let d = Dashboard(view: LakeView(dataRoot: lake.data, healthRoot: nil), now: { june1 })
        let r = try await get(d, "/metrics")
        #expect(r.status == 200)
        #expect(r.body.contains("opensensor_stations 0\n"))
        #expect(!r.body.contains("opensensor_temperature_celsius"))
    }
}
