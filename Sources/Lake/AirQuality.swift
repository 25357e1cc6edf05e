// The US EPA Air Quality Index of particulate matter, with the breakpoints of the 2024 revision
// (40 CFR part 58, appendix G, as revised in February 2024: the PM2.5 "good" band ends at 9.0
// µg/m³). Concentrations are truncated as the rule says — PM2.5 to 0.1 µg/m³, PM10 to 1 µg/m³ —
// before they are placed in a band; the index is the linear interpolation within it. The EPA
// applies the index to 24-hour averages; a dashboard shows it for the newest reading, as the
// network's own pages do, and says so.

/// An AQI category, from the best to the worst.
public enum AQICategory: Int, Sendable, Comparable, CaseIterable {
    case good, moderate, unhealthyForSensitiveGroups, unhealthy, veryUnhealthy, hazardous

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    public var name: String {
        switch self {
        case .good: "Good"
        case .moderate: "Moderate"
        case .unhealthyForSensitiveGroups: "Unhealthy for sensitive groups"
        case .unhealthy: "Unhealthy"
        case .veryUnhealthy: "Very unhealthy"
        case .hazardous: "Hazardous"
        }
    }

    /// The EPA's colour of the category, as RGB.
    public var rgb: (red: UInt8, green: UInt8, blue: UInt8) {
        switch self {
        case .good: (0, 228, 0)
        case .moderate: (255, 255, 0)
        case .unhealthyForSensitiveGroups: (255, 126, 0)
        case .unhealthy: (255, 0, 0)
        case .veryUnhealthy: (143, 63, 151)
        case .hazardous: (126, 0, 35)
        }
    }
}

/// An index value and its category.
public struct AQI: Sendable, Equatable {
    public var index: Int
    public var category: AQICategory
}

public enum AirQuality {
    /// (concentration low, high) → (index low, high), by category; the last band is open above.
    static let pm25: [(ClosedRange<Double>, ClosedRange<Double>)] = [
        (0...9.0, 0...50), (9.1...35.4, 51...100), (35.5...55.4, 101...150),
        (55.5...125.4, 151...200), (125.5...225.4, 201...300), (225.5...325.4, 301...500),
    ]
    static let pm10: [(ClosedRange<Double>, ClosedRange<Double>)] = [
        (0...54, 0...50), (55...154, 51...100), (155...254, 101...150),
        (255...354, 151...200), (355...424, 201...300), (425...604, 301...500),
    ]

    /// The AQI of a PM2.5 concentration in µg/m³; nil for a negative or non-finite one.
    public static func pm25(_ concentration: Double) -> AQI? {
        index((concentration * 10).rounded(.down) / 10, pm25)
    }

    /// The AQI of a PM10 concentration in µg/m³; nil for a negative or non-finite one.
    public static func pm10(_ concentration: Double) -> AQI? {
        index(concentration.rounded(.down), pm10)
    }

    /// The worse of the two, as the AQI of a place is its worst pollutant's.
    public static func combined(pm25 a: Double?, pm10 b: Double?) -> AQI? {
        let both = [a.flatMap(pm25), b.flatMap(pm10)].compactMap { $0 }
        return both.max { $0.index < $1.index }
    }

    static func index(_ c: Double, _ table: [(ClosedRange<Double>, ClosedRange<Double>)]) -> AQI? {
        guard c.isFinite, c >= 0 else { return nil }
        for (k, (conc, aqi)) in table.enumerated() where c <= conc.upperBound {
            // Between two bands (9.05 truncates to 9.0, so only a gap in a table could land here).
            let lo = max(conc.lowerBound, min(c, conc.upperBound))
            let i = (aqi.upperBound - aqi.lowerBound) / (conc.upperBound - conc.lowerBound) * (lo - conc.lowerBound) + aqi.lowerBound
            return AQI(index: Int(i.rounded()), category: AQICategory(rawValue: k)!)
        }
        // Above the table: hazardous, the index continuing along the last band's slope.
        let (conc, aqi) = table[table.count - 1]
        let i = (aqi.upperBound - aqi.lowerBound) / (conc.upperBound - conc.lowerBound) * (c - conc.lowerBound) + aqi.lowerBound
        return AQI(index: Int(i.rounded()), category: .hazardous)
    }
}
