// SHA-256 (FIPS 180-4), HMAC-SHA256 (RFC 2104) and MD5 (RFC 1321) in plain Swift.
//
// Why not a crypto library: linking one put a second BoringSSL and its Swift wrapper into the
// binary, and the size alone cost several MiB of resident memory at start (docs/ARCHITECTURE.md §7). SigV4
// needs only these three digests, none of them over secrets that need constant-time code beyond
// what a straight-line hash already is.

/// Streaming SHA-256. Feed bytes with `update`, read the 32-byte digest with `finalize`.
public struct SHA256: Sendable, MerkleDamgard {
    /// Digest length in bytes.
    public static let byteCount = 32
    /// Block length in bytes (what HMAC pads keys to).
    public static let blockByteCount = 64

    var state: [UInt32] = [
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
    ]
    var blocks = BlockBuffer()

    /// A hash of no bytes yet.
    public init() {}

    /// Big-endian words and length (FIPS 180-4 §5.1.1, §6.2) or little-endian (RFC 1321 §3.2).
    static let isBigEndian = true

    /// Adds bytes.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) { absorb(bytes) }

    /// Adds bytes (arrays, slices and UTF-8 views are read in place).
    public mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 { absorb(bytes) }

    /// The digest of everything added so far (the hash itself is left unchanged).
    public func finalize() -> [UInt8] { digest() }

    /// The SHA-256 of `bytes`.
    public static func hash<Bytes: Sequence>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 { oneShot(bytes) }

    static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    /// Runs the compression function over `count` consecutive 64-byte blocks at `p`.
    static func compress(_ state: inout [UInt32], _ p: UnsafeRawPointer, count: Int) {
        roundConstants.withUnsafeBufferPointer { k in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
                var (h0, h1, h2, h3, h4, h5, h6, h7) = (
                    state[0], state[1], state[2], state[3], state[4], state[5], state[6], state[7]
                )
                for block in 0..<count {
                    let base = p + block * 64
                    for i in 0..<16 {
                        w[i] = UInt32(bigEndian: base.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))
                    }
                    // Rotations are written out: a helper call per rotation dominates debug builds.
                    for i in 16..<64 {
                        let x = w[i - 15]
                        let y = w[i - 2]
                        let s0 = (x &>> 7 | x &<< 25) ^ (x &>> 18 | x &<< 14) ^ (x &>> 3)
                        let s1 = (y &>> 17 | y &<< 15) ^ (y &>> 19 | y &<< 13) ^ (y &>> 10)
                        w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
                    }
                    var (a, b, c, d, e, f, g, h) = (h0, h1, h2, h3, h4, h5, h6, h7)
                    for i in 0..<64 {
                        let t1 = h &+ ((e &>> 6 | e &<< 26) ^ (e &>> 11 | e &<< 21) ^ (e &>> 25 | e &<< 7)) &+ ((e & f) ^ (~e & g)) &+ k[i] &+ w[i]
                        let t2 = ((a &>> 2 | a &<< 30) ^ (a &>> 13 | a &<< 19) ^ (a &>> 22 | a &<< 10)) &+ ((a & b) ^ (a & c) ^ (b & c))
                        h = g
                        g = f
                        f = e
                        e = d &+ t1
                        d = c
                        c = b
                        b = a
                        a = t1 &+ t2
                    }
                    h0 = h0 &+ a
                    h1 = h1 &+ b
                    h2 = h2 &+ c
                    h3 = h3 &+ d
                    h4 = h4 &+ e
                    h5 = h5 &+ f
                    h6 = h6 &+ g
                    h7 = h7 &+ h
                }
                state = [h0, h1, h2, h3, h4, h5, h6, h7]
            }
        }
    }
}

/// Streaming MD5, for S3's `Content-MD5` header and ETags (an integrity check, not security).
public struct MD5: Sendable, MerkleDamgard {
    /// Digest length in bytes.
    public static let byteCount = 16

    var state: [UInt32] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476]
    var blocks = BlockBuffer()

    /// A hash of no bytes yet.
    public init() {}

    /// Big-endian words and length (FIPS 180-4 §5.1.1, §6.2) or little-endian (RFC 1321 §3.2).
    static let isBigEndian = false

    /// Adds bytes.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) { absorb(bytes) }

    /// Adds bytes (arrays, slices and UTF-8 views are read in place).
    public mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 { absorb(bytes) }

    /// The digest of everything added so far (the hash itself is left unchanged).
    public func finalize() -> [UInt8] { digest() }

    /// The MD5 of `bytes`.
    public static func hash<Bytes: Sequence>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 { oneShot(bytes) }

    /// The sine table of RFC 1321 §3.4.
    static let sines: [UInt32] = [
        0xd76a_a478, 0xe8c7_b756, 0x2420_70db, 0xc1bd_ceee, 0xf57c_0faf, 0x4787_c62a, 0xa830_4613, 0xfd46_9501,
        0x6980_98d8, 0x8b44_f7af, 0xffff_5bb1, 0x895c_d7be, 0x6b90_1122, 0xfd98_7193, 0xa679_438e, 0x49b4_0821,
        0xf61e_2562, 0xc040_b340, 0x265e_5a51, 0xe9b6_c7aa, 0xd62f_105d, 0x0244_1453, 0xd8a1_e681, 0xe7d3_fbc8,
        0x21e1_cde6, 0xc337_07d6, 0xf4d5_0d87, 0x455a_14ed, 0xa9e3_e905, 0xfcef_a3f8, 0x676f_02d9, 0x8d2a_4c8a,
        0xfffa_3942, 0x8771_f681, 0x6d9d_6122, 0xfde5_380c, 0xa4be_ea44, 0x4bde_cfa9, 0xf6bb_4b60, 0xbebf_bc70,
        0x289b_7ec6, 0xeaa1_27fa, 0xd4ef_3085, 0x0488_1d05, 0xd9d4_d039, 0xe6db_99e5, 0x1fa2_7cf8, 0xc4ac_5665,
        0xf429_2244, 0x432a_ff97, 0xab94_23a7, 0xfc93_a039, 0x655b_59c3, 0x8f0c_cc92, 0xffef_f47d, 0x8584_5dd1,
        0x6fa8_7e4f, 0xfe2c_e6e0, 0xa301_4314, 0x4e08_11a1, 0xf753_7e82, 0xbd3a_f235, 0x2ad7_d2bb, 0xeb86_d391,
    ]

    static func compress(_ state: inout [UInt32], _ p: UnsafeRawPointer, count: Int) {
        sines.withUnsafeBufferPointer { t in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 16) { m in
                var (a0, b0, c0, d0) = (state[0], state[1], state[2], state[3])
                for block in 0..<count {
                    let base = p + block * 64
                    for i in 0..<16 {
                        m[i] = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))
                    }
                    var (a, b, c, d) = (a0, b0, c0, d0)
                    // Each step: a = b + ((a + f(b,c,d) + M[g] + T[i]) <<< s), then the registers
                    // rotate. Written out per round (no helper closure) so debug builds stay usable.
                    for i in 0..<16 {
                        let sum = a &+ ((b & c) | (~b & d)) &+ m[i] &+ t[i]
                        (a, d, c) = (d, c, b)
                        b = b &+ rotl(sum, i & 3 == 0 ? 7 : i & 3 == 1 ? 12 : i & 3 == 2 ? 17 : 22)
                    }
                    for i in 16..<32 {
                        let sum = a &+ ((d & b) | (~d & c)) &+ m[(5 &* i &+ 1) & 15] &+ t[i]
                        (a, d, c) = (d, c, b)
                        b = b &+ rotl(sum, i & 3 == 0 ? 5 : i & 3 == 1 ? 9 : i & 3 == 2 ? 14 : 20)
                    }
                    for i in 32..<48 {
                        let sum = a &+ (b ^ c ^ d) &+ m[(3 &* i &+ 5) & 15] &+ t[i]
                        (a, d, c) = (d, c, b)
                        b = b &+ rotl(sum, i & 3 == 0 ? 4 : i & 3 == 1 ? 11 : i & 3 == 2 ? 16 : 23)
                    }
                    for i in 48..<64 {
                        let sum = a &+ (c ^ (b | ~d)) &+ m[(7 &* i) & 15] &+ t[i]
                        (a, d, c) = (d, c, b)
                        b = b &+ rotl(sum, i & 3 == 0 ? 6 : i & 3 == 1 ? 10 : i & 3 == 2 ? 15 : 21)
                    }
                    a0 = a0 &+ a
                    b0 = b0 &+ b
                    c0 = c0 &+ c
                    d0 = d0 &+ d
                }
                state = [a0, b0, c0, d0]
            }
        }
    }
}

/// HMAC-SHA256 (RFC 2104 with SHA-256), the keyed hash of SigV4's key derivation and signature.
public enum HMACSHA256 {
    /// The 32-byte authentication code of `message` under `key`.
    public static func authenticationCode<Key: Sequence, Message: Sequence>(
        for message: Message, key: Key
    ) -> [UInt8] where Key.Element == UInt8, Message.Element == UInt8 {
        // Keys longer than a block are hashed first; shorter ones are zero-padded.
        var block = Array(key)
        if block.count > SHA256.blockByteCount { block = SHA256.hash(block) }
        block += [UInt8](repeating: 0, count: SHA256.blockByteCount - block.count)
        var inner = SHA256()
        inner.update(block.map { $0 ^ 0x36 })
        inner.update(message)
        var outer = SHA256()
        outer.update(block.map { $0 ^ 0x5c })
        outer.update(inner.finalize())
        return outer.finalize()
    }
}

/// What SHA-256 and MD5 share: 32-bit words of state, 64-byte blocks, the same padding, and
/// only the byte order differing.
protocol MerkleDamgard {
    init()
    var state: [UInt32] { get set }
    var blocks: BlockBuffer { get set }
    static var isBigEndian: Bool { get }
    /// Runs the compression function over `count` consecutive 64-byte blocks at the pointer.
    static func compress(_ state: inout [UInt32], _ p: UnsafeRawPointer, count: Int)
}

extension MerkleDamgard {
    mutating func absorb(_ bytes: UnsafeRawBufferPointer) {
        // State and buffer are taken out while they work on each other (exclusive access, and
        // no copy-on-write of the state).
        var words = state, buffer = blocks
        (state, blocks) = ([], BlockBuffer())
        buffer.feed(bytes) { Self.compress(&words, $0, count: $1) }
        (state, blocks) = (words, buffer)
    }

    mutating func absorb<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let done: Void? = bytes.withContiguousStorageIfAvailable { absorb(UnsafeRawBufferPointer($0)) }
        if done == nil { Array(bytes).withUnsafeBytes { absorb($0) } }
    }

    func digest() -> [UInt8] {
        var words = state, buffer = blocks
        buffer.pad(bigEndianLength: Self.isBigEndian) { Self.compress(&words, $0, count: $1) }
        var out: [UInt8] = []
        out.reserveCapacity(words.count * 4)
        for word in words {
            withUnsafeBytes(of: Self.isBigEndian ? word.bigEndian : word.littleEndian) { out.append(contentsOf: $0) }
        }
        return out
    }

    static func oneShot<Bytes: Sequence>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        var h = Self()
        h.absorb(bytes)
        return h.digest()
    }
}

/// The partial block and total length shared by the two Merkle–Damgård hashes above.
struct BlockBuffer: Sendable {
    var pending: [UInt8] = []
    var length: UInt64 = 0

    /// Passes whole 64-byte blocks to `compress` (pointer, block count), straight from the
    /// input when possible, and keeps the rest.
    mutating func feed(_ input: UnsafeRawBufferPointer, _ compress: (UnsafeRawPointer, Int) -> Void) {
        guard let start = input.baseAddress, input.count > 0 else { return }
        length &+= UInt64(input.count)
        var offset = 0
        if !pending.isEmpty {
            let take = min(64 - pending.count, input.count)
            pending.append(contentsOf: UnsafeRawBufferPointer(start: start, count: take))
            offset = take
            guard pending.count == 64 else { return }
            pending.withUnsafeBytes { compress($0.baseAddress!, 1) }
            pending.removeAll(keepingCapacity: true)
        }
        let whole = (input.count - offset) / 64
        if whole > 0 { compress(start + offset, whole) }
        offset += whole * 64
        if offset < input.count {
            pending.append(contentsOf: UnsafeRawBufferPointer(start: start + offset, count: input.count - offset))
        }
    }

    /// Appends the padding: 0x80, zeros up to 56 mod 64, then the bit length in 8 bytes.
    mutating func pad(bigEndianLength: Bool, _ compress: (UnsafeRawPointer, Int) -> Void) {
        let bits = length &* 8
        var tail = pending
        tail.append(0x80)
        while tail.count % 64 != 56 { tail.append(0) }
        withUnsafeBytes(of: bigEndianLength ? bits.bigEndian : bits.littleEndian) { tail.append(contentsOf: $0) }
        tail.withUnsafeBytes { compress($0.baseAddress!, tail.count / 64) }
        pending.removeAll()
    }
}

@inline(__always) func rotl(_ x: UInt32, _ n: UInt32) -> UInt32 { (x &<< n) | (x &>> (32 &- n)) }
