import CivilTime
import Collector
import Config
import Lake
import MQTT
@testable import MQTTOutlet
import Testing
import TestSupport

@Suite(.timeLimit(.minutes(1))) struct MQTTOutletTests {
    static let station = "0190b6c4-1c2d-7e3f-8a4b-5c6d7e8f9a0b"
    static let topics = StationTopics(stationID: station, baseTopic: "opensensor/\(station)", discoveryPrefix: "homeassistant",
                                      softwareVersion: "1.2.3")

    static func reading(_ t: Int64, temperature: Float? = 21.5) -> Reading {
        var values: [Float?] = (0..<Reading.valueCount).map { Float($0) + 0.25 }
        values[0] = temperature
        values[9] = nil  // proximity: a sensor that gave nothing
        return Reading(timestamp: t, values: values)
    }

    @Test func oneMeasurementPerValueColumnInSchemaOrder() {
        #expect(Measurement.all.map(\.column) == LakeSchemas.sensor.columns.dropFirst().map(\.name))
        #expect(Measurement.all.count == Reading.valueCount)
        let classes = Dictionary(uniqueKeysWithValues: Measurement.all.map { ($0.column, $0.deviceClass) })
        #expect(classes["temperature"] == "temperature" && classes["humidity"] == "humidity")
        #expect(classes["pressure"] == "atmospheric_pressure" && classes["lux"] == "illuminance")
        #expect(classes["pm1"] == "pm1" && classes["pm25"] == "pm25" && classes["pm10"] == "pm10")
        #expect(classes["oxidised"] == .some(nil) && classes["proximity"] == .some(nil))
    }

    @Test func stateMessage() {
        let json = Self.topics.stateJSON(Self.reading(1_748_736_005_048))
        #expect(json.hasPrefix(#"{"timestamp":"2025-06-01T00:00:05.048Z","temperature":21.5,"raw_temperature":1.25,"pressure":2.25,"#))
        #expect(json.contains(#""proximity":null,"pm1":10.25,"#))
        #expect(json.hasSuffix(#""particles_100um":18.25}"#))
    }

    @Test func discoveryConfig() {
        let t = Self.topics
        let temperature = Measurement.all[0]
        #expect(t.discoveryTopic(temperature) == "homeassistant/sensor/opensensor-\(Self.station)/temperature/config")
        #expect(t.discoveryJSON(temperature) == """
            {"name":"Temperature","unique_id":"opensensor_\(Self.station)_temperature","object_id":"opensensor_0190b6c4_temperature",\
            "state_topic":"opensensor/\(Self.station)/state","value_template":"{{ value_json.temperature }}","unit_of_measurement":"°C",\
            "device_class":"temperature","state_class":"measurement","availability_topic":"opensensor/\(Self.station)/availability",\
            "payload_available":"online","payload_not_available":"offline","device":{"identifiers":["\(Self.station)"],\
            "name":"opensensor 0190b6c4","model":"Enviro+","manufacturer":"Pimoroni","sw_version":"1.2.3"},\
            "origin":{"name":"opensensor","sw_version":"1.2.3"}}
            """)
        let proximity = t.discoveryJSON(Measurement.all[9])
        #expect(!proximity.contains("unit_of_measurement") && !proximity.contains("device_class"))
        #expect(t.discoveryJSON(Measurement.all[11]).contains(#""unit_of_measurement":"\#u{B5}g/m³","device_class":"pm25""#))
        #expect(Set(Measurement.all.map { t.discoveryTopic($0) }).count == Measurement.all.count)
    }

    @Test func clientIDIsWhatEveryBrokerAccepts() {
        let id = MQTTOutlet.clientID(Self.station)
        #expect(id == "os" + "1c2d7e3f8a4b5c6d7e8f9a0b".suffix(21))
        #expect(id.count == 23 && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
    }

    func outlet(_ broker: FakeBroker, interval: Int? = nil, clock: any WallClock = SystemWallClock(), log: CapturedLog = CapturedLog()) throws -> MQTTOutlet {
        let settings = MQTTSettings(
            broker: MQTTBrokerURL(tls: false, host: "127.0.0.1", port: broker.port), username: "u", password: "p",
            topic: "opensensor/\(Self.station)", intervalSeconds: interval)
        return try MQTTOutlet(settings: settings, stationID: Self.station, softwareVersion: "1.2.3", clock: clock, logger: log.logger,
                              sleep: { try await Task.sleep(for: min($0, .milliseconds(50))) }, tick: .milliseconds(50))
    }

    func texts(_ broker: FakeBroker, _ topic: String) -> [String] {
        broker.publishes().filter { $0.message.topic == topic }.map(\.message.text)
    }

    @Test func announcesPublishesEveryReadingAndSaysOfflineOnStop() async throws {
        let broker = try await FakeBroker()
        let o = try outlet(broker)
        let t = o.topics
        let run = Task { await o.run() }
        o.readingTaken(Self.reading(1_748_736_005_000))
        o.readingTaken(Self.reading(1_748_736_010_000, temperature: nil))
        try await broker.waitUntil("two states") { texts(broker, t.state).count == 2 }
        let pubs = broker.publishes()
        // Availability first, then the 19 configs, then the states; all retained, QoS 1.
        #expect(pubs.first?.message == MQTTMessage(topic: t.availability, text: "online", qos: .atLeastOnce, retain: true))
        #expect(pubs.dropFirst().prefix(19).map(\.message.topic) == Measurement.all.map { t.discoveryTopic($0) })
        #expect(pubs.allSatisfy { $0.message.retain && $0.message.qos == .atLeastOnce })
        #expect(texts(broker, t.state) == [t.stateJSON(Self.reading(1_748_736_005_000)), t.stateJSON(Self.reading(1_748_736_010_000, temperature: nil))])
        guard case .connect(let c)? = broker.packets().first else { Issue.record("no CONNECT"); return }
        #expect(c.will == MQTTMessage(topic: t.availability, text: "offline", qos: .atLeastOnce, retain: true))
        #expect(c.username == "u" && c.password == "p")

        // Home Assistant comes back: the configs go out again.
        try await broker.send(.publish(MQTTPublish(MQTTMessage(topic: "homeassistant/status", text: "online"))))
        try await broker.waitUntil("discovery again") { texts(broker, t.discoveryTopic(Measurement.all[0])).count == 2 }
        #expect(texts(broker, t.availability) == ["online", "online"])

        run.cancel()
        await run.value
        try await broker.waitUntil("DISCONNECT") { broker.packets().last == .disconnect }
        #expect(texts(broker, t.availability).last == "offline")
        await broker.close()
    }

    @Test func withAnIntervalOnlyTheNewestReadingGoesOutAndTheLastOneOnStop() async throws {
        let broker = try await FakeBroker()
        // 1,000 virtual seconds a real one: the 60 s interval passes every 60 ms.
        let clock = ScaledWallClock(start: 1_748_736_000_000, speed: 1000)
        let o = try outlet(broker, interval: 60, clock: clock)
        let t = o.topics
        let run = Task { await o.run() }
        try await broker.waitUntil("connected") { !texts(broker, t.availability).isEmpty }
        for i in 1...5 { o.readingTaken(Self.reading(1_748_736_000_000 + Int64(i) * 5000)) }
        try await broker.waitUntil("one state") { texts(broker, t.state).count == 1 }
        try await Task.sleep(for: .milliseconds(200))  // a few more intervals, nothing new
        #expect(texts(broker, t.state) == [t.stateJSON(Self.reading(1_748_736_025_000))])
        o.readingTaken(Self.reading(1_748_736_090_000))
        run.cancel()
        await run.value
        try await broker.waitUntil("DISCONNECT") { broker.packets().last == .disconnect }
        #expect(texts(broker, t.state).last == t.stateJSON(Self.reading(1_748_736_090_000)))
        #expect(texts(broker, t.availability).last == "offline")
        await broker.close()
    }

    @Test func aRefusedPasswordIsOneClearLogLine() async throws {
        let broker = try await FakeBroker()
        broker.behaviour.withLock { $0.connackCode = 4 }
        let log = CapturedLog()
        let o = try outlet(broker, log: log)
        let run = Task { await o.run() }
        for i in 0..<100 { o.readingTaken(Self.reading(1_748_736_000_000 + Int64(i) * 5000)) }  // only queued
        try await broker.waitUntil("three attempts") { broker.packets().filter { if case .connect = $0 { true } else { false } }.count >= 3 }
        run.cancel()
        await run.value
        let lines = log.all.filter { $0.contains("bad user name or password") }
        #expect(lines.count == 1)
        #expect(lines.first?.contains("OPENSENSOR_MQTT_PASSWORD") == true)
        #expect(!log.all.joined().contains("\"p\""))
        await broker.close()
    }
}
