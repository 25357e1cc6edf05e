// The measurements a person looks at first, as text: `status` prints them one per line, `start`'s
// status line on a terminal in one short run. One table, so both name and round them alike.

import Lake

/// The headline measurements of a reading, and their text.
public enum ReadingText {
    /// One measurement: its column of the sensor schema, what a person calls it, its unit (the
    /// lake's) and how many decimals are worth showing.
    public struct Field: Sendable, Equatable {
        public var column: String
        public var label: String
        public var unit: String
        public var decimals: Int
    }

    /// Temperature, humidity, pressure, PM2.5, PM10, light and the three gas resistances.
    public static let fields: [Field] = [
        Field(column: "temperature", label: "temperature", unit: "°C", decimals: 1),
        Field(column: "humidity", label: "humidity", unit: "%", decimals: 1),
        Field(column: "pressure", label: "pressure", unit: "hPa", decimals: 1),
        Field(column: "pm25", label: "PM2.5", unit: "µg/m³", decimals: 0),
        Field(column: "pm10", label: "PM10", unit: "µg/m³", decimals: 0),
        Field(column: "lux", label: "light", unit: "lux", decimals: 0),
        Field(column: "oxidised", label: "oxidising gas", unit: "kΩ", decimals: 1),
        Field(column: "reducing", label: "reducing gas", unit: "kΩ", decimals: 1),
        Field(column: "nh3", label: "NH3 gas", unit: "kΩ", decimals: 1),
    ]

    /// Each field with its value as text ("21.3 °C"), or "–" when the sensor gave none.
    public static func values(_ value: (String) -> Double?) -> [(field: Field, text: String)] {
        fields.map { f in (f, value(f.column).map { fixed($0, decimals: f.decimals) + " " + f.unit } ?? "–") }
    }

    /// The fields of `reading`.
    public static func values(_ reading: Reading) -> [(field: Field, text: String)] {
        values { reading.value(named: $0).map(Double.init) }
    }

    /// One short run for a status line: "21.3 °C 45.2 % 1013.2 hPa PM2.5 3 PM10 5 µg/m³ 120 lux";
    /// a measurement the reading lacks is left out.
    public static func compact(_ reading: Reading) -> String {
        var parts: [String] = []
        for f in fields.prefix(6) {
            guard let v = reading.value(named: f.column) else { continue }
            let number = fixed(Double(v), decimals: f.decimals)
            switch f.column {
            case "pm25": parts.append("PM2.5 " + number)
            case "pm10": parts.append("PM10 " + number + " µg/m³")
            default: parts.append(number + " " + f.unit)
            }
        }
        // PM2.5 alone still needs its unit.
        if reading.value(named: "pm25") != nil, reading.value(named: "pm10") == nil, let i = parts.firstIndex(where: { $0.hasPrefix("PM2.5") }) {
            parts[i] += " µg/m³"
        }
        return parts.isEmpty ? "no sensor answered" : parts.joined(separator: " ")
    }

    /// `v` rounded half away from zero to `decimals` places, always with that many: "21.3",
    /// "1013.0", "0.0" (never "-0.0").
    public static func fixed(_ v: Double, decimals: Int) -> String {
        guard v.isFinite else { return "\(v)" }
        var scale = 1.0
        for _ in 0..<max(0, decimals) { scale *= 10 }
        let scaled = (abs(v) * scale).rounded(.toNearestOrAwayFromZero)
        guard scaled < 9e15 else { return "\(v)" }
        let units = Int64(scaled), divisor = Int64(scale)
        let sign = v < 0 && units != 0 ? "-" : ""
        guard decimals > 0 else { return sign + "\(units)" }
        var fraction = "\(units % divisor)"
        while fraction.count < decimals { fraction = "0" + fraction }
        return sign + "\(units / divisor)." + fraction
    }
}

extension Reading {
    /// The value columns of the sensor schema, in the order of `values`.
    public static let valueColumns: [String] = Array(LakeSchemas.sensor.columns.dropFirst().map(\.name))

    /// The value of column `name` (nil for a null, and for a name the schema lacks): how a
    /// dashboard asks for a column by name.
    public func value(named name: String) -> Float? {
        guard let i = Self.valueColumns.firstIndex(of: name) else { return nil }
        return values[i]
    }
}
