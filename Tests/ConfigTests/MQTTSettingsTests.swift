// The OPENSENSOR_MQTT_* keys: the broker URL, topics, what the keys require of each other, and
// the password kept out of every print.

import Testing
@testable import Config

@Suite("Config: MQTT keys")
struct MQTTSettingsTests {
    static let station = "0190b6c4-1c2d-7e3f-8a4b-5c6d7e8f9a0b"

    func load(_ env: [String: String]) throws(ConfigError) -> StationConfig {
        try StationConfig.load(environment: env, envFile: nil, overrides: [:], workingDirectoryEnvFile: false).0
    }

    @Test func brokerURLs() {
        #expect(MQTTBrokerURL("mqtt://broker.lan") == MQTTBrokerURL(tls: false, host: "broker.lan", port: 1883))
        #expect(MQTTBrokerURL("mqtts://broker.lan") == MQTTBrokerURL(tls: true, host: "broker.lan", port: 8883))
        #expect(MQTTBrokerURL("MQTT://10.0.0.2:1884/") == MQTTBrokerURL(tls: false, host: "10.0.0.2", port: 1884))
        #expect(MQTTBrokerURL("mqtts://[::1]:8884") == MQTTBrokerURL(tls: true, host: "::1", port: 8884))
        #expect(MQTTBrokerURL("mqtts://[::1]")?.port == 8883)
        for bad in ["", "mqtt://", "http://h:1883", "mqtt://h:0", "mqtt://h:65536", "mqtt://h:x", "mqtt://u:p@h",
                    "mqtt://h/topic", "mqtt://h h", "tcp://h", "mqtt://[::1", "mqtt://[h]:1", "mqtt://:1883"] {
            #expect(MQTTBrokerURL(bad) == nil, "\(bad)")
        }
        #expect(MQTTBrokerURL("mqtts://[::1]:8884")?.description == "mqtts://[::1]:8884")
    }

    @Test func offByDefaultAndDefaultsWhenOn() throws {
        #expect(try load([:]).mqtt(stationID: Self.station) == nil)
        let s = try #require(try load(["OPENSENSOR_MQTT_URL": "mqtt://127.0.0.1"]).mqtt(stationID: Self.station))
        #expect(s == MQTTSettings(broker: MQTTBrokerURL(tls: false, host: "127.0.0.1", port: 1883), topic: "opensensor/\(Self.station)"))
        #expect(s.intervalSeconds == nil && s.discoveryPrefix == "homeassistant")
    }

    @Test func everyKeyIsRead() throws {
        let s = try #require(try load([
            "OPENSENSOR_MQTT_URL": "mqtts://broker:8884", "OPENSENSOR_MQTT_USERNAME": "station",
            "OPENSENSOR_MQTT_PASSWORD": "hunter2", "OPENSENSOR_MQTT_CA_FILE": "/etc/ca.pem",
            "OPENSENSOR_MQTT_TOPIC": "home/garden", "OPENSENSOR_MQTT_INTERVAL": "60",
            "OPENSENSOR_MQTT_DISCOVERY_PREFIX": "ha",
        ]).mqtt(stationID: Self.station))
        #expect(s == MQTTSettings(
            broker: MQTTBrokerURL(tls: true, host: "broker", port: 8884), username: "station", password: "hunter2",
            caFile: "/etc/ca.pem", topic: "home/garden", intervalSeconds: 60, discoveryPrefix: "ha"))
    }

    func error(_ env: [String: String]) -> String? {
        do {
            _ = try load(env)
            return nil
        } catch { return error.description }
    }

    @Test func badValuesNameTheKeyAndWhatIsAllowed() {
        #expect(error(["OPENSENSOR_MQTT_URL": "tcp://broker"])
            == "OPENSENSOR_MQTT_URL=tcp://broker is not valid: allowed is mqtt://host[:port] or mqtts://host[:port] (TLS), no user or path in the URL")
        #expect(error(["OPENSENSOR_MQTT_TOPIC": "a/+/b"])?.hasPrefix("OPENSENSOR_MQTT_TOPIC=a/+/b is not valid: allowed is an MQTT topic") == true)
        #expect(error(["OPENSENSOR_MQTT_TOPIC": "a/"]) != nil)
        #expect(error(["OPENSENSOR_MQTT_TOPIC": "$SYS/x"]) != nil)
        #expect(error(["OPENSENSOR_MQTT_DISCOVERY_PREFIX": "home#"]) != nil)
        #expect(error(["OPENSENSOR_MQTT_INTERVAL": "0"]) == "OPENSENSOR_MQTT_INTERVAL=0 is not valid: allowed is an integer from 1 to 86400")
    }

    @Test func keysThatNeedEachOther() {
        let noUser = error(["OPENSENSOR_MQTT_URL": "mqtt://b", "OPENSENSOR_MQTT_PASSWORD": "hunter2"])
        #expect(noUser?.hasPrefix("OPENSENSOR_MQTT_PASSWORD=**** is not valid: allowed is a password only together with OPENSENSOR_MQTT_USERNAME") == true)
        #expect(noUser?.contains("hunter2") == false)
        let plainCA = error(["OPENSENSOR_MQTT_URL": "mqtt://b", "OPENSENSOR_MQTT_CA_FILE": "/ca.pem"])
        #expect(plainCA?.contains("a CA file only with an mqtts:// OPENSENSOR_MQTT_URL") == true)
        #expect(error(["OPENSENSOR_MQTT_URL": "mqtts://b", "OPENSENSOR_MQTT_CA_FILE": "/ca.pem"]) == nil)
    }

    @Test func thePasswordIsNeverPrinted() throws {
        let config = try load(["OPENSENSOR_MQTT_URL": "mqtt://b", "OPENSENSOR_MQTT_USERNAME": "u", "OPENSENSOR_MQTT_PASSWORD": "hunter2"])
        var dumped = ""
        dump(config, to: &dumped)
        let settings = try #require(config.mqtt(stationID: Self.station))
        var dumpedSettings = ""
        dump(settings, to: &dumpedSettings)
        for text in [config.description, config.redactedDescription, dumped, "\(settings)", String(reflecting: settings), dumpedSettings] {
            #expect(!text.contains("hunter2"), "\(text.prefix(80))")
        }
        #expect(config.redactedDescription.contains("OPENSENSOR_MQTT_PASSWORD=**** (environment)"))
        #expect(ConfigKey.documentation().contains("| `OPENSENSOR_MQTT_PASSWORD` | — | text | Ours: password at the MQTT broker; needs OPENSENSOR_MQTT_USERNAME. (masked when printed) |"))
    }
}
