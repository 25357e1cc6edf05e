// The two schemas of the compatibility contract (docs/ARCHITECTURE.md §2), column for column in the
// Python collector's order. Every column is optional and always present: an absent or
// failing sensor gives nulls, never a missing column.

public import Parquet

public enum LakeSchemas {
    /// Sensor readings: one row per reading, no station id (it lives in the path).
    public static let sensor = Schema(
        [Column("timestamp", .timestampMillisUTC)]
            + ["temperature", "raw_temperature", "pressure", "humidity", "raw_humidity",
               "oxidised", "reducing", "nh3", "lux", "proximity", "pm1", "pm25", "pm10",
               "particles_03um", "particles_05um", "particles_10um", "particles_25um",
               "particles_50um", "particles_100um"].map { Column($0, .float) })

    /// Health metrics, with fixed types where the Python collector infers them per batch.
    public static let health = Schema(
        [Column("timestamp", .timestampMillisUTC)]
            + ["cpu_temp_c", "cpu_load_1min", "cpu_load_5min", "cpu_load_15min", "memory_total_mb",
               "memory_available_mb", "memory_percent_used", "disk_total_gb", "disk_free_gb",
               "disk_percent_used", "wifi_quality_percent", "ntp_offset_ms", "uptime_seconds",
               "battery_percent", "cpu_voltage_v"].map { Column($0, .double) }
            + [Column("wifi_signal_dbm", .int32), Column("clock_synced", .boolean)]
            + ["wifi_ssid", "ip_address", "power_source", "throttled_hex"].map { Column($0, .string) })

    /// The schema called `name` (`sensor` or `health`).
    public static func named(_ name: String) -> Schema? {
        switch name {
        case "sensor": sensor
        case "health": health
        default: nil
        }
    }
}
