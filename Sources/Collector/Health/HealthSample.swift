// One row of the health table (docs/ARCHITECTURE.md §2, "Health schema"): the Python collector's column
// names with fixed types, so a field that could not be read is a null, never a changed type.

public import Parquet
import CivilTime
import Config
import DurableFiles

/// The device's health at one moment. Every field but the timestamp is optional: a source that
/// is missing or unreadable on this machine gives `nil`, written as a null.
public struct HealthSample: Sendable, Equatable {
    /// Milliseconds since the Unix epoch, UTC.
    public var timestamp: Int64
    /// SoC temperature, °C.
    public var cpuTempC: Double?
    /// Load average over 1 minute (runnable + uninterruptible tasks).
    public var cpuLoad1min: Double?
    /// Load average over 5 minutes.
    public var cpuLoad5min: Double?
    /// Load average over 15 minutes.
    public var cpuLoad15min: Double?
    /// MemTotal in MiB (the Python collector's "MB" is kB / 1024).
    public var memoryTotalMB: Double?
    /// MemAvailable in MiB.
    public var memoryAvailableMB: Double?
    /// The share of memory not available, %.
    public var memoryPercentUsed: Double?
    /// Size of the file system holding the output directory, GiB (bytes / 1024³).
    public var diskTotalGB: Double?
    /// Space left on it for unprivileged writers, GiB.
    public var diskFreeGB: Double?
    /// The share of it not available to unprivileged writers, %.
    public var diskPercentUsed: Double?
    /// Link quality of the first wireless interface, % of 70 (see `HealthSampler`).
    public var wifiQualityPercent: Double?
    /// Remaining offset of the kernel clock discipline, ms (see `HealthSampler`).
    public var ntpOffsetMs: Double?
    /// Seconds since boot.
    public var uptimeSeconds: Double?
    /// Battery capacity of a UPS HAT or other power supply, %.
    public var batteryPercent: Double?
    /// SoC core voltage, V.
    public var cpuVoltageV: Double?
    /// Signal level of the first wireless interface, dBm.
    public var wifiSignalDbm: Int32?
    /// Whether the kernel considers the clock synchronised (what `timedatectl` reports).
    public var clockSynced: Bool?
    /// Network name of the wireless interface.
    public var wifiSSID: String?
    /// First IPv4 address of an interface that is up and not loopback.
    public var ipAddress: String?
    /// "mains", "battery" or "under-voltage", as the Python collector names them.
    public var powerSource: String?
    /// The firmware's throttling flags as vcgencmd prints them, e.g. "0x0" or "0x50005".
    public var throttledHex: String?

    /// A sample with only a timestamp; every other field is `nil`.
    public init(timestamp: Int64) {
        self.timestamp = timestamp
    }

    /// The samples as columns in the order and with the types of `LakeSchemas.health`, ready
    /// for `ParquetWriter(schema: LakeSchemas.health).write(_:)`.
    public static func columns(_ samples: [HealthSample]) -> [ColumnValues] {
        func doubles(_ field: (HealthSample) -> Double?) -> ColumnValues { .double(samples.map(field)) }
        func strings(_ field: (HealthSample) -> String?) -> ColumnValues { .string(samples.map(field)) }
        return [
            .int64(samples.map { $0.timestamp }),
            doubles { $0.cpuTempC },
            doubles { $0.cpuLoad1min },
            doubles { $0.cpuLoad5min },
            doubles { $0.cpuLoad15min },
            doubles { $0.memoryTotalMB },
            doubles { $0.memoryAvailableMB },
            doubles { $0.memoryPercentUsed },
            doubles { $0.diskTotalGB },
            doubles { $0.diskFreeGB },
            doubles { $0.diskPercentUsed },
            doubles { $0.wifiQualityPercent },
            doubles { $0.ntpOffsetMs },
            doubles { $0.uptimeSeconds },
            doubles { $0.batteryPercent },
            doubles { $0.cpuVoltageV },
            .int32(samples.map { $0.wifiSignalDbm }),
            .boolean(samples.map { $0.clockSynced }),
            strings { $0.wifiSSID },
            strings { $0.ipAddress },
            strings { $0.powerSource },
            strings { $0.throttledHex },
        ]
    }
}
