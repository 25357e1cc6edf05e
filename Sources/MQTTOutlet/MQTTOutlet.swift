// The MQTT outlet: the station's readings to an MQTT broker, announced to Home Assistant by MQTT
// discovery. A `ReadingOutlet` (Sources/Collector/CollectorMonitor.swift): the collector's events
// only queue (the client's queue is bounded and drops its oldest), so a broker that is down, slow
// or refusing costs messages and log lines, never a reading.
//
// On every connection: `online` (retained) on the availability topic, whose will is `offline`,
// then the discovery configs (retained); again whenever Home Assistant says `online` on
// `<prefix>/status`. State: one retained QoS 1 JSON message per reading, or per
// OPENSENSOR_MQTT_INTERVAL (virtual) seconds with the newest reading. A clean stop sends the
// last state, `offline`, and DISCONNECT.

public import CivilTime
public import Collector
public import Config
public import Logging
public import MQTT
import Synchronization

public final class MQTTOutlet: ReadingOutlet {
    public let name = "mqtt"
    public let topics: StationTopics
    let settings: MQTTSettings
    let client: MQTTClient
    let clock: any WallClock
    let logger: Logger
    /// With an interval: the newest reading and whether it went out.
    let newest = Mutex<(reading: Reading?, sent: Bool)>((nil, true))
    let failures = Mutex<(streak: Int, last: String)>((0, ""))

    /// - Throws: `MQTTClientError` (kind `.tls`) when the CA file cannot be used.
    public init(
        settings: MQTTSettings, stationID: String, softwareVersion: String, clock: any WallClock, logger: Logger,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        tick: Duration = .seconds(1)
    ) throws(MQTTClientError) {
        let topics = StationTopics(
            stationID: stationID, baseTopic: settings.topic, discoveryPrefix: settings.discoveryPrefix,
            softwareVersion: softwareVersion)
        self.topics = topics
        self.settings = settings
        self.clock = clock
        self.logger = logger
        let offline = MQTTMessage(topic: topics.availability, text: StationTopics.offline, qos: .atLeastOnce, retain: true)
        let options = MQTTClientOptions(
            host: settings.broker.host, port: settings.broker.port,
            security: settings.broker.tls ? .tls(caFile: settings.caFile) : .plain,
            connect: MQTTConnect(
                clientID: Self.clientID(stationID), keepAliveSeconds: 60, cleanSession: true,
                username: settings.username, password: settings.password, will: offline),
            subscriptions: [MQTTSubscription(topics.homeAssistantStatus, qos: .atLeastOnce)],
            farewell: [offline], tick: tick)
        // The client reports to the outlet, which is not made yet: a box closes the loop.
        let box = Mutex<MQTTOutlet?>(nil)
        client = try MQTTClient(options: options, sleep: sleep, random: random) { event in
            box.withLock { $0 }?.handle(event)
        }
        box.withLock { $0 = self }
    }

    /// MQTT 3.1.1 promises client ids of 1–23 letters and digits only: "os" and the station
    /// id's last 21 hex digits (a UUIDv7's random part).
    static func clientID(_ stationID: String) -> String {
        let hex = stationID.filter { $0.isHexDigit }
        return "os" + String(hex.suffix(21))
    }

    // MARK: - The collector's events (its actor: only queue)

    public func readingTaken(_ reading: Reading) {
        if settings.intervalSeconds == nil {
            client.publish(stateMessage(reading))
        } else {
            newest.withLock { $0 = (reading, false) }
        }
    }

    func stateMessage(_ reading: Reading) -> MQTTMessage {
        MQTTMessage(topic: topics.state, text: topics.stateJSON(reading), qos: .atLeastOnce, retain: true)
    }

    /// Availability `online` and every discovery config, ahead of queued states.
    func announce() {
        client.publish(MQTTMessage(topic: topics.availability, text: StationTopics.online, qos: .atLeastOnce, retain: true), priority: true)
        for m in Measurement.all {
            client.publish(MQTTMessage(topic: topics.discoveryTopic(m), text: topics.discoveryJSON(m), qos: .atLeastOnce, retain: true),
                           priority: true)
        }
    }

    /// Sends the newest reading if it has not gone out.
    func publishNewest() {
        let pending = newest.withLock { n -> Reading? in
            guard !n.sent, let r = n.reading else { return nil }
            n.sent = true
            return r
        }
        if let pending { client.publish(stateMessage(pending)) }
    }

    // MARK: - The client's events

    func handle(_ event: MQTTClientEvent) {
        switch event {
        case .connected(let dropped):
            failures.withLock { $0 = (0, "") }
            var meta: Logger.Metadata = ["broker": "\(settings.broker)", "topic": "\(topics.baseTopic)"]
            if dropped > 0 { meta["dropped_while_away"] = "\(dropped)" }
            logger.info("mqtt connected", metadata: meta)
            announce()
        case .connectionFailed(let error, let wasConnected, let attempt, let retryIn):
            // One line per streak, and again when the reason changes or every tenth attempt:
            // a broker away for a day must not fill the log.
            let shouldLog = failures.withLock { f -> Bool in
                defer { f = (f.streak + 1, error.message) }
                return f.streak == 0 || f.last != error.message || (f.streak + 1) % 10 == 0
            }
            guard shouldLog else { return }
            let meta: Logger.Metadata = [
                "broker": "\(settings.broker)", "attempt": "\(attempt)", "retry_in_s": "\(MQTTOutlet.seconds(retryIn))",
            ]
            switch error.kind {
            case .refused, .tls:  // the owner must act: a password, a certificate
                logger.error("mqtt: \(error.message); retrying, collection goes on", metadata: meta)
            case .connectFailed, .protocolViolation, .timeout, .closed:
                logger.warning("mqtt: \(wasConnected ? "connection lost: " : "")\(error.message); retrying, collection goes on", metadata: meta)
            }
        case .messageRefused(let topic, let reason):
            logger.error("mqtt: a message could not be sent", metadata: ["topic": "\(topic)", "reason": "\(reason)"])
        case .subscriptionRefused(let filter):
            logger.warning("mqtt: the broker refused the subscription to \(filter); discovery is not re-sent when Home Assistant restarts")
        case .message(let m):
            if m.topic == topics.homeAssistantStatus && m.text == StationTopics.online {
                logger.info("mqtt: Home Assistant is online; discovery sent again")
                announce()
            }
        }
    }

    static func seconds(_ d: Duration) -> String {
        let ms = d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
        return ms % 1000 == 0 ? "\(ms / 1000)" : "\(Double(ms) / 1000)"
    }

    // MARK: - Running

    public func run() async {
        logger.info("mqtt on", metadata: [
            "broker": "\(settings.broker)", "topic": "\(topics.baseTopic)", "discovery_prefix": "\(topics.discoveryPrefix)",
            "every": "\(settings.intervalSeconds.map { "\($0) s" } ?? "reading")",
        ])
        // The client's task is not our child: when we are cancelled, the last state must be
        // queued before the client is told to stop and says goodbye.
        let client = self.client
        let connection = Task { await client.run() }
        if let interval = settings.intervalSeconds {
            let step = Int64(interval) * 1000
            var next = (clock.nowMillis() / step + 1) * step
            while true {
                do { try await clock.sleep(untilMillis: next) } catch { break }
                publishNewest()
                next += step
                let now = clock.nowMillis()
                if next <= now { next = (now / step + 1) * step }
            }
            publishNewest()
        } else {
            while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
        }
        connection.cancel()
        await connection.value
    }
}
