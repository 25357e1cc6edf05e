// An MQTT 3.1.1 client on SwiftNIO, with TLS through NIOSSL: a publisher that keeps its
// connection up by itself. Written here because no Swift MQTT package is available to this
// project (docs/ARCHITECTURE.md §7 says what it costs). Knows nothing of what it carries.
//
// One task (`run()`) owns the connection; everything else talks to it through one stream of
// signals, so the protocol's state lives in one place:
//   - `publish(_:)` only queues and rings (never waits): the queue is bounded and drops its
//     oldest message when the broker is away, counting what it dropped;
//   - QoS 1 messages get a packet id and stay "in flight" until their PUBACK; a connection that
//     ends leaves them in flight, and the next connection sends them first, flagged DUP;
//   - keep-alive: a PINGREQ after three quarters of the keep-alive interval without sending
//     anything; no PINGRESP within the interval ends the connection;
//   - a refused, failed or lost connection is retried after a doubling delay with jitter
//     (injected sleeper and random source), reset once a connection was accepted;
//   - cancelling `run()` sends what is queued, the farewell messages and DISCONNECT (so the
//     broker does not publish the will), within a grace period after which the socket is closed.

import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Plain TCP, or TLS 1.2+ trusting the system's roots or the CA certificates of a PEM file.
public enum MQTTTransportSecurity: Sendable, Equatable {
    case plain
    case tls(caFile: String?)
}

/// What the client connects to and how it behaves.
public struct MQTTClientOptions: Sendable {
    public var host: String
    public var port: Int
    public var security: MQTTTransportSecurity
    /// Client id, keep-alive, credentials and will.
    public var connect: MQTTConnect
    /// Made again on every connection.
    public var subscriptions: [MQTTSubscription]
    /// Sent, in order, before DISCONNECT when `run()` is cancelled (an "offline" availability).
    public var farewell: [MQTTMessage]
    /// Messages waiting while the broker is away; beyond it the oldest is dropped.
    public var queueLimit: Int
    /// QoS 1 messages sent and not yet acknowledged, at most.
    public var maxInFlight: Int
    /// For the TCP connect, the TLS handshake and the CONNACK, each.
    public var connectTimeout: Duration
    public var initialBackoff: Duration
    public var maxBackoff: Duration
    /// How long a stop may spend sending the last messages before the socket is closed.
    public var stopGrace: Duration
    /// The resolution of the keep-alive and CONNACK timers.
    public var tick: Duration

    public init(
        host: String, port: Int, security: MQTTTransportSecurity = .plain, connect: MQTTConnect,
        subscriptions: [MQTTSubscription] = [], farewell: [MQTTMessage] = [], queueLimit: Int = 256,
        maxInFlight: Int = 16, connectTimeout: Duration = .seconds(10), initialBackoff: Duration = .seconds(1),
        maxBackoff: Duration = .seconds(60), stopGrace: Duration = .seconds(3), tick: Duration = .seconds(1)
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.connect = connect
        self.subscriptions = subscriptions
        self.farewell = farewell
        self.queueLimit = max(1, queueLimit)
        self.maxInFlight = max(1, maxInFlight)
        self.connectTimeout = connectTimeout
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.stopGrace = stopGrace
        self.tick = tick
    }
}

/// Why a connection could not be made or ended.
public struct MQTTClientError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// DNS, refused, unreachable, connect timeout.
        case connectFailed
        /// The handshake failed (certificate not trusted, wrong name) or the TLS set-up did.
        case tls
        /// The broker answered CONNACK with a refusal.
        case refused(MQTTConnectRefusal)
        /// The broker sent something MQTT 3.1.1 does not allow.
        case protocolViolation
        /// No CONNACK, or no PINGRESP, in time.
        case timeout
        /// The connection closed.
        case closed
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// What happened to the connection, for the owner's log.
public enum MQTTClientEvent: Sendable {
    /// The broker accepted the connection; `droppedWhileAway` messages were dropped from the
    /// full queue since the last connection.
    case connected(droppedWhileAway: Int)
    /// A connection failed (`wasConnected`: it had been accepted and was then lost); the next
    /// attempt, the `attempt`-th in a row, follows after `retryIn`.
    case connectionFailed(MQTTClientError, wasConnected: Bool, attempt: Int, retryIn: Duration)
    /// A message could not be encoded (a topic with a wildcard, too long) and was dropped.
    case messageRefused(topic: String, reason: String)
    /// The broker refused a subscription.
    case subscriptionRefused(filter: String)
    /// A message arrived on a subscription.
    case message(MQTTMessage)
}

/// The client. Call `run()` once; `publish(_:)` from anywhere, at any time.
public final class MQTTClient: Sendable {
    public let options: MQTTClientOptions
    let tlsContext: NIOSSLContext?
    let sleep: @Sendable (Duration) async throws -> Void
    let random: @Sendable () -> Double
    let onEvent: @Sendable (MQTTClientEvent) -> Void

    enum Signal: Sendable {
        case wake, stop
        case retry(attempt: Int)
        case packet(session: Int, MQTTPacket)
        case closed(session: Int, MQTTClientError)
        case tick(session: Int)
    }

    struct State {
        var priority: [MQTTMessage] = []
        var queue: [MQTTMessage] = []
        var inFlight: [(id: UInt16, message: MQTTMessage)] = []
        var nextID: UInt16 = 1
        var dropped = 0
        var wakePending = false
        var stopping = false
        var channel: (any Channel)?

        mutating func allocateID() -> UInt16 {
            while true {
                let id = nextID
                nextID = nextID == UInt16.max ? 1 : nextID + 1
                if !inFlight.contains(where: { $0.id == id }) { return id }
            }
        }
    }

    let state = Mutex(State())
    let signals: AsyncStream<Signal>
    let signal: AsyncStream<Signal>.Continuation

    /// - Parameters:
    ///   - sleep: waits (backoff, timers); cancellation ends the wait.
    ///   - random: a number in 0..<1 for the backoff's jitter.
    ///   - onEvent: called from the client's task; must return at once.
    /// - Throws: `MQTTClientError` of kind `.tls` when the CA file cannot be read or holds no
    ///   certificate.
    public init(
        options: MQTTClientOptions,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        onEvent: @escaping @Sendable (MQTTClientEvent) -> Void = { _ in }
    ) throws(MQTTClientError) {
        self.options = options
        self.sleep = sleep
        self.random = random
        self.onEvent = onEvent
        (signals, signal) = AsyncStream.makeStream(of: Signal.self)
        switch options.security {
        case .plain: tlsContext = nil
        case .tls(let caFile): tlsContext = try Self.makeTLSContext(caFile: caFile)
        }
    }

    static func makeTLSContext(caFile: String?) throws(MQTTClientError) -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        if let caFile {
            guard access(caFile, R_OK) == 0 else {
                let reason = String(cString: strerror(errno))
                throw MQTTClientError(.tls, "cannot read the CA file \(caFile): \(reason)")
            }
            let certificates: [NIOSSLCertificate]
            do {
                certificates = try NIOSSLCertificate.fromPEMFile(caFile)
            } catch {
                throw MQTTClientError(.tls, "the CA file \(caFile) is not a PEM file of certificates (\(error))")
            }
            guard !certificates.isEmpty else {
                throw MQTTClientError(.tls, "the CA file \(caFile) holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)")
            }
            configuration.trustRoots = .certificates(certificates)
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw MQTTClientError(.tls, "could not set up TLS (\(error))")
        }
    }

    // MARK: - The owner's side

    /// Queues `message` and returns at once. `priority` messages (availability, discovery) go
    /// before the others; each queue holds at most `queueLimit`, dropping its oldest.
    public func publish(_ message: MQTTMessage, priority: Bool = false) {
        let limit = options.queueLimit
        let ring = state.withLock { s -> Bool in
            if priority {
                s.priority.append(message)
                if s.priority.count > limit { s.priority.removeFirst(); s.dropped += 1 }
            } else {
                s.queue.append(message)
                if s.queue.count > limit { s.queue.removeFirst(); s.dropped += 1 }
            }
            if s.wakePending { return false }
            s.wakePending = true
            return true
        }
        if ring { signal.yield(.wake) }
    }

    /// Messages queued and not yet sent, and QoS 1 messages sent and not yet acknowledged.
    public var backlog: (queued: Int, inFlight: Int) {
        state.withLock { ($0.priority.count + $0.queue.count, $0.inFlight.count) }
    }

    /// Connects, keeps the connection up and sends what is queued, until cancelled; then says
    /// goodbye (farewell messages, DISCONNECT) within `stopGrace` and returns.
    public func run() async {
        // The connection's task is not a child: a cancelled child could not send the farewell.
        let loop = Task { await self.loop() }
        await withTaskCancellationHandler {
            await loop.value
        } onCancel: {
            self.state.withLock { $0.stopping = true }
            self.signal.yield(.stop)
            let grace = self.options.stopGrace
            Task {
                try? await Task.sleep(for: grace)
                let channel = self.state.withLock { $0.channel }
                try? await channel?.close()
            }
        }
    }

    var stopping: Bool { state.withLock { $0.stopping } }

    // MARK: - The connection's task

    func loop() async {
        var signals = self.signals.makeAsyncIterator()
        var attempt = 0
        var session = 0
        while !stopping {
            session += 1
            var connected = false
            let failure: MQTTClientError
            do {
                try await self.session(session, &signals, connected: &connected)
                return  // stopped
            } catch let error as MQTTClientError {
                failure = error
            } catch {
                failure = Self.describe(error, options)
            }
            state.withLock { $0.channel = nil }
            if stopping { return }
            attempt = connected ? 1 : attempt + 1
            let delay = backoff(attempt: attempt)
            onEvent(.connectionFailed(failure, wasConnected: connected, attempt: attempt, retryIn: delay))
            let thisAttempt = attempt
            let timer = Task { [sleep, signal] in
                try? await sleep(delay)
                signal.yield(.retry(attempt: thisAttempt))
            }
            waiting: while let s = await signals.next() {
                switch s {
                case .retry(let a) where a == attempt: break waiting
                case .stop:
                    timer.cancel()
                    return
                case .wake: state.withLock { $0.wakePending = false }
                default: continue
                }
            }
        }
    }

    /// The delay before the `attempt`-th attempt in a row: doubling from `initialBackoff` up to
    /// `maxBackoff`, then between half of it and all of it at random, so that stations that
    /// lost the same broker do not all come back in the same second.
    func backoff(attempt: Int) -> Duration {
        let initial = Self.seconds(options.initialBackoff)
        let cap = Self.seconds(options.maxBackoff)
        let base = min(cap, initial * Double(1 << min(max(attempt - 1, 0), 30)))
        let jittered = base / 2 + base / 2 * min(max(random(), 0), 1)
        return .milliseconds(Int64((jittered * 1000).rounded()))
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// One connection, from connect to its end. Returns normally only when stopped.
    func session(_ id: Int, _ signals: inout AsyncStream<Signal>.Iterator, connected: inout Bool) async throws {
        let options = self.options
        let tlsContext = self.tlsContext
        let host = options.host
        let serverName = Self.isIPAddress(host) ? nil : host
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(Self.amount(options.connectTimeout))
                .channelOption(.socketOption(.so_keepalive), value: 1)
                .connect(host: host, port: options.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tlsContext {
                            try channel.pipeline.syncOperations.addHandler(
                                NIOSSLClientHandler(context: tlsContext, serverHostname: serverName))
                        }
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw Self.describe(error, options)
        }
        let stopNow = state.withLock { s -> Bool in
            s.channel = channel.channel
            return s.stopping
        }
        if stopNow {
            try? await channel.channel.close()
            return
        }
        let signal = self.signal
        let sleep = self.sleep
        try await channel.executeThenClose { inbound, outbound in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    var buffer: [UInt8] = []
                    do {
                        for try await chunk in inbound {
                            buffer += chunk.readableBytesView
                            var start = 0
                            while let (packet, used) = try MQTTPacket.decode(buffer[start...]) {
                                start += used
                                signal.yield(.packet(session: id, packet))
                            }
                            if start > 0 { buffer.removeFirst(start) }
                        }
                        signal.yield(.closed(session: id, MQTTClientError(.closed, "the broker at \(host):\(options.port) closed the connection")))
                    } catch let error as MQTTProtocolError {
                        signal.yield(.closed(session: id, MQTTClientError(.protocolViolation, "the broker at \(host):\(options.port) sent a malformed packet: \(error.message)")))
                    } catch {
                        signal.yield(.closed(session: id, Self.describe(error, options)))
                    }
                }
                group.addTask {
                    while true {
                        try await sleep(options.tick)
                        signal.yield(.tick(session: id))
                    }
                }
                defer { group.cancelAll() }
                var conversation = Conversation(client: self, outbound: outbound)
                try await conversation.run(id, &signals, connected: &connected)
            }
        }
    }

    // MARK: - Errors

    static func describe(_ error: any Error, _ options: MQTTClientOptions) -> MQTTClientError {
        let remote = "\(options.host):\(options.port)"
        if let error = error as? MQTTClientError { return error }
        if let error = error as? MQTTProtocolError { return MQTTClientError(.protocolViolation, error.description) }
        if case ChannelError.connectTimeout = error {
            return MQTTClientError(.connectFailed, "connecting to the broker at \(remote) took longer than \(options.connectTimeout)")
        }
        if let error = error as? NIOConnectionError {
            if error.connectionErrors.isEmpty {
                return MQTTClientError(.connectFailed, "could not resolve the broker's host name \(options.host)")
            }
            if error.connectionErrors.contains(where: { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }) {
                return MQTTClientError(.connectFailed, "the broker at \(remote) refused the connection (is it running, and is the port right?)")
            }
            let reasons = error.connectionErrors.map { "\($0.target): \($0.error)" }.joined(separator: "; ")
            return MQTTClientError(.connectFailed, "could not connect to the broker at \(remote) (\(reasons))")
        }
        if let error = error as? IOError, error.errnoCode == ECONNREFUSED {
            return MQTTClientError(.connectFailed, "the broker at \(remote) refused the connection (is it running, and is the port right?)")
        }
        if error is NIOSSLError || error is BoringSSLError {
            return MQTTClientError(.tls, "the TLS handshake with the broker at \(remote) failed (\(error)); check the certificate and OPENSENSOR_MQTT_CA_FILE")
        }
        if let error = error as? NIOSSLExtraError {
            return MQTTClientError(.tls, "the TLS handshake with the broker at \(remote) failed (\(error)); check the certificate's names and OPENSENSOR_MQTT_CA_FILE")
        }
        return MQTTClientError(.closed, "the connection to the broker at \(remote) ended (\(error))")
    }

    static func amount(_ d: Duration) -> TimeAmount {
        .nanoseconds(d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000)
    }

    /// IPv4 dotted quads and IPv6 literals: no SNI for them (RFC 6066 §3).
    static func isIPAddress(_ host: String) -> Bool {
        if host.contains(":") { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { p in !p.isEmpty && p.count <= 3 && p.allSatisfy(\.isNumber) && (Int(p) ?? 256) <= 255 }
    }
}

/// One connection's exchange of packets, driven by the client's signals.
struct Conversation {
    let client: MQTTClient
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    var connected = false
    var waitedForConnack: Duration = .zero
    var idle: Duration = .zero
    var waitedForPong: Duration?
    var subscribeID: UInt16?

    init(client: MQTTClient, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) {
        self.client = client
        self.outbound = outbound
    }

    var options: MQTTClientOptions { client.options }
    var remote: String { "\(options.host):\(options.port)" }

    mutating func send(_ packet: MQTTPacket) async throws {
        try await send(try packet.encoded())
    }

    mutating func send(_ bytes: [UInt8]) async throws {
        try await outbound.write(ByteBuffer(bytes: bytes))
        idle = .zero
    }

    mutating func run(_ session: Int, _ signals: inout AsyncStream<MQTTClient.Signal>.Iterator, connected isUp: inout Bool) async throws {
        try await send(.connect(options.connect))
        let keepAlive = Duration.seconds(Int(options.connect.keepAliveSeconds))
        while let s = await signals.next() {
            switch s {
            case .packet(let id, let packet) where id == session:
                try await handle(packet)
                isUp = connected
            case .closed(let id, let error) where id == session:
                throw error
            case .tick(let id) where id == session:
                if !connected {
                    waitedForConnack += options.tick
                    if waitedForConnack >= options.connectTimeout {
                        throw MQTTClientError(.timeout, "the broker at \(remote) sent no CONNACK within \(options.connectTimeout)")
                    }
                } else if keepAlive > .zero {
                    if let waited = waitedForPong {
                        let now = waited + options.tick
                        waitedForPong = now
                        if now >= keepAlive {
                            throw MQTTClientError(.timeout, "the broker at \(remote) did not answer a PINGREQ within the keep-alive of \(keepAlive)")
                        }
                    } else {
                        idle += options.tick
                        if idle * 4 >= keepAlive * 3 {
                            try await send(.pingreq)
                            waitedForPong = .zero
                        }
                    }
                }
            case .wake:
                client.state.withLock { $0.wakePending = false }
                if connected { try await pump() }
            case .stop:
                guard connected else { return }
                try await farewell()
                // Writes are handed to the event loop; closing now could drop the last of them.
                // The broker closes the connection once it has read DISCONNECT (or the stop's
                // grace period closes it).
                while let s = await signals.next() {
                    if case .closed(let id, _) = s, id == session { break }
                }
                return
            default:
                continue  // a signal of an earlier connection, or a stale retry
            }
        }
        throw MQTTClientError(.closed, "the client's signal stream ended")
    }

    mutating func handle(_ packet: MQTTPacket) async throws {
        if !connected, case .connack = packet {} else if !connected {
            throw MQTTClientError(.protocolViolation, "the broker at \(remote) sent \(Self.name(packet)) before CONNACK")
        }
        switch packet {
        case .connack(_, let code):
            guard !connected else { throw MQTTClientError(.protocolViolation, "the broker at \(remote) sent a second CONNACK") }
            if let refusal = MQTTConnectRefusal(returnCode: code) {
                throw MQTTClientError(.refused(refusal), "\(refusal) (broker \(remote))")
            }
            connected = true
            let (dropped, resend) = client.state.withLock { s -> (Int, [(id: UInt16, message: MQTTMessage)]) in
                defer { s.dropped = 0 }
                return (s.dropped, s.inFlight)
            }
            client.onEvent(.connected(droppedWhileAway: dropped))
            if !options.subscriptions.isEmpty {
                let id = client.state.withLock { $0.allocateID() }
                subscribeID = id
                try await send(.subscribe(packetID: id, subscriptions: options.subscriptions))
            }
            // What the last connection left unacknowledged goes first, as a redelivery.
            for item in resend {
                try await send(.publish(MQTTPublish(item.message, packetID: item.id, duplicate: true)))
            }
            try await pump()
        case .puback(let id):
            client.state.withLock { s in s.inFlight.removeAll { $0.id == id } }
            try await pump()
        case .publish(let p):
            if let id = p.packetID { try await send(.puback(packetID: id)) }
            client.onEvent(.message(p.message))
        case .suback(let id, let codes):
            guard id == subscribeID else { return }
            for (code, sub) in zip(codes, options.subscriptions) where code == 0x80 {
                client.onEvent(.subscriptionRefused(filter: sub.filter))
            }
        case .pingresp:
            waitedForPong = nil
        case .connect, .subscribe, .pingreq, .disconnect:
            throw MQTTClientError(.protocolViolation, "the broker at \(remote) sent \(Self.name(packet)), which only a client sends")
        }
    }

    static func name(_ p: MQTTPacket) -> String {
        switch p {
        case .connect: "CONNECT"
        case .connack: "CONNACK"
        case .publish: "PUBLISH"
        case .puback: "PUBACK"
        case .subscribe: "SUBSCRIBE"
        case .suback: "SUBACK"
        case .pingreq: "PINGREQ"
        case .pingresp: "PINGRESP"
        case .disconnect: "DISCONNECT"
        }
    }

    enum Outgoing {
        case bytes([UInt8])
        case refused(MQTTClientEvent)
    }

    /// Sends queued messages while the in-flight window has room.
    mutating func pump() async throws {
        let limit = options.maxInFlight
        while true {
            let next = client.state.withLock { s -> Outgoing? in
                guard s.inFlight.count < limit else { return nil }
                let message: MQTTMessage
                if !s.priority.isEmpty { message = s.priority.removeFirst() } else if !s.queue.isEmpty { message = s.queue.removeFirst() } else { return nil }
                do {
                    if message.qos == .atLeastOnce {
                        let id = s.allocateID()
                        let bytes = try MQTTPacket.publish(MQTTPublish(message, packetID: id)).encoded()
                        s.inFlight.append((id, message))
                        return .bytes(bytes)
                    }
                    return .bytes(try MQTTPacket.publish(MQTTPublish(message)).encoded())
                } catch {
                    return .refused(.messageRefused(topic: message.topic, reason: "\(error)"))
                }
            }
            switch next {
            case nil: return
            case .bytes(let bytes)?: try await send(bytes)
            case .refused(let event)?: client.onEvent(event)
            }
        }
    }

    /// What is queued, then the farewell messages, then DISCONNECT.
    mutating func farewell() async throws {
        client.state.withLock { s in
            // Unacknowledged messages go out again; the window no longer matters.
            s.queue.insert(contentsOf: s.inFlight.map(\.message), at: 0)
            s.inFlight.removeAll()
        }
        while true {
            let message = client.state.withLock { s -> MQTTMessage? in
                if !s.priority.isEmpty { return s.priority.removeFirst() }
                if !s.queue.isEmpty { return s.queue.removeFirst() }
                return nil
            }
            guard let message else { break }
            try await sendOnce(message)
        }
        for message in options.farewell { try await sendOnce(message) }
        try await send(.disconnect)
    }

    mutating func sendOnce(_ message: MQTTMessage) async throws {
        let id = message.qos == .atLeastOnce ? client.state.withLock { $0.allocateID() } : nil
        do {
            try await send(try MQTTPacket.publish(MQTTPublish(message, packetID: id)).encoded())
        } catch let error as MQTTProtocolError {
            client.onEvent(.messageRefused(topic: message.topic, reason: error.message))
        }
    }
}
