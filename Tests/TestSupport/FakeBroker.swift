// A scripted MQTT broker on 127.0.0.1 for the client's tests: it records every packet a client
// sends and answers as told (refuse the CONNECT, withhold PUBACKs or PINGRESPs, drop the
// connection). Mosquitto itself is the interop peer (Tests/Interop/run-mqtt.sh).

public import MQTT
import NIOCore
import NIOPosix
public import Synchronization

public final class FakeBroker: Sendable {
    public struct Behaviour: Sendable {
        public var connackCode: UInt8 = 0
        public var acknowledgePublishes = true
        public var answerPings = true
    }

    public let port: Int
    let server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
    public let behaviour = Mutex(Behaviour())
    /// (connection number, packet), in arrival order.
    public let received = Mutex<[(Int, MQTTPacket)]>([])
    let writers = Mutex<[Int: NIOAsyncChannelOutboundWriter<ByteBuffer>]>([:])
    let channels = Mutex<[Int: any Channel]>([:])
    let connectionCount = Mutex(0)

    public init() async throws {
        server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        port = server.channel.localAddress?.port ?? 0
        let broker = self
        Task {
            try? await broker.server.executeThenClose { inbound in
                for try await connection in inbound {
                    let n = broker.connectionCount.withLock { $0 += 1; return $0 }
                    Task { await broker.serve(connection, number: n) }
                }
            }
        }
    }

    func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>, number: Int) async {
        channels.withLock { $0[number] = connection.channel }
        try? await connection.executeThenClose { inbound, outbound in
            writers.withLock { $0[number] = outbound }
            var buffer: [UInt8] = []
            for try await chunk in inbound {
                buffer += chunk.readableBytesView
                while let (packet, used) = try MQTTPacket.decode(buffer[...]) {
                    buffer.removeFirst(used)
                    received.withLock { $0.append((number, packet)) }
                    let b = behaviour.withLock { $0 }
                    switch packet {
                    case .connect:
                        try await outbound.write(ByteBuffer(bytes: try MQTTPacket.connack(sessionPresent: false, returnCode: b.connackCode).encoded()))
                        if b.connackCode != 0 { return }
                    case .publish(let p):
                        if let id = p.packetID, b.acknowledgePublishes {
                            try await outbound.write(ByteBuffer(bytes: try MQTTPacket.puback(packetID: id).encoded()))
                        }
                    case .subscribe(let id, let subs):
                        try await outbound.write(ByteBuffer(bytes: try MQTTPacket.suback(packetID: id, returnCodes: subs.map(\.qos.rawValue)).encoded()))
                    case .pingreq:
                        if b.answerPings { try await outbound.write(ByteBuffer(bytes: try MQTTPacket.pingresp.encoded())) }
                    case .disconnect:
                        return
                    default:
                        break
                    }
                }
            }
        }
        writers.withLock { $0[number] = nil }
    }

    /// Sends `packet` to the newest connection.
    public func send(_ packet: MQTTPacket) async throws {
        let writer = writers.withLock { w in w.keys.max().flatMap { w[$0] } }
        try await writer?.write(ByteBuffer(bytes: try packet.encoded()))
    }

    /// Closes every client connection (the broker stays up).
    public func dropConnections() async {
        let all = channels.withLock { c in defer { c.removeAll() }; return Array(c.values) }
        for c in all { try? await c.close() }
    }

    public func close() async {
        await dropConnections()
        try? await server.channel.close()
    }

    public func packets(_ connection: Int? = nil) -> [MQTTPacket] {
        received.withLock { r in r.filter { connection == nil || $0.0 == connection }.map(\.1) }
    }

    public func publishes(_ connection: Int? = nil) -> [MQTTPublish] {
        packets(connection).compactMap { if case .publish(let p) = $0 { p } else { nil } }
    }

    /// Waits (up to 10 s) until `condition` holds.
    public func waitUntil(_ what: String, _ condition: () -> Bool) async throws {
        for _ in 0..<1000 {
            if condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw SupportError("timed out waiting until \(what); the broker received: \(packets())")
    }
}
