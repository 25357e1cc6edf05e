// The MQTT keys (ours: the Python collector has none) and the settings they make, for the
// MQTT outlet (Sources/MQTTOutlet). The README's "MQTT and Home Assistant" says what is sent.

extension ConfigKey {
    /// In documentation order, after the storage keys.
    static let mqttKeys: [ConfigKey] = [
        ConfigKey("OPENSENSOR_MQTT_URL", nil, .mqttURL,
                  "Ours: the MQTT broker readings are published to, `mqtt://host:1883` or `mqtts://host:8883` (TLS); unset: no MQTT."),
        ConfigKey("OPENSENSOR_MQTT_USERNAME", nil, .text, "Ours: user name at the MQTT broker."),
        ConfigKey("OPENSENSOR_MQTT_PASSWORD", nil, .text, .secret, "Ours: password at the MQTT broker; needs OPENSENSOR_MQTT_USERNAME."),
        ConfigKey("OPENSENSOR_MQTT_CA_FILE", nil, .path,
                  "Ours: PEM file of the CA certificates trusted for `mqtts://`; default the system's trust roots."),
        ConfigKey("OPENSENSOR_MQTT_TOPIC", nil, .mqttTopic,
                  "Ours: base topic: state at `<topic>/state`, availability at `<topic>/availability`; default `opensensor/<station id>`."),
        ConfigKey("OPENSENSOR_MQTT_INTERVAL", nil, .integer(1...86_400),
                  "Ours: seconds between MQTT state messages (the newest reading; virtual seconds under --speed); unset: every reading."),
        ConfigKey("OPENSENSOR_MQTT_DISCOVERY_PREFIX", "homeassistant", .mqttTopic,
                  "Ours: Home Assistant's MQTT discovery prefix."),
    ]
}

/// A broker's address from `OPENSENSOR_MQTT_URL`.
public struct MQTTBrokerURL: Sendable, Equatable, CustomStringConvertible {
    /// `mqtts://`.
    public var tls: Bool
    /// Without the brackets of an IPv6 literal.
    public var host: String
    public var port: Int

    public init(tls: Bool, host: String, port: Int) {
        self.tls = tls
        self.host = host
        self.port = port
    }

    /// `mqtt://host[:port][/]` or `mqtts://host[:port][/]`, the scheme in any case; ports default
    /// to 1883 and 8883. No credentials in the URL (they have keys of their own, masked) and no path.
    public init?(_ text: String) {
        let lower = text.lowercased()
        var rest: Substring
        if lower.hasPrefix("mqtt://") {
            tls = false
            rest = text.dropFirst(7)
        } else if lower.hasPrefix("mqtts://") {
            tls = true
            rest = text.dropFirst(8)
        } else {
            return nil
        }
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.isEmpty, !rest.contains(where: { $0 == "/" || $0 == "@" || $0 == "?" || $0 == "#" || $0.isWhitespace }) else {
            return nil
        }
        var hostPart = rest
        var port = tls ? 8883 : 1883
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            hostPart = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let p = Int(after.dropFirst()), (1...65_535).contains(p) else { return nil }
                port = p
            }
            guard hostPart.contains(":") else { return nil }
        } else if let colon = rest.firstIndex(of: ":") {
            guard let p = Int(rest[rest.index(after: colon)...]), (1...65_535).contains(p) else { return nil }
            port = p
            hostPart = rest[..<colon]
        }
        guard !hostPart.isEmpty else { return nil }
        self.host = String(hostPart)
        self.port = port
    }

    public var description: String {
        "\(tls ? "mqtts" : "mqtt")://\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }
}

/// Everything the MQTT outlet needs, from the `OPENSENSOR_MQTT_*` keys.
public struct MQTTSettings: Sendable, Equatable, CustomStringConvertible, CustomReflectable {
    public var broker: MQTTBrokerURL
    public var username: String?
    public var password: String?
    public var caFile: String?
    /// The base topic, the station's default applied.
    public var topic: String
    /// Seconds between state messages; nil: one per reading.
    public var intervalSeconds: Int?
    public var discoveryPrefix: String

    public init(broker: MQTTBrokerURL, username: String? = nil, password: String? = nil, caFile: String? = nil,
                topic: String, intervalSeconds: Int? = nil, discoveryPrefix: String = "homeassistant") {
        self.broker = broker
        self.username = username
        self.password = password
        self.caFile = caFile
        self.topic = topic
        self.intervalSeconds = intervalSeconds
        self.discoveryPrefix = discoveryPrefix
    }

    /// The password masked.
    public var description: String {
        "broker=\(broker) username=\(username ?? "-") password=\(password == nil ? "-" : "****") ca_file=\(caFile ?? "-") topic=\(topic) interval_s=\(intervalSeconds.map(String.init) ?? "every reading") discovery_prefix=\(discoveryPrefix)"
    }

    /// The password masked in `dump` and debuggers too.
    public var customMirror: Mirror {
        Mirror(self, children: [
            "broker": "\(broker)" as Any, "username": username as Any, "password": (password == nil ? "-" : "****") as Any,
            "caFile": caFile as Any, "topic": topic as Any, "intervalSeconds": intervalSeconds as Any,
            "discoveryPrefix": discoveryPrefix as Any,
        ])
    }

    /// Whether `topic` can be a base topic or discovery prefix: not empty, no wildcard (`+`, `#`)
    /// or U+0000, not starting with `$` (the broker's own topics) or ending with `/` (levels are
    /// appended to it), at most 1,000 bytes.
    public static func isValidTopic(_ topic: String) -> Bool {
        !topic.isEmpty && topic.utf8.count <= 1000 && !topic.hasPrefix("$") && !topic.hasSuffix("/")
            && !topic.contains(where: { $0 == "+" || $0 == "#" || $0 == "\0" })
    }
}

extension StationConfig {
    /// The MQTT settings, nil when `OPENSENSOR_MQTT_URL` is unset. `stationID` makes the default topic.
    public func mqtt(stationID: String) -> MQTTSettings? {
        guard let url = values["OPENSENSOR_MQTT_URL"], let broker = MQTTBrokerURL(url) else { return nil }
        return MQTTSettings(
            broker: broker, username: values["OPENSENSOR_MQTT_USERNAME"], password: values["OPENSENSOR_MQTT_PASSWORD"],
            caFile: values["OPENSENSOR_MQTT_CA_FILE"], topic: values["OPENSENSOR_MQTT_TOPIC"] ?? "opensensor/\(stationID)",
            intervalSeconds: values["OPENSENSOR_MQTT_INTERVAL"].flatMap { Int($0) },
            discoveryPrefix: values["OPENSENSOR_MQTT_DISCOVERY_PREFIX"] ?? "homeassistant")
    }

    /// What the MQTT keys require of each other: a password only with a user name (MQTT 3.1.1
    /// has no password alone), and a CA file only with `mqtts://` (it would suggest TLS where
    /// there is none).
    func validateMQTT() throws(ConfigError) {
        if values["OPENSENSOR_MQTT_PASSWORD"] != nil && values["OPENSENSOR_MQTT_USERNAME"] == nil {
            throw .invalidValue(key: "OPENSENSOR_MQTT_PASSWORD", value: "****",
                                allowed: "a password only together with OPENSENSOR_MQTT_USERNAME (MQTT has no password without a user name)")
        }
        if let ca = values["OPENSENSOR_MQTT_CA_FILE"], let url = values["OPENSENSOR_MQTT_URL"],
           let broker = MQTTBrokerURL(url), !broker.tls {
            throw .invalidValue(key: "OPENSENSOR_MQTT_CA_FILE", value: ca,
                                allowed: "a CA file only with an mqtts:// OPENSENSOR_MQTT_URL (the broker is \(broker), without TLS)")
        }
    }
}
