import MQTT
import TestSupport
import Synchronization
import Testing

/// The client against a scripted broker: real sockets, fast timers.
@Suite(.timeLimit(.minutes(1))) struct ClientTests {
    final class Events: Sendable {
        let all = Mutex<[MQTTClientEvent]>([])
        func record(_ e: MQTTClientEvent) { all.withLock { $0.append(e) } }
        var connects: [Int] { all.withLock { $0.compactMap { if case .connected(let d) = $0 { d } else { nil } } } }
        var failures: [(MQTTClientError, Bool, Int, Duration)] {
            all.withLock {
                $0.compactMap { if case .connectionFailed(let e, let w, let a, let r) = $0 { (e, w, a, r) } else { nil } }
            }
        }
        var messages: [MQTTMessage] { all.withLock { $0.compactMap { if case .message(let m) = $0 { m } else { nil } } } }
    }

    final class Waits: Sendable {
        let all = Mutex<[Duration]>([])
        var first4: [Duration] { all.withLock { Array($0.prefix(4)) } }
    }

    static let will = MQTTMessage(topic: "st/availability", text: "offline", qos: .atLeastOnce, retain: true)

    func options(_ port: Int, keepAlive: UInt16 = 60, queueLimit: Int = 256) -> MQTTClientOptions {
        MQTTClientOptions(
            host: "127.0.0.1", port: port,
            connect: MQTTConnect(clientID: "os-test", keepAliveSeconds: keepAlive, username: "station", password: "secret", will: Self.will),
            subscriptions: [MQTTSubscription("homeassistant/status", qos: .atLeastOnce)],
            farewell: [Self.will], queueLimit: queueLimit, connectTimeout: .seconds(2), initialBackoff: .seconds(1),
            maxBackoff: .seconds(8), stopGrace: .seconds(2), tick: .milliseconds(50))
    }

    /// Backoff waits are recorded and shortened to 20 ms; timer ticks run as asked.
    func client(_ options: MQTTClientOptions, events: Events, waits: Waits? = nil) throws -> MQTTClient {
        let tick = options.tick
        return try MQTTClient(
            options: options,
            sleep: { d in
                if d == tick { try await Task.sleep(for: d); return }
                waits?.all.withLock { $0.append(d) }
                try await Task.sleep(for: .milliseconds(20))
            },
            random: { 0.5 }, onEvent: events.record)
    }

    func msg(_ i: Int, qos: MQTTQoS = .atLeastOnce) -> MQTTMessage {
        MQTTMessage(topic: "st/state", text: "{\"n\":\(i)}", qos: qos, retain: true)
    }

    @Test func connectsSubscribesPublishesAndSaysGoodbye() async throws {
        let broker = try await FakeBroker()
        let events = Events()
        let c = try client(options(broker.port), events: events)
        let run = Task { await c.run() }
        c.publish(msg(1))
        c.publish(msg(2, qos: .atMostOnce))
        try await broker.waitUntil("two publishes") { broker.publishes().count == 2 }
        try await broker.waitUntil("acknowledged") { c.backlog == (0, 0) }
        let packets = broker.packets()
        guard case .connect(let connect) = packets.first else { Issue.record("first packet: \(packets)"); return }
        #expect(connect.username == "station" && connect.password == "secret" && connect.will == Self.will)
        #expect(connect.keepAliveSeconds == 60 && connect.cleanSession)
        #expect(packets.contains(.subscribe(packetID: 1, subscriptions: [MQTTSubscription("homeassistant/status", qos: .atLeastOnce)])))
        let pubs = broker.publishes()
        #expect(pubs.map(\.message) == [msg(1), msg(2, qos: .atMostOnce)])
        #expect(pubs[0].packetID != nil && pubs[1].packetID == nil && !pubs[0].duplicate)
        #expect(events.connects == [0])

        // A message on the subscription reaches the owner (and a QoS 1 one is acknowledged).
        try await broker.send(.publish(MQTTPublish(MQTTMessage(topic: "homeassistant/status", text: "online", qos: .atLeastOnce), packetID: 77)))
        try await broker.waitUntil("the message event") { events.messages.count == 1 }
        #expect(events.messages.first?.text == "online")
        try await broker.waitUntil("PUBACK 77") { broker.packets().contains(.puback(packetID: 77)) }

        // Cancelling: queued messages, the farewell, DISCONNECT — so the broker keeps the will unsent.
        c.publish(msg(3))
        run.cancel()
        await run.value
        try await broker.waitUntil("DISCONNECT") { broker.packets().last == .disconnect }
        let tail = broker.packets().suffix(2)
        #expect(tail.first.flatMap { if case .publish(let p) = $0 { p.message } else { nil } } == Self.will)
        #expect(tail.last == .disconnect)
        #expect(broker.publishes().map(\.message).contains(msg(3)))
        await broker.close()
    }

    @Test func refusedConnectionIsATypedErrorRetriedWithDoublingBackoff() async throws {
        let broker = try await FakeBroker()
        broker.behaviour.withLock { $0.connackCode = 4 }
        let events = Events()
        let waits = Waits()
        let c = try client(options(broker.port), events: events, waits: waits)
        let run = Task { await c.run() }
        // The failure is told before its wait begins: wait for both.
        try await broker.waitUntil("four refusals and their waits") { events.failures.count >= 4 && waits.first4.count == 4 }
        let f = events.failures
        #expect(f.allSatisfy { $0.0.kind == .refused(.badUsernameOrPassword) && !$0.1 })
        #expect(f[0].0.message.contains("bad user name or password"))
        #expect(f.prefix(4).map(\.2) == [1, 2, 3, 4])
        // Half the doubling delay plus half of it times the random 0.5, capped at 8 s.
        #expect(f.prefix(4).map(\.3) == [.milliseconds(750), .milliseconds(1500), .seconds(3), .seconds(6)])
        #expect(waits.first4 == [.milliseconds(750), .milliseconds(1500), .seconds(3), .seconds(6)])
        // The password is fixed at the broker: the next attempt gets in, and nothing was published before.
        broker.behaviour.withLock { $0.connackCode = 0 }
        c.publish(msg(1))
        try await broker.waitUntil("connected") { events.connects.count == 1 }
        try await broker.waitUntil("published") { broker.publishes().count == 1 }
        run.cancel()
        await run.value
        await broker.close()
    }

    @Test func unacknowledgedPublishesAreSentAgainAfterReconnect() async throws {
        let broker = try await FakeBroker()
        broker.behaviour.withLock { $0.acknowledgePublishes = false }
        let events = Events()
        let c = try client(options(broker.port), events: events)
        let run = Task { await c.run() }
        for i in 1...3 { c.publish(msg(i)) }
        try await broker.waitUntil("three publishes") { broker.publishes(1).count == 3 }
        #expect(c.backlog == (0, 3))
        let first = broker.publishes(1)
        broker.behaviour.withLock { $0.acknowledgePublishes = true }
        await broker.dropConnections()
        try await broker.waitUntil("the redelivery") { broker.publishes(2).count == 3 }
        let again = broker.publishes(2)
        #expect(again.map(\.message) == first.map(\.message))
        #expect(again.map(\.packetID) == first.map(\.packetID))
        let allDuplicates = again.allSatisfy { $0.duplicate }
        #expect(allDuplicates)
        try await broker.waitUntil("acknowledged") { c.backlog == (0, 0) }
        #expect(events.failures.first?.1 == true)  // it had been connected
        run.cancel()
        await run.value
        await broker.close()
    }

    @Test func theQueueDropsItsOldestWhileTheBrokerIsAway() async throws {
        let broker = try await FakeBroker()
        broker.behaviour.withLock { $0.connackCode = 3 }  // server unavailable
        let events = Events()
        let c = try client(options(broker.port, queueLimit: 3), events: events)
        let run = Task { await c.run() }
        try await broker.waitUntil("a refusal") { !events.failures.isEmpty }
        for i in 1...10 { c.publish(msg(i)) }
        c.publish(MQTTMessage(topic: "st/availability", text: "online", qos: .atLeastOnce, retain: true), priority: true)
        #expect(c.backlog.queued == 4)
        broker.behaviour.withLock { $0.connackCode = 0 }
        try await broker.waitUntil("four publishes") { broker.publishes().count == 4 }
        #expect(events.connects == [7])
        // The priority message first, then the newest three.
        #expect(broker.publishes().map(\.message.text) == ["online", "{\"n\":8}", "{\"n\":9}", "{\"n\":10}"])
        run.cancel()
        await run.value
        await broker.close()
    }

    @Test func keepAlivePingsAndASilentBrokerIsLeft() async throws {
        let broker = try await FakeBroker()
        let events = Events()
        let c = try client(options(broker.port, keepAlive: 1), events: events)
        let run = Task { await c.run() }
        try await broker.waitUntil("two pings answered") { broker.packets(1).filter { $0 == .pingreq }.count >= 2 }
        #expect(events.failures.isEmpty)
        broker.behaviour.withLock { $0.answerPings = false }
        try await broker.waitUntil("the unanswered ping ends the connection") { !events.failures.isEmpty }
        #expect(events.failures[0].0.kind == .timeout)
        #expect(events.failures[0].0.message.contains("PINGREQ"))
        run.cancel()
        await run.value
        await broker.close()
    }

    @Test func noBrokerIsAConnectFailureAndStopIsPrompt() async throws {
        let broker = try await FakeBroker()
        let port = broker.port
        await broker.close()
        let events = Events()
        let c = try client(options(port), events: events)
        let run = Task { await c.run() }
        for _ in 0..<500 where events.failures.count < 2 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(events.failures.count >= 2)
        #expect(events.failures.first?.0.kind == .connectFailed)
        #expect(events.failures.first?.0.message.contains("refused the connection") == true)
        let start = ContinuousClock.now
        run.cancel()
        await run.value
        #expect(ContinuousClock.now - start < .seconds(2))
    }

    @Test func anUnreadableCAFileIsAClearError() {
        var o = options(1)
        o.security = .tls(caFile: "/nonexistent/ca.pem")
        #expect {
            _ = try MQTTClient(options: o)
        } throws: { error in
            "\(error)".contains("cannot read the CA file /nonexistent/ca.pem")
        }
    }
}
