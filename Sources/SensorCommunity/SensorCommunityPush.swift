// What sensor.community's push API takes, as its own firmware sends it: one POST per sensor to
// `…/v1/push-sensor-data/`, `X-Sensor: raspi-<node id>` naming the node and `X-Pin` the sensor
// (1: the particle sensor, PMS5003 here; 11: the BME280), a JSON body of `software_version`
// and `sensordatavalues`, each value a string. Pure: the outlet sends what this builds.

public import HTTP1Client
import Collector
import JSONText

/// The averages of one interval's readings, by what sensor.community calls them.
public struct IntervalAverages: Sendable, Equatable {
    /// °C, compensated (the lake's `temperature`).
    public var temperature: Double?
    /// % relative humidity, compensated (the lake's `humidity`).
    public var humidity: Double?
    /// Pa (the lake keeps hPa).
    public var pressurePascals: Double?
    /// µg/m³.
    public var pm1: Double?, pm25: Double?, pm10: Double?

    public init(temperature: Double? = nil, humidity: Double? = nil, pressurePascals: Double? = nil,
                pm1: Double? = nil, pm25: Double? = nil, pm10: Double? = nil) {
        self.temperature = temperature
        self.humidity = humidity
        self.pressurePascals = pressurePascals
        self.pm1 = pm1
        self.pm25 = pm25
        self.pm10 = pm10
    }
}

/// Sums of the readings of one interval; a value missing from a reading (its sensor failed)
/// is left out of that value's average only.
public struct IntervalSums: Sendable, Equatable {
    /// The sensor schema's columns used (docs/ARCHITECTURE.md §2), in the order `averages` reads them.
    static let columns = ["temperature", "pressure", "humidity", "pm1", "pm25", "pm10"].map(Reading.valueIndex)
    var sums = [Double](repeating: 0, count: columns.count)
    var counts = [Int](repeating: 0, count: columns.count)
    public private(set) var readings = 0

    public init() {}

    /// Adds a row of the sensor schema's 19 values (the timestamp not included).
    public mutating func add(_ values: [Float?]) {
        readings += 1
        for (i, column) in Self.columns.enumerated() {
            guard column < values.count, let v = values[column], v.isFinite else { continue }
            // The FLOAT's own decimal spelling, as any reader of the lake sees it.
            sums[i] += Double(v.description) ?? Double(v)
            counts[i] += 1
        }
    }

    public var averages: IntervalAverages {
        func avg(_ i: Int) -> Double? { counts[i] > 0 ? sums[i] / Double(counts[i]) : nil }
        return IntervalAverages(
            temperature: avg(0), humidity: avg(2), pressurePascals: avg(1).map { $0 * 100 },
            pm1: avg(3), pm25: avg(4), pm10: avg(5))
    }
}

public enum SensorCommunityPush {
    /// The requests for one interval: the PMS5003's (pin 1) and the BME280's (pin 11), each
    /// only when it has a value.
    public static func requests(_ a: IntervalAverages, endpoint: String, nodeID: String, softwareVersion: String) -> [HTTP1Request] {
        var out: [HTTP1Request] = []
        let pm = [("P0", a.pm1), ("P1", a.pm10), ("P2", a.pm25)].compactMap { name, v in v.map { (name, $0) } }
        if !pm.isEmpty { out.append(request(pin: 1, pm, endpoint: endpoint, nodeID: nodeID, softwareVersion: softwareVersion)) }
        let bme = [("temperature", a.temperature), ("humidity", a.humidity), ("pressure", a.pressurePascals)]
            .compactMap { name, v in v.map { (name, $0) } }
        if !bme.isEmpty { out.append(request(pin: 11, bme, endpoint: endpoint, nodeID: nodeID, softwareVersion: softwareVersion)) }
        return out
    }

    static func request(pin: Int, _ values: [(String, Double)], endpoint: String, nodeID: String, softwareVersion: String) -> HTTP1Request {
        let j = JSONWriter()
        j.object {
            j.field("software_version") { j.string(softwareVersion) }
            j.field("sensordatavalues") {
                j.array(values) { name, value in
                    j.object {
                        j.field("value_type") { j.string(name) }
                        j.field("value") { j.string(decimal(value, places: 2)) }
                    }
                }
            }
        }
        return HTTP1Request(
            method: "POST", url: endpoint,
            headers: [("Content-Type", "application/json"), ("X-Pin", String(pin)), ("X-Sensor", sensorHeader(nodeID)),
                      ("User-Agent", softwareVersion)],
            body: Array(j.out.utf8))
    }

    /// `raspi-<id>`; an id that already carries the prefix is sent as it is.
    public static func sensorHeader(_ nodeID: String) -> String {
        nodeID.hasPrefix("raspi-") ? nodeID : "raspi-" + nodeID
    }

    /// `value` rounded half away from zero to `places` decimals, always with that many: "21.30",
    /// "-0.50", "101325.00".
    public static func decimal(_ value: Double, places: Int) -> String {
        guard value.isFinite else { return "0" }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = (abs(value) * scale).rounded(.toNearestOrAwayFromZero)
        guard scaled < 9e15 else { return String(value) }
        let units = Int64(scaled)
        let divisor = Int64(scale)
        let whole = units / divisor
        var fraction = String(units % divisor)
        while fraction.count < places { fraction = "0" + fraction }
        let sign = value < 0 && units != 0 ? "-" : ""
        return places > 0 ? "\(sign)\(whole).\(fraction)" : "\(sign)\(whole)"
    }
}
