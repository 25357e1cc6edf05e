// The gauge of each sensor column (docs/ARCHITECTURE.md §2), shared by `start`'s /metrics and the
// dashboard's, so both name a measurement alike.
//
// Names follow Prometheus's conventions: the unit in the name, base units where the lake's unit
// is a decimal multiple of one (pressure hPa → pascals, gas resistance kΩ → ohms, humidity % →
// ratio, µg/m³ → g/m³: promtool's lint refuses micrograms). Particle counts are per 0.1 L (a
// deciliter), as the PMS5003 counts them.

/// One sensor column as a gauge.
public struct MeasurementGauge: Sendable, Equatable {
    /// The column of the sensor schema.
    public var column: String
    /// The metric name.
    public var name: String
    public var help: String
    /// What the column's value is multiplied by to give the metric's unit.
    public var scale: Double

    public init(column: String, name: String, help: String, scale: Double = 1) {
        self.column = column
        self.name = name
        self.help = help
        self.scale = scale
    }

    /// Every column but the timestamp, in the schema's order.
    public static let all: [MeasurementGauge] = [
        .init(column: "temperature", name: "opensensor_temperature_celsius",
              help: "Air temperature, compensated for the CPU's heat (BME280)."),
        .init(column: "raw_temperature", name: "opensensor_raw_temperature_celsius",
              help: "Air temperature as the BME280 measures it, uncompensated."),
        .init(column: "pressure", name: "opensensor_pressure_pascals", help: "Air pressure (BME280).", scale: 100),
        .init(column: "humidity", name: "opensensor_humidity_ratio",
              help: "Relative humidity as a ratio 0-1, compensated for the CPU's heat (BME280).", scale: 0.01),
        .init(column: "raw_humidity", name: "opensensor_raw_humidity_ratio",
              help: "Relative humidity as a ratio 0-1 as the BME280 measures it, uncompensated.", scale: 0.01),
        .init(column: "oxidised", name: "opensensor_gas_oxidising_ohms",
              help: "Resistance of the MICS6814's oxidising gas sensor.", scale: 1000),
        .init(column: "reducing", name: "opensensor_gas_reducing_ohms",
              help: "Resistance of the MICS6814's reducing gas sensor.", scale: 1000),
        .init(column: "nh3", name: "opensensor_gas_nh3_ohms", help: "Resistance of the MICS6814's NH3 sensor.", scale: 1000),
        .init(column: "lux", name: "opensensor_illuminance_lux", help: "Illuminance (LTR559)."),
        .init(column: "proximity", name: "opensensor_proximity", help: "Proximity in the LTR559's raw counts."),
        .init(column: "pm1", name: "opensensor_pm1_grams_per_cubic_meter", help: "PM1.0 mass concentration (PMS5003).", scale: 1e-6),
        .init(column: "pm25", name: "opensensor_pm25_grams_per_cubic_meter", help: "PM2.5 mass concentration (PMS5003).", scale: 1e-6),
        .init(column: "pm10", name: "opensensor_pm10_grams_per_cubic_meter", help: "PM10 mass concentration (PMS5003).", scale: 1e-6),
        .init(column: "particles_03um", name: "opensensor_particles_03um_per_deciliter",
              help: "Particles larger than 0.3 um per 0.1 L of air (PMS5003)."),
        .init(column: "particles_05um", name: "opensensor_particles_05um_per_deciliter",
              help: "Particles larger than 0.5 um per 0.1 L of air (PMS5003)."),
        .init(column: "particles_10um", name: "opensensor_particles_10um_per_deciliter",
              help: "Particles larger than 1.0 um per 0.1 L of air (PMS5003)."),
        .init(column: "particles_25um", name: "opensensor_particles_25um_per_deciliter",
              help: "Particles larger than 2.5 um per 0.1 L of air (PMS5003)."),
        .init(column: "particles_50um", name: "opensensor_particles_50um_per_deciliter",
              help: "Particles larger than 5.0 um per 0.1 L of air (PMS5003)."),
        .init(column: "particles_100um", name: "opensensor_particles_100um_per_deciliter",
              help: "Particles larger than 10 um per 0.1 L of air (PMS5003)."),
    ]

    /// The gauges of the newest reading of each station: `values(station)` gives the row's
    /// values by column (nil or absent: that sensor gave nothing, and the station has no sample
    /// in that family). Families with no sample at all are left out.
    public static func families(stations: [String], values: (String) -> [String: Float]) -> [MetricFamily] {
        var families = all.map { MetricFamily($0.name, .gauge, help: $0.help) }
        for station in stations {
            let row = values(station)
            for (i, gauge) in all.enumerated() {
                guard let v = row[gauge.column], v.isFinite else { continue }
                families[i].samples.append(MetricSample(float: v, scale: gauge.scale, labels: [.init("station", station)]))
            }
        }
        return families.filter { !$0.samples.isEmpty }
    }
}
