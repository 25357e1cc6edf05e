/// The quantities the pages show.
public enum Quantity: Int, Sendable, CaseIterable {
    case temperature, humidity, pressure, pm25, oxidised, reducing, nh3, lux
}

/// What one reading gives the screen: the compensated values a station owner reads, each nil
/// when its sensor gave none.
public struct DisplayValues: Sendable, Equatable {
    /// When, milliseconds since 1970 UTC.
    public var timestamp: Int64
    /// °C, compensated for the Pi's heat.
    public var temperature: Double?
    /// % relative humidity, compensated.
    public var humidity: Double?
    /// hPa.
    public var pressure: Double?
    /// PM2.5, µg/m³.
    public var pm25: Double?
    /// MICS6814 resistances, kΩ.
    public var oxidised: Double?, reducing: Double?, nh3: Double?
    /// Ambient light, lux.
    public var lux: Double?

    /// Creates values.
    public init(
        timestamp: Int64, temperature: Double? = nil, humidity: Double? = nil, pressure: Double? = nil, pm25: Double? = nil,
        oxidised: Double? = nil, reducing: Double? = nil, nh3: Double? = nil, lux: Double? = nil
    ) {
        self.timestamp = timestamp
        self.temperature = temperature
        self.humidity = humidity
        self.pressure = pressure
        self.pm25 = pm25
        self.oxidised = oxidised
        self.reducing = reducing
        self.nh3 = nh3
        self.lux = lux
    }

    /// The value of `q`.
    public subscript(q: Quantity) -> Double? {
        switch q {
        case .temperature: temperature
        case .humidity: humidity
        case .pressure: pressure
        case .pm25: pm25
        case .oxidised: oxidised
        case .reducing: reducing
        case .nh3: nh3
        case .lux: lux
        }
    }
}

/// The last hour of every quantity, one averaged slot per minute: what the sparklines draw.
///
/// Fixed size (60 slots × 8 quantities, about 12 KB) whatever the read interval, so `start` keeps
/// the same footprint at 1 s and at 60 s readings.
public struct History: Sendable, Equatable {
    /// Slots kept; the sparkline spans `slots × slotMilliseconds`.
    public static let slots = 60
    /// One slot's span.
    public static let slotMilliseconds: Int64 = 60_000

    private struct Slot: Sendable, Equatable {
        var minute: Int64 = .min
        var sum: Double = 0
        var count: Int32 = 0
    }

    /// Ring buffers, indexed by minute modulo `slots`, one per quantity.
    private var slots: [[Slot]]

    /// An empty history.
    public init() {
        slots = Array(repeating: Array(repeating: Slot(), count: Self.slots), count: Quantity.allCases.count)
    }

    /// Adds every value of `values` to its minute's slot.
    public mutating func record(_ values: DisplayValues) {
        let minute = Self.minute(values.timestamp)
        let index = Int(((minute % Int64(Self.slots)) + Int64(Self.slots)) % Int64(Self.slots))
        for q in Quantity.allCases {
            guard let v = values[q], v.isFinite else { continue }
            if slots[q.rawValue][index].minute != minute { slots[q.rawValue][index] = Slot(minute: minute) }
            slots[q.rawValue][index].sum += v
            slots[q.rawValue][index].count += 1
        }
    }

    /// The hour of `q` ending with the minute of `timestamp`: `slots` averages, oldest first,
    /// nil for minutes without data.
    public func series(_ q: Quantity, endingAt timestamp: Int64) -> [Double?] {
        let last = Self.minute(timestamp)
        return (0..<Self.slots).map { i in
            let minute = last - Int64(Self.slots - 1 - i)
            let index = Int(((minute % Int64(Self.slots)) + Int64(Self.slots)) % Int64(Self.slots))
            let s = slots[q.rawValue][index]
            return s.minute == minute && s.count > 0 ? s.sum / Double(s.count) : nil
        }
    }

    private static func minute(_ ms: Int64) -> Int64 {
        ms >= 0 ? ms / slotMilliseconds : (ms - slotMilliseconds + 1) / slotMilliseconds
    }
}
