public import Collector
public import Display

extension DisplayValues {
    /// The values of the screen from one collector reading (compensated temperature and
    /// humidity, as filed).
    public init(_ reading: Reading) {
        func value(_ column: Int) -> Double? { reading.values[column].map(Double.init) }
        self.init(
            timestamp: reading.timestamp, temperature: value(Columns.temperature), humidity: value(Columns.humidity),
            pressure: value(Columns.pressure), pm25: value(Columns.pm25), oxidised: value(Columns.oxidised),
            reducing: value(Columns.reducing), nh3: value(Columns.nh3), lux: value(Columns.lux))
    }
}

/// Where the columns the screen reads sit in a reading, looked up once.
enum Columns {
    static let temperature = Reading.valueIndex("temperature")
    static let humidity = Reading.valueIndex("humidity")
    static let pressure = Reading.valueIndex("pressure")
    static let pm25 = Reading.valueIndex("pm25")
    static let oxidised = Reading.valueIndex("oxidised")
    static let reducing = Reading.valueIndex("reducing")
    static let nh3 = Reading.valueIndex("nh3")
    static let lux = Reading.valueIndex("lux")
    static let proximity = Reading.valueIndex("proximity")
}
