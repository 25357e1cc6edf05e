public import HAL

/// The sensors of an Enviro+ board, for fault reports.
public enum SensorID: String, Sendable, CaseIterable, Comparable {
    case bme280, ltr559, mics6814, pms5003, cpu

    public static func < (a: SensorID, b: SensorID) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// Why a sensor's fields are null in a reading.
public struct SensorFault: Sendable, Equatable, CustomStringConvertible {
    /// The sensor.
    public var sensor: SensorID
    /// What went wrong (the driver's error text).
    public var message: String
    /// The driver error kind, when there was one.
    public var kind: SensorError.Kind?
    /// Failed readings in a row including this one: 1 starts a streak, so a logger can log once
    /// per streak. 0 for problems that do not count against the device (e.g. a value out of range).
    public var consecutiveFailures: Int
    /// True when the sensor was not tried this time because its re-initialisation is backing off.
    public var isBackingOff: Bool

    /// Creates a fault.
    public init(sensor: SensorID, message: String, kind: SensorError.Kind? = nil, consecutiveFailures: Int = 1, isBackingOff: Bool = false) {
        self.sensor = sensor
        self.message = message
        self.kind = kind
        self.consecutiveFailures = consecutiveFailures
        self.isBackingOff = isBackingOff
    }

    public var description: String {
        "\(sensor.rawValue): \(message)" + (isBackingOff ? " (waiting to re-initialise)" : "")
    }
}

/// One reading of the whole board: the 19 sensor columns of docs/ARCHITECTURE.md §2 in their order, each
/// nil when its sensor failed, plus the CPU temperature and the faults.
///
/// Boards fill the raw values only. `temperature` and `humidity` (compensated for the heat of
/// the Pi) stay nil here: compensation needs the CPU-temperature history, which the collector
/// keeps.
public struct BoardReading: Sendable, Equatable {
    /// When the reading was taken.
    public var timestamp: Timestamp
    /// Compensated temperature, °C — filled by the collector, nil from a board.
    public var temperature: Double?
    /// BME280 temperature, °C, uncompensated.
    public var rawTemperature: Double?
    /// Pressure, hPa.
    public var pressure: Double?
    /// Compensated relative humidity, % — filled by the collector, nil from a board.
    public var humidity: Double?
    /// BME280 relative humidity, %, uncompensated.
    public var rawHumidity: Double?
    /// MICS6814 resistances, kΩ.
    public var oxidised: Double?, reducing: Double?, nh3: Double?
    /// Illuminance, lux.
    public var lux: Double?
    /// Proximity, raw counts.
    public var proximity: Double?
    /// PM1.0, PM2.5, PM10, µg/m³ (CF=1, as the Python collector reports).
    public var pm1: Double?, pm25: Double?, pm10: Double?
    /// Particle counts per 0.1 L larger than 0.3, 0.5, 1.0, 2.5, 5.0, 10 µm.
    public var particles03um: Double?, particles05um: Double?, particles10um: Double?
    public var particles25um: Double?, particles50um: Double?, particles100um: Double?
    /// CPU temperature, °C.
    public var cpuTemperature: Double?
    /// Why fields are missing, in sensor order.
    public var faults: [SensorFault]

    /// An empty reading at `timestamp`.
    public init(timestamp: Timestamp) {
        self.timestamp = timestamp
        self.faults = []
    }

    /// The column names of docs/ARCHITECTURE.md §2 after `timestamp`, in order.
    public static let columnNames = [
        "temperature", "raw_temperature", "pressure", "humidity", "raw_humidity", "oxidised", "reducing",
        "nh3", "lux", "proximity", "pm1", "pm25", "pm10", "particles_03um", "particles_05um",
        "particles_10um", "particles_25um", "particles_50um", "particles_100um",
    ]

    /// The values in `columnNames` order.
    public var columnValues: [Double?] {
        [
            temperature, rawTemperature, pressure, humidity, rawHumidity, oxidised, reducing, nh3, lux,
            proximity, pm1, pm25, pm10, particles03um, particles05um, particles10um, particles25um,
            particles50um, particles100um,
        ]
    }

    /// Sets the particulate fields from a frame.
    mutating func apply(_ f: PMS5003.Frame) {
        pm1 = Double(f.pm1_0); pm25 = Double(f.pm2_5); pm10 = Double(f.pm10)
        particles03um = Double(f.particles0_3um); particles05um = Double(f.particles0_5um)
        particles10um = Double(f.particles1_0um); particles25um = Double(f.particles2_5um)
        particles50um = Double(f.particles5_0um); particles100um = Double(f.particles10um)
    }
}

/// A source of board readings: the real Enviro+ or the simulated one.
public protocol SensorBoard: Sendable {
    /// Reads every sensor once. Never throws: failures give nil fields and faults.
    func read(at time: Timestamp) async -> BoardReading
    /// Puts the hardware into a safe state (heater off) and releases it.
    func shutdown() async
}
