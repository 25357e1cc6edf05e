import MQTT
import Testing

@Suite struct PacketTests {
    func encode(_ p: MQTTPacket) throws -> [UInt8] { try p.encoded() }

    func decodeOne(_ bytes: [UInt8]) throws -> MQTTPacket {
        let result = try #require(try MQTTPacket.decode(bytes[...]))
        #expect(result.consumed == bytes.count)
        return result.packet
    }

    func decodeError(_ bytes: [UInt8]) -> String? {
        do {
            _ = try MQTTPacket.decode(bytes[...])
            return nil
        } catch { return error.message }
    }

    @Test func remainingLengthBoundaries() {
        // §2.2.3's table: the largest value of each length.
        let cases: [(Int, [UInt8])] = [
            (0, [0x00]), (127, [0x7F]), (128, [0x80, 0x01]), (16_383, [0xFF, 0x7F]), (16_384, [0x80, 0x80, 0x01]),
            (2_097_151, [0xFF, 0xFF, 0x7F]), (2_097_152, [0x80, 0x80, 0x80, 0x01]), (268_435_455, [0xFF, 0xFF, 0xFF, 0x7F]),
        ]
        for (n, want) in cases {
            var out: [UInt8] = []
            MQTTPacket.appendRemainingLength(n, to: &out)
            #expect(out == want, "\(n)")
        }
    }

    @Test func connectWithWillAndCredentials() throws {
        let will = MQTTMessage(topic: "a/b", text: "offline", qos: .atLeastOnce, retain: true)
        let c = MQTTConnect(clientID: "os1", keepAliveSeconds: 60, cleanSession: true, username: "u", password: "p", will: will)
        let bytes = try encode(.connect(c))
        let body: [UInt8] = [0, 4] + Array("MQTT".utf8) + [4, 0b1110_1110, 0, 60]
            + [0, 3] + Array("os1".utf8) + [0, 3] + Array("a/b".utf8) + [0, 7] + Array("offline".utf8)
            + [0, 1, 0x75] + [0, 1, 0x70]
        #expect(bytes == [0x10, UInt8(body.count)] + body)
        #expect(try decodeOne(bytes) == .connect(c))
    }

    @Test func connectWithoutOptions() throws {
        let c = MQTTConnect(clientID: "x", keepAliveSeconds: 0, cleanSession: false)
        let bytes = try encode(.connect(c))
        #expect(bytes[9] == 0)  // connect flags: nothing set
        #expect(try decodeOne(bytes) == .connect(c))
    }

    @Test func passwordWithoutUserIsRefused() {
        #expect(throws: MQTTProtocolError.self) {
            try MQTTPacket.connect(MQTTConnect(clientID: "x", keepAliveSeconds: 5, password: "p")).encoded()
        }
    }

    @Test func connackReturnCodesAreTypedRefusals() throws {
        #expect(try decodeOne([0x20, 2, 0, 0]) == .connack(sessionPresent: false, returnCode: 0))
        #expect(try decodeOne([0x20, 2, 1, 0]) == .connack(sessionPresent: true, returnCode: 0))
        #expect(MQTTConnectRefusal(returnCode: 0) == nil)
        #expect(MQTTConnectRefusal(returnCode: 1) == .unacceptableProtocolVersion)
        #expect(MQTTConnectRefusal(returnCode: 2) == .identifierRejected)
        #expect(MQTTConnectRefusal(returnCode: 3) == .serverUnavailable)
        #expect(MQTTConnectRefusal(returnCode: 4) == .badUsernameOrPassword)
        #expect(MQTTConnectRefusal(returnCode: 5) == .notAuthorized)
        #expect(MQTTConnectRefusal(returnCode: 9) == .other(9))
        #expect(MQTTConnectRefusal.badUsernameOrPassword.description.contains("bad user name or password"))
        #expect(decodeError([0x20, 2, 2, 0])?.contains("reserved acknowledge flags") == true)
        #expect(decodeError([0x20, 3, 0, 0, 0])?.contains("remaining length of 2") == true)
    }

    @Test func publishQoS0And1() throws {
        let m0 = MQTTMessage(topic: "t/s", text: "hi")
        let b0 = try encode(.publish(MQTTPublish(m0)))
        #expect(b0 == [0x30, 7, 0, 3, 0x74, 0x2F, 0x73, 0x68, 0x69])
        #expect(try decodeOne(b0) == .publish(MQTTPublish(m0)))

        let m1 = MQTTMessage(topic: "t", text: "{}", qos: .atLeastOnce, retain: true)
        let b1 = try encode(.publish(MQTTPublish(m1, packetID: 0x0102, duplicate: true)))
        #expect(b1 == [0x3B, 7, 0, 1, 0x74, 1, 2, 0x7B, 0x7D])
        #expect(try decodeOne(b1) == .publish(MQTTPublish(m1, packetID: 0x0102, duplicate: true)))
    }

    @Test func publishFieldsThatCannotBeSent() {
        #expect(throws: MQTTProtocolError.self) { try MQTTPacket.publish(MQTTPublish(MQTTMessage(topic: "a/+", text: ""))).encoded() }
        #expect(throws: MQTTProtocolError.self) { try MQTTPacket.publish(MQTTPublish(MQTTMessage(topic: "", text: ""))).encoded() }
        #expect(throws: MQTTProtocolError.self) {
            try MQTTPacket.publish(MQTTPublish(MQTTMessage(topic: "a", text: "", qos: .atLeastOnce))).encoded()
        }
        #expect(throws: MQTTProtocolError.self) {
            try MQTTPacket.publish(MQTTPublish(MQTTMessage(topic: String(repeating: "x", count: 70_000), text: ""))).encoded()
        }
    }

    @Test func largePayloadUsesAMultiByteLength() throws {
        let m = MQTTMessage(topic: "t", payload: [UInt8](repeating: 7, count: 20_000))
        let b = try encode(.publish(MQTTPublish(m)))
        #expect(Array(b[0..<4]) == [0x30, 0xA3, 0x9C, 0x01])  // 20,003 = 0x4E23
        #expect(try decodeOne(b) == .publish(MQTTPublish(m)))
    }

    @Test func acksPingsAndDisconnect() throws {
        #expect(try encode(.puback(packetID: 10)) == [0x40, 2, 0, 10])
        #expect(try decodeOne([0x40, 2, 0, 10]) == .puback(packetID: 10))
        #expect(try encode(.pingreq) == [0xC0, 0])
        #expect(try encode(.pingresp) == [0xD0, 0])
        #expect(try encode(.disconnect) == [0xE0, 0])
        #expect(try decodeOne([0xD0, 0]) == .pingresp)
        #expect(try decodeOne([0xC0, 0]) == .pingreq)
        #expect(try decodeOne([0xE0, 0]) == .disconnect)
    }

    @Test func subscribeAndSuback() throws {
        let subs = [MQTTSubscription("homeassistant/status", qos: .atLeastOnce), MQTTSubscription("a/#")]
        let b = try encode(.subscribe(packetID: 5, subscriptions: subs))
        #expect(b[0] == 0x82)
        #expect(try decodeOne(b) == .subscribe(packetID: 5, subscriptions: subs))
        #expect(try decodeOne([0x90, 4, 0, 5, 1, 0x80]) == .suback(packetID: 5, returnCodes: [1, 0x80]))
        #expect(decodeError([0x90, 3, 0, 5, 7])?.contains("return codes") == true)
        #expect(throws: MQTTProtocolError.self) { try MQTTPacket.subscribe(packetID: 1, subscriptions: []).encoded() }
    }

    @Test func incompleteInputAsksForMore() throws {
        let whole = try encode(.publish(MQTTPublish(MQTTMessage(topic: "abc", text: "payload"))))
        for cut in 0..<whole.count {
            #expect(try MQTTPacket.decode(whole[..<cut]) == nil, "cut at \(cut)")
        }
        // Two packets back to back: the first is taken, the rest left.
        let two = whole + [0xD0, 0]
        let first = try #require(try MQTTPacket.decode(two[...]))
        #expect(first.consumed == whole.count)
        #expect(try MQTTPacket.decode(two[first.consumed...])?.packet == .pingresp)
    }

    @Test func malformedPacketsNameWhatWasExpected() {
        #expect(decodeError([0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])?.contains("at most 4 bytes") == true)
        #expect(decodeError([0x00, 0])?.contains("reserved type 0") == true)
        #expect(decodeError([0xF0, 0])?.contains("reserved type 15") == true)
        #expect(decodeError([0x50, 2, 0, 1])?.contains("PUBREC") == true)
        #expect(decodeError([0x34, 5, 0, 1, 0x74, 0, 1])?.contains("QoS 2") == true)
        #expect(decodeError([0x36, 5, 0, 1, 0x74, 0, 1])?.contains("got 3") == true)
        #expect(decodeError([0x32, 3, 0, 1, 0x74])?.contains("packet identifier") == true)
        #expect(decodeError([0x32, 5, 0, 1, 0x74, 0, 0])?.contains("non-zero packet identifier") == true)
        #expect(decodeError([0x30, 3, 0, 5, 0x74])?.contains("only 1 remain") == true)
        #expect(decodeError([0x30, 3, 0, 1, 0xFF])?.contains("UTF-8") == true)
        #expect(decodeError([0x30, 3, 0, 1, 0x23])?.contains("without wildcards") == true)
        #expect(decodeError([0x41, 2, 0, 1])?.contains("flags of PUBACK") == true)
        #expect(decodeError([0xD0, 1, 0])?.contains("PINGRESP") == true)
        #expect(decodeError([0x30, 0x80, 0x80, 0x80, 0x01])?.contains("accepts at most") == true)
    }

    @Test func randomBytesNeverTrap() {
        // A deterministic generator: the decoder must only ever return or throw.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt8 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
        for _ in 0..<20_000 {
            let n = Int(next() % 12)
            var bytes = (0..<n).map { _ in next() }
            if n > 1 { bytes[1] = bytes[1] & 0x0F }  // short lengths, so bodies are complete often
            _ = try? MQTTPacket.decode(bytes[...])
        }
    }
}
