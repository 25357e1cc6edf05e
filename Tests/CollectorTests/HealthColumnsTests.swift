import Foundation
import CivilTime
import Config
import DurableFiles
import TestSupport
import Testing
import Lake
import Parquet
import Collector

@Suite struct HealthColumnsTests {
    /// A sample with a distinct value in every field, so a misplaced column shows.
    static func distinct(_ t: Int64) -> HealthSample {
        var s = HealthSample(timestamp: t)
        s.cpuTempC = 1; s.cpuLoad1min = 2; s.cpuLoad5min = 3; s.cpuLoad15min = 4
        s.memoryTotalMB = 5; s.memoryAvailableMB = 6; s.memoryPercentUsed = 7
        s.diskTotalGB = 8; s.diskFreeGB = 9; s.diskPercentUsed = 10
        s.wifiQualityPercent = 11; s.ntpOffsetMs = 12; s.uptimeSeconds = 13
        s.batteryPercent = 14; s.cpuVoltageV = 15
        s.wifiSignalDbm = -16; s.clockSynced = true
        s.wifiSSID = "ssid"; s.ipAddress = "10.1.2.3"; s.powerSource = "mains"; s.throttledHex = "0x0"
        return s
    }

    static func kind(_ values: ColumnValues) -> ColumnType {
        switch values {
        case .boolean: .boolean
        case .int32: .int32
        case .int64: .int64
        case .float: .float
        case .double: .double
        case .string: .string
        }
    }

    @Test func columnsHaveTheSchemaTypesInOrder() {
        let columns = HealthSample.columns([Self.distinct(5), HealthSample(timestamp: 6)])
        let schema = LakeSchemas.health
        #expect(columns.count == schema.columns.count)
        for (column, values) in zip(schema.columns, columns) {
            let expected: ColumnType = column.type == .timestampMillisUTC ? .int64 : column.type
            #expect(Self.kind(values) == expected, "column \(column.name)")
            #expect(values.count == 2, "column \(column.name)")
        }
    }

    @Test(arguments: [
        ("timestamp", ColumnValues.int64([5])), ("cpu_temp_c", .double([1])), ("cpu_load_1min", .double([2])),
        ("cpu_load_5min", .double([3])), ("cpu_load_15min", .double([4])), ("memory_total_mb", .double([5])),
        ("memory_available_mb", .double([6])), ("memory_percent_used", .double([7])), ("disk_total_gb", .double([8])),
        ("disk_free_gb", .double([9])), ("disk_percent_used", .double([10])), ("wifi_quality_percent", .double([11])),
        ("ntp_offset_ms", .double([12])), ("uptime_seconds", .double([13])), ("battery_percent", .double([14])),
        ("cpu_voltage_v", .double([15])), ("wifi_signal_dbm", .int32([-16])), ("clock_synced", .boolean([true])),
        ("wifi_ssid", .string(["ssid"])), ("ip_address", .string(["10.1.2.3"])), ("power_source", .string(["mains"])),
        ("throttled_hex", .string(["0x0"])),
    ])
    func eachFieldLandsInItsNamedColumn(name: String, expected: ColumnValues) throws {
        let index = try #require(LakeSchemas.health.index(of: name))
        #expect(HealthSample.columns([Self.distinct(5)])[index] == expected)
    }

    @Test func roundTripThroughParquet() throws {
        var partial = HealthSample(timestamp: 1_764_400_120_000)
        partial.cpuLoad1min = 0.5
        partial.clockSynced = false
        partial.wifiSSID = "café ☕"
        let samples = [Self.distinct(1_764_400_000_000), HealthSample(timestamp: 1_764_400_060_000), partial]
        let columns = HealthSample.columns(samples)
        var writer = ParquetWriter(schema: LakeSchemas.health)
        try writer.write(columns)
        let bytes = writer.finish()
        let metadata = try FileMetaData.read(fileBytes: bytes)
        #expect(metadata.numRows == 3)
        for index in columns.indices {
            let read = try ParquetFile.readColumn(bytes, metadata: metadata, rowGroup: 0, column: index)
            #expect(read == columns[index], "column \(LakeSchemas.health.columns[index].name)")
        }
    }
}
