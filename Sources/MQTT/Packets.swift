// MQTT 3.1.1 control packets (OASIS standard, 29 October 2014) as values, and their bytes on the
// wire. Pure code: no sockets, so every packet kind and every malformed input is unit-tested
// (Tests/MQTTTests/PacketTests.swift). A malformed packet is an `MQTTProtocolError` naming what
// was expected; decoding never traps, whatever the bytes.
//
// Only what a publishing station needs: QoS 0 and 1 (QoS 2 is refused by name), CONNECT with a
// will and credentials, PUBLISH/PUBACK, SUBSCRIBE/SUBACK, PINGREQ/PINGRESP, DISCONNECT.

/// Delivery guarantee of a message.
public enum MQTTQoS: UInt8, Sendable, Equatable {
    case atMostOnce = 0
    case atLeastOnce = 1
}

/// An application message: what is published, or received on a subscription.
public struct MQTTMessage: Sendable, Equatable {
    public var topic: String
    public var payload: [UInt8]
    public var qos: MQTTQoS
    /// The broker keeps the newest retained message of a topic for every later subscriber.
    public var retain: Bool

    public init(topic: String, payload: [UInt8], qos: MQTTQoS = .atMostOnce, retain: Bool = false) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
    }

    public init(topic: String, text: String, qos: MQTTQoS = .atMostOnce, retain: Bool = false) {
        self.init(topic: topic, payload: Array(text.utf8), qos: qos, retain: retain)
    }

    /// The payload as UTF-8 text (invalid sequences replaced).
    public var text: String { String(decoding: payload, as: UTF8.self) }
}

/// A packet that is not what MQTT 3.1.1 allows, or one this client cannot send.
public struct MQTTProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "MQTT protocol error: \(message)" }
}

/// CONNECT's fields (§3.1).
public struct MQTTConnect: Sendable, Equatable {
    public var clientID: String
    public var keepAliveSeconds: UInt16
    public var cleanSession: Bool
    public var username: String?
    public var password: String?
    /// Published by the broker when the connection ends without a DISCONNECT.
    public var will: MQTTMessage?

    public init(clientID: String, keepAliveSeconds: UInt16, cleanSession: Bool = true, username: String? = nil,
                password: String? = nil, will: MQTTMessage? = nil) {
        self.clientID = clientID
        self.keepAliveSeconds = keepAliveSeconds
        self.cleanSession = cleanSession
        self.username = username
        self.password = password
        self.will = will
    }
}

/// A PUBLISH packet: the message, its packet id (QoS 1) and whether it is a redelivery.
public struct MQTTPublish: Sendable, Equatable {
    public var message: MQTTMessage
    /// Non-zero for QoS 1, nil for QoS 0.
    public var packetID: UInt16?
    public var duplicate: Bool

    public init(_ message: MQTTMessage, packetID: UInt16? = nil, duplicate: Bool = false) {
        self.message = message
        self.packetID = packetID
        self.duplicate = duplicate
    }
}

/// One topic filter of a SUBSCRIBE.
public struct MQTTSubscription: Sendable, Equatable {
    public var filter: String
    public var qos: MQTTQoS
    public init(_ filter: String, qos: MQTTQoS = .atMostOnce) {
        self.filter = filter
        self.qos = qos
    }
}

/// Why a broker refused a CONNECT (CONNACK return codes 1–5, §3.2.2.3).
public enum MQTTConnectRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    case unacceptableProtocolVersion
    case identifierRejected
    case serverUnavailable
    case badUsernameOrPassword
    case notAuthorized
    /// A code 3.1.1 does not define (6–255).
    case other(UInt8)

    /// nil for 0 (accepted).
    public init?(returnCode: UInt8) {
        switch returnCode {
        case 0: return nil
        case 1: self = .unacceptableProtocolVersion
        case 2: self = .identifierRejected
        case 3: self = .serverUnavailable
        case 4: self = .badUsernameOrPassword
        case 5: self = .notAuthorized
        default: self = .other(returnCode)
        }
    }

    public var description: String {
        switch self {
        case .unacceptableProtocolVersion: "the broker refused the connection: it does not speak MQTT 3.1.1 (return code 1)"
        case .identifierRejected: "the broker refused the connection: client identifier rejected (return code 2)"
        case .serverUnavailable: "the broker refused the connection: server unavailable (return code 3)"
        case .badUsernameOrPassword:
            "the broker refused the connection: bad user name or password (return code 4; check OPENSENSOR_MQTT_USERNAME and OPENSENSOR_MQTT_PASSWORD)"
        case .notAuthorized: "the broker refused the connection: not authorized (return code 5; check the user name, password and the broker's ACL)"
        case .other(let code): "the broker refused the connection with return code \(code), which MQTT 3.1.1 does not define"
        }
    }
}

/// An MQTT 3.1.1 control packet.
public enum MQTTPacket: Sendable, Equatable {
    case connect(MQTTConnect)
    case connack(sessionPresent: Bool, returnCode: UInt8)
    case publish(MQTTPublish)
    case puback(packetID: UInt16)
    case subscribe(packetID: UInt16, subscriptions: [MQTTSubscription])
    /// Return codes: 0 or 1 (granted QoS), 2, or 0x80 (failure).
    case suback(packetID: UInt16, returnCodes: [UInt8])
    case pingreq
    case pingresp
    case disconnect

    /// The largest remaining length four length bytes can say (§2.2.3).
    public static let maxRemainingLength = 268_435_455

    // MARK: - Encoding

    /// The packet's bytes. Throws when a field cannot be said in MQTT (a string over 65,535
    /// bytes or holding U+0000, packet id 0, an empty subscription list).
    public func encoded() throws(MQTTProtocolError) -> [UInt8] {
        var body: [UInt8] = []
        let header: UInt8
        switch self {
        case .connect(let c):
            header = 0x10
            try Self.appendString("MQTT", to: &body, what: "protocol name")
            body.append(4)  // protocol level 4: MQTT 3.1.1
            var flags: UInt8 = c.cleanSession ? 0x02 : 0
            if let will = c.will {
                flags |= 0x04 | (will.qos.rawValue << 3) | (will.retain ? 0x20 : 0)
            }
            if c.password != nil {
                guard c.username != nil else { throw MQTTProtocolError("a CONNECT with a password needs a user name (MQTT 3.1.1 §3.1.2.9)") }
                flags |= 0x40
            }
            if c.username != nil { flags |= 0x80 }
            body.append(flags)
            Self.appendUInt16(c.keepAliveSeconds, to: &body)
            try Self.appendString(c.clientID, to: &body, what: "client identifier")
            if let will = c.will {
                try Self.appendString(will.topic, to: &body, what: "will topic")
                try Self.appendBinary(will.payload, to: &body, what: "will message")
            }
            if let u = c.username { try Self.appendString(u, to: &body, what: "user name") }
            if let p = c.password { try Self.appendBinary(Array(p.utf8), to: &body, what: "password") }
        case .connack(let sessionPresent, let returnCode):
            header = 0x20
            body = [sessionPresent ? 1 : 0, returnCode]
        case .publish(let p):
            var h: UInt8 = 0x30 | (p.message.qos.rawValue << 1)
            if p.message.retain { h |= 0x01 }
            if p.duplicate { h |= 0x08 }
            header = h
            try Self.checkTopicName(p.message.topic)
            try Self.appendString(p.message.topic, to: &body, what: "topic name")
            switch (p.message.qos, p.packetID) {
            case (.atMostOnce, nil): break
            case (.atMostOnce, .some): throw MQTTProtocolError("a QoS 0 PUBLISH has no packet identifier")
            case (.atLeastOnce, let id?) where id != 0: Self.appendUInt16(id, to: &body)
            case (.atLeastOnce, _): throw MQTTProtocolError("a QoS 1 PUBLISH needs a non-zero packet identifier")
            }
            body += p.message.payload
        case .puback(let id):
            header = 0x40
            guard id != 0 else { throw MQTTProtocolError("PUBACK needs a non-zero packet identifier") }
            Self.appendUInt16(id, to: &body)
        case .subscribe(let id, let subscriptions):
            header = 0x82
            guard id != 0 else { throw MQTTProtocolError("SUBSCRIBE needs a non-zero packet identifier") }
            guard !subscriptions.isEmpty else { throw MQTTProtocolError("SUBSCRIBE needs at least one topic filter") }
            Self.appendUInt16(id, to: &body)
            for s in subscriptions {
                guard !s.filter.isEmpty else { throw MQTTProtocolError("a topic filter must not be empty") }
                try Self.appendString(s.filter, to: &body, what: "topic filter")
                body.append(s.qos.rawValue)
            }
        case .suback(let id, let codes):
            header = 0x90
            Self.appendUInt16(id, to: &body)
            body += codes
        case .pingreq: header = 0xC0
        case .pingresp: header = 0xD0
        case .disconnect: header = 0xE0
        }
        guard body.count <= Self.maxRemainingLength else {
            throw MQTTProtocolError("a packet of \(body.count) bytes after its fixed header: at most \(Self.maxRemainingLength)")
        }
        var out: [UInt8] = [header]
        out.reserveCapacity(body.count + 5)
        Self.appendRemainingLength(body.count, to: &out)
        out += body
        return out
    }

    /// The variable-length encoding of §2.2.3: seven bits a byte, least significant first, the
    /// high bit saying another byte follows.
    public static func appendRemainingLength(_ length: Int, to out: inout [UInt8]) {
        var n = length
        repeat {
            var byte = UInt8(n % 128)
            n /= 128
            if n > 0 { byte |= 0x80 }
            out.append(byte)
        } while n > 0
    }

    static func appendUInt16(_ v: UInt16, to out: inout [UInt8]) {
        out.append(UInt8(v >> 8))
        out.append(UInt8(v & 0xFF))
    }

    static func appendString(_ s: String, to out: inout [UInt8], what: String) throws(MQTTProtocolError) {
        let bytes = Array(s.utf8)
        if bytes.contains(0) { throw MQTTProtocolError("the \(what) must not contain U+0000") }
        try appendBinary(bytes, to: &out, what: what)
    }

    static func appendBinary(_ bytes: [UInt8], to out: inout [UInt8], what: String) throws(MQTTProtocolError) {
        guard bytes.count <= 65_535 else { throw MQTTProtocolError("the \(what) is \(bytes.count) bytes: at most 65535") }
        appendUInt16(UInt16(bytes.count), to: &out)
        out += bytes
    }

    /// A topic a message is published to: non-empty, no wildcards (§4.7.1).
    static func checkTopicName(_ topic: String) throws(MQTTProtocolError) {
        guard !topic.isEmpty else { throw MQTTProtocolError("a topic name must not be empty") }
        guard !topic.contains("+"), !topic.contains("#") else {
            throw MQTTProtocolError("the topic name '\(topic)' contains a wildcard (+ or #), which only subscriptions may use")
        }
    }

    // MARK: - Decoding

    /// Decodes the packet at the start of `bytes`: nil when more bytes are needed, else the
    /// packet and how many bytes it took. Packets whose remaining length exceeds
    /// `maxRemainingLength` are refused before they are buffered.
    public static func decode(_ bytes: ArraySlice<UInt8>, maxRemainingLength limit: Int = 1 << 20)
        throws(MQTTProtocolError) -> (packet: MQTTPacket, consumed: Int)?
    {
        guard let first = bytes.first else { return nil }
        var length = 0
        var multiplier = 1
        var index = bytes.startIndex + 1
        var lengthBytes = 0
        while true {
            guard index < bytes.endIndex else { return nil }
            let b = bytes[index]
            index += 1
            lengthBytes += 1
            length += Int(b & 0x7F) * multiplier
            if b & 0x80 == 0 { break }
            guard lengthBytes < 4 else {
                throw MQTTProtocolError("expected a remaining length of at most 4 bytes, the 4th has its continuation bit set")
            }
            multiplier *= 128
        }
        guard length <= limit else {
            throw MQTTProtocolError("a packet of \(length) bytes after its fixed header: this client accepts at most \(limit)")
        }
        guard bytes.endIndex - index >= length else { return nil }
        let body = bytes[index..<(index + length)]
        let packet = try decodeBody(first: first, body)
        return (packet, index + length - bytes.startIndex)
    }

    static func decodeBody(first: UInt8, _ body: ArraySlice<UInt8>) throws(MQTTProtocolError) -> MQTTPacket {
        let type = first >> 4
        let flags = first & 0x0F
        var r = Reader(body)
        func expectFlags(_ want: UInt8, _ name: String) throws(MQTTProtocolError) {
            guard flags == want else {
                throw MQTTProtocolError("expected the flags of \(name) to be \(want), got \(flags)")
            }
        }
        func expectLength(_ want: Int, _ name: String) throws(MQTTProtocolError) {
            guard body.count == want else {
                throw MQTTProtocolError("expected \(name) to have a remaining length of \(want), got \(body.count)")
            }
        }
        switch type {
        case 1:
            try expectFlags(0, "CONNECT")
            let name = try r.string("protocol name")
            guard name == "MQTT" else { throw MQTTProtocolError("expected the protocol name MQTT, got '\(name)'") }
            let level = try r.byte("protocol level")
            guard level == 4 else { throw MQTTProtocolError("expected protocol level 4 (MQTT 3.1.1), got \(level)") }
            let cf = try r.byte("connect flags")
            guard cf & 0x01 == 0 else { throw MQTTProtocolError("expected the reserved connect flag to be 0") }
            let keepAlive = try r.uint16("keep alive")
            let clientID = try r.string("client identifier")
            var will: MQTTMessage?
            if cf & 0x04 != 0 {
                let topic = try r.string("will topic")
                let payload = try r.binary("will message")
                guard let qos = MQTTQoS(rawValue: (cf >> 3) & 0x03) else {
                    throw MQTTProtocolError("expected a will QoS of 0 or 1, got \((cf >> 3) & 0x03)")
                }
                will = MQTTMessage(topic: topic, payload: payload, qos: qos, retain: cf & 0x20 != 0)
            } else if cf & 0x38 != 0 {
                throw MQTTProtocolError("expected no will QoS or retain flag without a will")
            }
            let username = cf & 0x80 != 0 ? try r.string("user name") : nil
            let password = cf & 0x40 != 0 ? String(decoding: try r.binary("password"), as: UTF8.self) : nil
            try r.expectEnd("CONNECT")
            return .connect(MQTTConnect(clientID: clientID, keepAliveSeconds: keepAlive, cleanSession: cf & 0x02 != 0,
                                        username: username, password: password, will: will))
        case 2:
            try expectFlags(0, "CONNACK")
            try expectLength(2, "CONNACK")
            let ack = try r.byte("acknowledge flags")
            guard ack & 0xFE == 0 else { throw MQTTProtocolError("expected CONNACK's reserved acknowledge flags to be 0, got \(ack)") }
            return .connack(sessionPresent: ack == 1, returnCode: try r.byte("return code"))
        case 3:
            let qosBits = (flags >> 1) & 0x03
            guard let qos = MQTTQoS(rawValue: qosBits) else {
                throw MQTTProtocolError(qosBits == 2
                    ? "expected a PUBLISH of QoS 0 or 1, got QoS 2 (not supported: this client subscribes with QoS 1 at most)"
                    : "expected a PUBLISH QoS of 0, 1 or 2, got 3")
            }
            let topic = try r.string("topic name")
            guard !topic.isEmpty, !topic.contains("+"), !topic.contains("#") else {
                throw MQTTProtocolError("expected a PUBLISH topic name without wildcards, got '\(topic)'")
            }
            var id: UInt16?
            if qos == .atLeastOnce {
                let packetID = try r.uint16("packet identifier")
                guard packetID != 0 else { throw MQTTProtocolError("expected a non-zero packet identifier in a QoS 1 PUBLISH") }
                id = packetID
            }
            let message = MQTTMessage(topic: topic, payload: r.rest(), qos: qos, retain: flags & 0x01 != 0)
            return .publish(MQTTPublish(message, packetID: id, duplicate: flags & 0x08 != 0))
        case 4:
            try expectFlags(0, "PUBACK")
            try expectLength(2, "PUBACK")
            return .puback(packetID: try r.uint16("packet identifier"))
        case 8:
            try expectFlags(2, "SUBSCRIBE")
            let id = try r.uint16("packet identifier")
            var subs: [MQTTSubscription] = []
            while !r.atEnd {
                let filter = try r.string("topic filter")
                let q = try r.byte("requested QoS")
                guard let qos = MQTTQoS(rawValue: q) else { throw MQTTProtocolError("expected a requested QoS of 0 or 1, got \(q)") }
                subs.append(MQTTSubscription(filter, qos: qos))
            }
            guard !subs.isEmpty else { throw MQTTProtocolError("expected at least one topic filter in SUBSCRIBE") }
            return .subscribe(packetID: id, subscriptions: subs)
        case 9:
            try expectFlags(0, "SUBACK")
            let id = try r.uint16("packet identifier")
            let codes = r.rest()
            guard !codes.isEmpty else { throw MQTTProtocolError("expected at least one return code in SUBACK") }
            for c in codes where ![0, 1, 2, 0x80].contains(c) {
                throw MQTTProtocolError("expected SUBACK return codes 0, 1, 2 or 128, got \(c)")
            }
            return .suback(packetID: id, returnCodes: codes)
        case 12, 13, 14:
            let name = ["PINGREQ", "PINGRESP", "DISCONNECT"][Int(type) - 12]
            try expectFlags(0, name)
            try expectLength(0, name)
            return type == 12 ? .pingreq : type == 13 ? .pingresp : .disconnect
        case 0, 15:
            throw MQTTProtocolError("expected a control packet type from 1 to 14, got the reserved type \(type)")
        default:
            let names = [5: "PUBREC", 6: "PUBREL", 7: "PUBCOMP", 10: "UNSUBSCRIBE", 11: "UNSUBACK"]
            throw MQTTProtocolError("expected CONNACK, PUBLISH, PUBACK, SUBACK or PINGRESP, got \(names[Int(type)] ?? "type \(type)") (QoS 2 and unsubscribing are not used)")
        }
    }

    /// Reads the fields of a packet's body, every read checked against its end.
    struct Reader {
        var bytes: ArraySlice<UInt8>
        init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }

        var atEnd: Bool { bytes.isEmpty }

        mutating func byte(_ what: String) throws(MQTTProtocolError) -> UInt8 {
            guard let b = bytes.popFirst() else { throw MQTTProtocolError("expected the \(what), but the packet ended") }
            return b
        }

        mutating func uint16(_ what: String) throws(MQTTProtocolError) -> UInt16 {
            guard bytes.count >= 2 else { throw MQTTProtocolError("expected the two bytes of the \(what), but the packet ended") }
            let v = UInt16(bytes[bytes.startIndex]) << 8 | UInt16(bytes[bytes.startIndex + 1])
            bytes = bytes.dropFirst(2)
            return v
        }

        mutating func binary(_ what: String) throws(MQTTProtocolError) -> [UInt8] {
            let n = Int(try uint16("length of the \(what)"))
            guard bytes.count >= n else {
                throw MQTTProtocolError("expected \(n) bytes of the \(what), but only \(bytes.count) remain in the packet")
            }
            let out = Array(bytes.prefix(n))
            bytes = bytes.dropFirst(n)
            return out
        }

        mutating func string(_ what: String) throws(MQTTProtocolError) -> String {
            let raw = try binary(what)
            guard let s = String(validating: raw, as: UTF8.self) else {
                throw MQTTProtocolError("expected the \(what) to be UTF-8")
            }
            guard !raw.contains(0) else { throw MQTTProtocolError("expected the \(what) without U+0000") }
            return s
        }

        mutating func rest() -> [UInt8] {
            defer { bytes = bytes[bytes.endIndex...] }
            return Array(bytes)
        }

        func expectEnd(_ name: String) throws(MQTTProtocolError) {
            guard bytes.isEmpty else { throw MQTTProtocolError("expected the end of \(name), \(bytes.count) bytes remain") }
        }
    }
}
