// What a station page shows: the charts, their columns and units, and the big numbers at the top.
// Units follow the collector's columns (docs/ARCHITECTURE.md §2): gas resistances in kΩ (the Python
// collector divides the Pimoroni ohms by 1000), particle counts per 0.1 L of air (PMS5003
// datasheet, "number of particles beyond N µm in 0.1 L of air").

public import Lake

/// One chart: an id for URLs and element ids, a title, a unit and its columns with labels.
public struct ChartDefinition: Sendable, Equatable {
    public var id: String
    public var title: String
    public var unit: String
    public var kind: LakeKind
    public var columns: [(name: String, label: String)]
    /// Counts and concentrations start at zero; temperatures and pressures do not.
    public var includeZero: Bool

    public static func == (a: Self, b: Self) -> Bool {
        a.id == b.id && a.title == b.title && a.unit == b.unit && a.kind == b.kind && a.includeZero == b.includeZero
            && a.columns.map(\.name) == b.columns.map(\.name) && a.columns.map(\.label) == b.columns.map(\.label)
    }
}

/// A number at the top of a station page.
public struct Headline: Sendable, Equatable {
    public var column: String
    public var label: String
    public var unit: String
    public var decimals: Int
}

public enum Catalog {
    public static let sensorCharts: [ChartDefinition] = [
        .init(id: "temperature", title: "Temperature", unit: "°C", kind: .data,
              columns: [("temperature", "Compensated"), ("raw_temperature", "Raw")], includeZero: false),
        .init(id: "humidity", title: "Humidity", unit: "%", kind: .data,
              columns: [("humidity", "Compensated"), ("raw_humidity", "Raw")], includeZero: false),
        .init(id: "pressure", title: "Pressure", unit: "hPa", kind: .data, columns: [("pressure", "Pressure")], includeZero: false),
        .init(id: "gas", title: "Gas resistance", unit: "kΩ", kind: .data,
              columns: [("oxidised", "Oxidising"), ("reducing", "Reducing"), ("nh3", "NH3")], includeZero: true),
        .init(id: "light", title: "Light", unit: "lux", kind: .data, columns: [("lux", "Light")], includeZero: true),
        .init(id: "proximity", title: "Proximity", unit: "", kind: .data, columns: [("proximity", "Proximity")], includeZero: true),
        .init(id: "pm", title: "Particulate matter", unit: "µg/m³", kind: .data,
              columns: [("pm1", "PM1"), ("pm25", "PM2.5"), ("pm10", "PM10")], includeZero: true),
        .init(id: "particles", title: "Particle counts", unit: "/0.1 L", kind: .data,
              columns: [("particles_03um", "> 0.3 µm"), ("particles_05um", "> 0.5 µm"), ("particles_10um", "> 1.0 µm"),
                        ("particles_25um", "> 2.5 µm"), ("particles_50um", "> 5.0 µm"), ("particles_100um", "> 10 µm")],
              includeZero: true),
    ]

    public static let healthCharts: [ChartDefinition] = [
        .init(id: "cpu-temp", title: "CPU temperature", unit: "°C", kind: .health, columns: [("cpu_temp_c", "CPU")], includeZero: false),
        .init(id: "load", title: "CPU load", unit: "", kind: .health,
              columns: [("cpu_load_1min", "1 min"), ("cpu_load_5min", "5 min"), ("cpu_load_15min", "15 min")], includeZero: true),
        .init(id: "memory", title: "Memory used", unit: "%", kind: .health, columns: [("memory_percent_used", "Used")], includeZero: true),
        .init(id: "disk", title: "Disk free", unit: "GB", kind: .health, columns: [("disk_free_gb", "Free")], includeZero: true),
        .init(id: "wifi", title: "Wi-Fi signal", unit: "dBm", kind: .health, columns: [("wifi_signal_dbm", "Signal")], includeZero: false),
        .init(id: "ntp", title: "Clock offset", unit: "ms", kind: .health, columns: [("ntp_offset_ms", "NTP offset")], includeZero: true),
    ]

    public static let headlines: [Headline] = [
        .init(column: "temperature", label: "Temperature", unit: "°C", decimals: 1),
        .init(column: "humidity", label: "Humidity", unit: "%", decimals: 1),
        .init(column: "pressure", label: "Pressure", unit: "hPa", decimals: 1),
        .init(column: "pm25", label: "PM2.5", unit: "µg/m³", decimals: 0),
        .init(column: "pm10", label: "PM10", unit: "µg/m³", decimals: 0),
        .init(column: "lux", label: "Light", unit: "lux", decimals: 0),
        .init(column: "oxidised", label: "Oxidising", unit: "kΩ", decimals: 1),
        .init(column: "reducing", label: "Reducing", unit: "kΩ", decimals: 0),
        .init(column: "nh3", label: "NH3", unit: "kΩ", decimals: 0),
    ]

    /// Every column a page of `kind` reads, in chart order, once.
    public static func columns(_ kind: LakeKind) -> [String] {
        var seen = Set<String>()
        return (kind == .data ? sensorCharts : healthCharts).flatMap { $0.columns.map(\.name) }.filter { seen.insert($0).inserted }
    }

    public static func chart(_ id: String) -> ChartDefinition? {
        (sensorCharts + healthCharts).first { $0.id == id }
    }
}
