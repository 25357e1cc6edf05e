// Readings a damaged or failing sensor makes, left out of averages unless asked for. The ranges
// are those OpenSensor.Space applies to the network's data (docs/ARCHITECTURE.md §2): a PMS5003
// whose fan or laser has failed reports the same number for PM1, PM2.5 and PM10, or thousands of
// µg/m³; a MICS6814 with a broken heater reads negative or open-circuit resistances; the rest
// are the sensors' datasheet measuring ranges (BME280: −40…85 °C, 0–100 %, 300–1100 hPa;
// LTR559: 0–64,000 lux, an 11-bit proximity count).
//
// A rule leaves out values, not readings: a failed particle sensor does not take the
// temperature of the same row with it. A reading counts as "left out" when any value the
// question asked for was.

/// The plausibility rules of the sensor lake's columns.
public enum Plausibility {
    /// A column's plausible range, both ends included.
    static let ranges: [String: ClosedRange<Double>] = [
        "temperature": -40...85, "raw_temperature": -40...85,
        "humidity": 0...100, "raw_humidity": 0...100,
        "pressure": 300...1100,
        "oxidised": 0...10_000, "reducing": 0...10_000, "nh3": 0...10_000,
        "lux": 0...64_000,
        "proximity": 0...2047,
    ]

    /// The particulate columns judged together: all three equal and above zero is a stuck
    /// sensor; any above `particulateCeiling` µg/m³ is not air.
    public static let particulate = ["pm1", "pm25", "pm10"]
    static let particulateCeiling = 1000.0

    /// Whether any rule reads `column`.
    public static func applies(to column: String) -> Bool {
        ranges[column] != nil || particulate.contains(column)
    }

    /// Whether `value` of `column` is plausible on its own (the particulate rule needs the
    /// row: see ``particulateImplausible(_:_:_:)``). NaN is not judged.
    public static func plausible(_ column: String, _ value: Double) -> Bool {
        guard let range = ranges[column] else { return true }
        return value.isNaN || range.contains(value)
    }

    /// Whether a row's PM1, PM2.5 and PM10 (any of them missing: nil) are a failed sensor's.
    public static func particulateImplausible(_ pm1: Double?, _ pm25: Double?, _ pm10: Double?) -> Bool {
        if let pm1, let pm25, let pm10, pm1 == pm25, pm25 == pm10, pm1 > 0 { return true }
        return [pm1, pm25, pm10].contains { ($0 ?? 0) > particulateCeiling }
    }

    /// A row's values by column name (nil: null or not asked), and which of them a rule leaves
    /// out.
    public static func implausibleColumns(_ row: [String: Double]) -> Set<String> {
        var out = Set<String>()
        for (name, value) in row where !plausible(name, value) { out.insert(name) }
        if particulateImplausible(row["pm1"], row["pm25"], row["pm10"]) {
            for name in particulate where row[name] != nil { out.insert(name) }
        }
        return out
    }
}
