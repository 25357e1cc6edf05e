import AWSSigV4
import Testing

/// SHA-256, HMAC-SHA256 and MD5 against published vectors, against python3 hashlib for
/// lengths around the 64-byte block boundary, and fed in pieces against fed at once.
struct DigestTests {
    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] }, as: UTF8.self)
    }

    static func bytes(hex: String) -> [UInt8] {
        let u = Array(hex.utf8)
        func nibble(_ c: UInt8) -> UInt8 { c <= 57 ? c - 48 : c - 87 }
        return stride(from: 0, to: u.count, by: 2).map { nibble(u[$0]) << 4 | nibble(u[$0 + 1]) }
    }

    /// The deterministic test input of the boundary cases: byte i is (7 i + 3) mod 256.
    static func pattern(_ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) } }

    // MARK: SHA-256 (FIPS 180-4 examples, NIST CAVP short messages)

    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
        (
            "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
        ),
    ])
    func sha256Examples(message: String, digest: String) {
        #expect(Self.hex(SHA256.hash(Array(message.utf8))) == digest)
        #expect(Self.hex(SHA256.hash(message.utf8)) == digest)
    }

    @Test func sha256OfOneMillionAs() {
        let expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        #expect(Self.hex(SHA256.hash([UInt8](repeating: 0x61, count: 1_000_000))) == expected)
        // The same in 1000 pieces of 1000 bytes, which never line up with the 64-byte blocks.
        var hash = SHA256()
        let piece = [UInt8](repeating: 0x61, count: 1000)
        for _ in 0..<1000 { hash.update(piece) }
        #expect(Self.hex(hash.finalize()) == expected)
    }

    /// Values from python3 hashlib over ``pattern(_:)``: one byte short of the length field
    /// fitting (55), just not fitting (56, 57), and around one and two blocks.
    static let boundaryCases: [(Int, String, String)] = [
        (55, "e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b", "52c0e574e1198de5fe3f8f11440dcb1b"),
        (56, "4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27", "46c9907fc908ee68b1e7b8e71286a518"),
        (57, "35df609437dcfea3279283ab79fd554e2bf78f8f7ae2de532d8ee300b09e8f73", "1c805dd236c35cab25fcb1bc73802c51"),
        (63, "81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055", "a62f6d59e837867693f042f5b8f5a236"),
        (64, "39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241", "7160b8fb5e9e4023d549c3971fbaeead"),
        (65, "aacca6ff74fdbb296d165a45cecfa04e5127bc008770fbbdd48006f2d2fae95e", "70bd662e7aefbda85a0f7244167b7897"),
        (119, "9ce7368e4daf32341631b492e80359dc9f594b48453cd0dd5bf0b19279cc177e", "e84905d4214f4d1ca56c2cdcc152b143"),
        (120, "7836b787757e95e58b3ca5aec90b1b004e8deba1e50e9675af9cabf1a13a04b5", "e3eb5a6c8669ea01a8c185b8abc8a5dc"),
        (127, "a8d23e75d936f303d248888d9b165ee543f4cbafcad3c9dd2a79bd84faa11d07", "acce2474d6cc8302120d09c818d17ef7"),
        (128, "d2742f1f4ac6bb7ca2b239ee18402ba8b3f9f8e652d2a72973c2b9ba11c08cf6", "10b2da1a82f16d99a81a7203fe9f02cb"),
        (129, "307f8fc2c1622b92762e818d39a185d4d667ad49a4b07ceae1f4afa008a93ec4", "03fefbbcebe2959cf2270241aafe0250"),
        (1000, "1e9bc38cbf860b9ec31918b065f9b52476c549a782e0e7990bed8ce3868d2371", "10046f077f2082ac19676b8079f1cb1a"),
    ]

    @Test(arguments: DigestTests.boundaryCases)
    func blockBoundaries(length: Int, sha256: String, md5: String) {
        let input = Self.pattern(length)
        #expect(Self.hex(SHA256.hash(input)) == sha256)
        #expect(Self.hex(MD5.hash(input)) == md5)
    }

    @Test(arguments: [1, 3, 55, 63, 64, 65, 100])
    func piecesGiveTheSameDigest(pieceSize: Int) {
        let input = Self.pattern(1000)
        var sha = SHA256()
        var md5 = MD5()
        var start = 0
        while start < input.count {
            let piece = input[start..<min(start + pieceSize, input.count)]
            sha.update(piece)
            md5.update(piece)
            start += pieceSize
        }
        #expect(sha.finalize() == SHA256.hash(input))
        #expect(md5.finalize() == MD5.hash(input))
    }

    @Test func finalizeLeavesTheHashUsable() {
        var hash = SHA256()
        hash.update(Array("ab".utf8))
        _ = hash.finalize()
        hash.update(Array("c".utf8))
        #expect(Self.hex(hash.finalize()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        // Empty updates change nothing; a non-contiguous sequence is read too.
        var lazy = SHA256()
        lazy.update([UInt8]())
        lazy.update((0..<3).lazy.map { UInt8(0x61 + $0) })
        #expect(lazy.finalize() == hash.finalize())
    }

    // MARK: HMAC-SHA256 (RFC 4231 §4.2–4.8)

    @Test(arguments: [
        // 1: 20-byte key
        (String(repeating: "0b", count: 20), DigestTests.hexOf("Hi There"),
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        // 2: key shorter than the output
        (DigestTests.hexOf("Jefe"), DigestTests.hexOf("what do ya want for nothing?"),
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        // 3: 50 bytes of 0xdd
        (String(repeating: "aa", count: 20), String(repeating: "dd", count: 50),
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        // 4: 25-byte key 01…19
        ("0102030405060708090a0b0c0d0e0f10111213141516171819", String(repeating: "cd", count: 50),
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        // 6: 131-byte key, hashed first
        (String(repeating: "aa", count: 131), DigestTests.hexOf("Test Using Larger Than Block-Size Key - Hash Key First"),
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        // 7: 131-byte key and 152-byte data
        (String(repeating: "aa", count: 131),
         DigestTests.hexOf(
            "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm."
         ),
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ])
    func hmacRFC4231(keyHex: String, dataHex: String, mac: String) {
        #expect(Self.hex(HMACSHA256.authenticationCode(for: Self.bytes(hex: dataHex), key: Self.bytes(hex: keyHex))) == mac)
    }

    @Test func hmacRFC4231Truncated() {
        // Case 5 publishes only the first 128 bits.
        let mac = HMACSHA256.authenticationCode(for: Array("Test With Truncation".utf8), key: [UInt8](repeating: 0x0c, count: 20))
        #expect(Self.hex(Array(mac.prefix(16))) == "a3b6167473100ee06e0c796c2955552b")
    }

    @Test func hmacKeysAtTheBlockSize() {
        // python3 hmac: a 64-byte key is used as is, a 65-byte key is hashed first.
        #expect(
            Self.hex(HMACSHA256.authenticationCode(for: Array("msg".utf8), key: Self.pattern(64)))
                == "b432e504b825ba4e1c3ababa2ba7c13e15fc7aeef6b527ede368d5a26a8c7e12")
        #expect(
            Self.hex(HMACSHA256.authenticationCode(for: Array("msg".utf8), key: Self.pattern(65)))
                == "90c485cfff29c9bae92cefe655c3b8f088f7fb303291ced02bffdb0cffaca289")
    }

    static func hexOf(_ text: String) -> String { hex(Array(text.utf8)) }

    // MARK: MD5 (RFC 1321 appendix A.5)

    @Test(arguments: [
        ("", "d41d8cd98f00b204e9800998ecf8427e"),
        ("a", "0cc175b9c0f1b6a831c399e269772661"),
        ("abc", "900150983cd24fb0d6963f7d28e17f72"),
        ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
        ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
        ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"),
        (String(repeating: "1234567890", count: 8), "57edf4a22be3c955ac49da2e2107b67a"),
    ])
    func md5RFC1321(message: String, digest: String) {
        #expect(Self.hex(MD5.hash(Array(message.utf8))) == digest)
    }

    @Test func md5OfOneMillionAs() {
        // python3 hashlib.
        #expect(Self.hex(MD5.hash([UInt8](repeating: 0x61, count: 1_000_000))) == "7707d6ae4e027c70eea2a935c2296f21")
    }
}
