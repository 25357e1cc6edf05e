// What the station publishes over MQTT, as plain values: the state message, the availability
// topic and Home Assistant's discovery configs (one device, one sensor per measurement). Pure, so
// the exact JSON is unit-tested (Tests/MQTTOutletTests); the field names are those of Home
// Assistant's MQTT discovery and MQTT sensor documentation, written out in full (no abbreviations).

import CivilTime
public import Collector
import JSONText
import Lake

/// A measurement of the sensor schema as Home Assistant shows it.
public struct Measurement: Sendable, Equatable {
    /// The column name in the sensor schema (docs/ARCHITECTURE.md §2), also the state's JSON key.
    public let column: String
    public let name: String
    public let unit: String?
    /// Home Assistant's sensor device class, where it has one for this quantity.
    public let deviceClass: String?

    /// Every value column of the sensor schema, in its order. Units as the schema has them; the
    /// spellings are Home Assistant's (µ is U+00B5, as its `µg/m³` constant).
    public static let all: [Measurement] = [
        Measurement(column: "temperature", name: "Temperature", unit: "°C", deviceClass: "temperature"),
        Measurement(column: "raw_temperature", name: "Raw temperature", unit: "°C", deviceClass: "temperature"),
        Measurement(column: "pressure", name: "Pressure", unit: "hPa", deviceClass: "atmospheric_pressure"),
        Measurement(column: "humidity", name: "Humidity", unit: "%", deviceClass: "humidity"),
        Measurement(column: "raw_humidity", name: "Raw humidity", unit: "%", deviceClass: "humidity"),
        Measurement(column: "oxidised", name: "Oxidising gas resistance", unit: "kΩ", deviceClass: nil),
        Measurement(column: "reducing", name: "Reducing gas resistance", unit: "kΩ", deviceClass: nil),
        Measurement(column: "nh3", name: "NH3 resistance", unit: "kΩ", deviceClass: nil),
        Measurement(column: "lux", name: "Illuminance", unit: "lx", deviceClass: "illuminance"),
        Measurement(column: "proximity", name: "Proximity", unit: nil, deviceClass: nil),
        Measurement(column: "pm1", name: "PM1", unit: "\u{B5}g/m³", deviceClass: "pm1"),
        Measurement(column: "pm25", name: "PM2.5", unit: "\u{B5}g/m³", deviceClass: "pm25"),
        Measurement(column: "pm10", name: "PM10", unit: "\u{B5}g/m³", deviceClass: "pm10"),
        Measurement(column: "particles_03um", name: "Particles over 0.3 µm", unit: "particles/0.1 L", deviceClass: nil),
        Measurement(column: "particles_05um", name: "Particles over 0.5 µm", unit: "particles/0.1 L", deviceClass: nil),
        Measurement(column: "particles_10um", name: "Particles over 1.0 µm", unit: "particles/0.1 L", deviceClass: nil),
        Measurement(column: "particles_25um", name: "Particles over 2.5 µm", unit: "particles/0.1 L", deviceClass: nil),
        Measurement(column: "particles_50um", name: "Particles over 5.0 µm", unit: "particles/0.1 L", deviceClass: nil),
        Measurement(column: "particles_100um", name: "Particles over 10 µm", unit: "particles/0.1 L", deviceClass: nil),
    ]
}

/// The station's topics and messages.
public struct StationTopics: Sendable, Equatable {
    public let stationID: String
    public let baseTopic: String
    public let discoveryPrefix: String
    public let softwareVersion: String

    public init(stationID: String, baseTopic: String, discoveryPrefix: String, softwareVersion: String) {
        self.stationID = stationID
        self.baseTopic = baseTopic
        self.discoveryPrefix = discoveryPrefix
        self.softwareVersion = softwareVersion
    }

    public var state: String { baseTopic + "/state" }
    public var availability: String { baseTopic + "/availability" }
    /// Where Home Assistant says `online` when it (re)starts.
    public var homeAssistantStatus: String { discoveryPrefix + "/status" }
    public static let online = "online"
    public static let offline = "offline"

    /// The first block of the station id: short enough for names, long enough to tell stations apart.
    var shortID: String { String(stationID.prefix { $0 != "-" }.prefix(8)) }
    /// A discovery topic's node id allows `[a-zA-Z0-9_-]` only.
    var nodeID: String { "opensensor-" + String(stationID.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") ? $0 : "_" }) }

    public func discoveryTopic(_ m: Measurement) -> String {
        "\(discoveryPrefix)/sensor/\(nodeID)/\(m.column)/config"
    }

    /// The state message's JSON: the reading's ISO-8601 UTC time and every value (null for a
    /// sensor that gave none, which Home Assistant shows as unknown), keyed by column name.
    public func stateJSON(_ reading: Reading) -> String {
        let j = JSONWriter()
        j.object {
            j.field("timestamp") { j.string(ISO8601.format(millis: reading.timestamp)) }
            for (m, value) in zip(Measurement.all, reading.values) {
                j.field(m.column) { j.number(value) }
            }
        }
        return j.out
    }

    /// The discovery config of one measurement's sensor.
    public func discoveryJSON(_ m: Measurement) -> String {
        let j = JSONWriter()
        j.object {
            j.field("name") { j.string(m.name) }
            j.field("unique_id") { j.string("opensensor_\(stationID)_\(m.column)") }
            j.field("object_id") { j.string("opensensor_\(shortID)_\(m.column)") }
            j.field("state_topic") { j.string(state) }
            j.field("value_template") { j.string("{{ value_json.\(m.column) }}") }
            if let unit = m.unit { j.field("unit_of_measurement") { j.string(unit) } }
            if let dc = m.deviceClass { j.field("device_class") { j.string(dc) } }
            j.field("state_class") { j.string("measurement") }
            j.field("availability_topic") { j.string(availability) }
            j.field("payload_available") { j.string(Self.online) }
            j.field("payload_not_available") { j.string(Self.offline) }
            j.field("device") {
                j.object {
                    j.field("identifiers") { j.array([stationID]) { j.string($0) } }
                    j.field("name") { j.string("opensensor \(shortID)") }
                    j.field("model") { j.string("Enviro+") }
                    j.field("manufacturer") { j.string("Pimoroni") }
                    j.field("sw_version") { j.string(softwareVersion) }
                }
            }
            j.field("origin") {
                j.object {
                    j.field("name") { j.string("opensensor") }
                    j.field("sw_version") { j.string(softwareVersion) }
                }
            }
        }
        return j.out
    }
}
