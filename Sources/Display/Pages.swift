public import Lake

/// The US EPA's air quality categories (2024 breakpoints), as the lake's AQI defines them
/// (Sources/Lake/AirQuality.swift): the screen colours PM2.5 by its category, as the dashboard does.
public typealias AirQualityBand = AQICategory

extension AQICategory {
    /// The category of `pm25` µg/m³ (a negative reading counts as zero; the EPA truncates to
    /// one decimal, so 9.04 is good and 9.1 moderate).
    public init(pm25: Double) {
        self = AirQuality.pm25(max(0, pm25))?.category ?? .good
    }

    /// The EPA's colour for the category.
    public var color: Color {
        let (r, g, b) = rgb
        return Color(red: r, green: g, blue: b)
    }

    /// A short name that fits the screen.
    public var label: String {
        switch self {
        case .good: "GOOD"
        case .moderate: "MODERATE"
        case .unhealthyForSensitiveGroups: "USG"
        case .unhealthy: "UNHEALTHY"
        case .veryUnhealthy: "V UNHEALTHY"
        case .hazardous: "HAZARDOUS"
        }
    }
}

/// One screen of the display.
public enum Page: Int, Sendable, CaseIterable {
    case temperature, humidity, pressure, pm25, gas, light

    /// The page after this one, wrapping round.
    public var next: Page { Page(rawValue: (rawValue + 1) % Page.allCases.count)! }

    var title: String {
        switch self {
        case .temperature: "TEMPERATURE"
        case .humidity: "HUMIDITY"
        case .pressure: "PRESSURE"
        case .pm25: "PM2.5"
        case .gas: "GAS"
        case .light: "LIGHT"
        }
    }

    var unit: String {
        switch self {
        case .temperature: "°C"
        case .humidity: "%"
        case .pressure: "HPA"
        case .pm25: "UG/M3"
        case .gas: "KOHM"
        case .light: "LUX"
        }
    }
}

/// Draws pages into a frame buffer. Layout of a single-value page (160×80): the title and unit
/// on the top line (×1), the value large (×4, 28 px high; "1013.2" is 140 px wide), and the
/// last hour's sparkline in the bottom 24 rows. The gas page has three rows of name, value and
/// a sparkline each.
public enum PageRenderer {
    static let accent: [Page: Color] = [
        .temperature: Color(red: 255, green: 150, blue: 60),
        .humidity: Color(red: 80, green: 170, blue: 255),
        .pressure: Color(red: 190, green: 190, blue: 255),
        .light: Color(red: 255, green: 220, blue: 90),
    ]
    static let gasColors: [Quantity: Color] = [
        .oxidised: Color(red: 255, green: 110, blue: 110),
        .reducing: Color(red: 120, green: 230, blue: 120),
        .nh3: Color(red: 200, green: 140, blue: 255),
    ]

    /// Draws `page` for `values`, with sparklines from `history` over the hour ending at
    /// `values.timestamp`.
    public static func render(_ page: Page, values: DisplayValues, history: History, into frame: inout Framebuffer) {
        frame.fill(.black)
        header(page, into: &frame)
        switch page {
        case .temperature: single(page, .temperature, values, history, digits: 1, color: accent[page]!, into: &frame)
        case .humidity: single(page, .humidity, values, history, digits: 1, color: accent[page]!, into: &frame)
        case .pressure: single(page, .pressure, values, history, digits: 1, color: accent[page]!, into: &frame)
        case .light:
            let digits = (values.lux ?? 0) < 100 ? 1 : 0
            single(page, .lux, values, history, digits: digits, color: accent[page]!, into: &frame)
        case .pm25:
            let band = values.pm25.map(AirQualityBand.init(pm25:))
            let color = band?.color ?? .grey
            single(page, .pm25, values, history, digits: 1, color: color, into: &frame)
            if let band {
                frame.text(band.label, x: Framebuffer.width - 2 - Framebuffer.textWidth(band.label), y: 12, color)
            }
        case .gas:
            for (row, (q, name)) in [(Quantity.oxidised, "OX"), (.reducing, "RED"), (.nh3, "NH3")].enumerated() {
                let y = 12 + row * 23
                let color = gasColors[q]!
                frame.text(name, x: 2, y: y + 4, .grey)
                frame.text(format(values[q], digits: 1), x: 26, y: y, scale: 2, color)
                sparkline(history.series(q, endingAt: values.timestamp), x: 100, y: y, width: 58, height: 16, color, into: &frame)
            }
        }
    }

    private static func header(_ page: Page, into frame: inout Framebuffer) {
        frame.text(page.title, x: 2, y: 2, .white)
        frame.text(page.unit, x: Framebuffer.width - 2 - Framebuffer.textWidth(page.unit), y: 2, .grey)
        frame.fillRect(x: 0, y: 10, width: Framebuffer.width, height: 1, .darkGrey)
    }

    private static func single(
        _ page: Page, _ q: Quantity, _ values: DisplayValues, _ history: History, digits: Int, color: Color, into frame: inout Framebuffer
    ) {
        let text = format(values[q], digits: digits)
        // Drop to ×3 for a value too wide at ×4 (a 6-digit lux reading).
        let scale = Framebuffer.textWidth(text, scale: 4) <= Framebuffer.width - 4 ? 4 : 3
        frame.text(text, x: 2, y: 16, scale: scale, color)
        sparkline(history.series(q, endingAt: values.timestamp), x: 0, y: 54, width: Framebuffer.width, height: 24, color, into: &frame)
    }

    /// The series as a line scaled to its own minimum and maximum (a flat series sits in the
    /// middle), gaps left open, over a dim baseline.
    static func sparkline(_ series: [Double?], x: Int, y: Int, width: Int, height: Int, _ color: Color, into frame: inout Framebuffer) {
        frame.fillRect(x: x, y: y + height - 1, width: width, height: 1, .darkGrey)
        let present = series.compactMap { $0 }
        guard let lo = present.min(), let hi = present.max() else { return }
        let n = series.count
        func point(_ i: Int, _ v: Double) -> (Int, Int) {
            let px = x + (n > 1 ? i * (width - 1) / (n - 1) : 0)
            let t = hi > lo ? (v - lo) / (hi - lo) : 0.5
            return (px, y + (height - 2) - Int((t * Double(height - 2)).rounded()))
        }
        var previous: (Int, Int)?
        for (i, v) in series.enumerated() {
            guard let v else { previous = nil; continue }
            let p = point(i, v)
            if let q = previous { frame.line(x0: q.0, y0: q.1, x1: p.0, y1: p.1, color) } else { frame.plot(x: p.0, y: p.1, color) }
            previous = p
        }
    }

    /// `value` with `digits` decimals (0 or 1), "--" when there is none. By hand rather than
    /// through Foundation, which the station's binary does not link for this.
    public static func format(_ value: Double?, digits: Int) -> String {
        guard let value, value.isFinite, abs(value) < 1e9 else { return "--" }
        let factor = digits > 0 ? 10.0 : 1.0
        let scaled = Int64((abs(value) * factor).rounded())
        let sign = value < 0 && scaled != 0 ? "-" : ""
        if digits > 0 { return "\(sign)\(scaled / 10).\(scaled % 10)" }
        return "\(sign)\(scaled)"
    }
}
