import Snappy

#if canImport(Glibc)
import Glibc  // sin
#elseif canImport(Musl)
import Musl
#endif

/// SplitMix64: a tiny seeded generator, so every "random" input is the same on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Inputs of the shapes the Parquet writer and the tests care about.
enum Inputs {
    /// Uniform random bytes: incompressible.
    static func random(_ count: Int, seed: UInt64) -> [UInt8] {
        var rng = SplitMix64(seed: seed)
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { bytes in
            // Eight bytes per draw: debug builds make per-byte generation slow.
            var index = 0
            while index < count {
                var word = rng.next()
                for _ in 0..<min(8, count - index) {
                    bytes[index] = UInt8(truncatingIfNeeded: word)
                    word >>= 8
                    index += 1
                }
            }
        }
        return out
    }

    /// Random bytes over a small alphabet: many short matches at many distances.
    static func smallAlphabet(_ count: Int, symbols: UInt8, seed: UInt64) -> [UInt8] {
        random(count, seed: seed).map { $0 % symbols }
    }

    /// Long runs of one byte and short repeating patterns.
    static func repetitive(_ count: Int, seed: UInt64) -> [UInt8] {
        var rng = SplitMix64(seed: seed)
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            let period = Int.random(in: 1...12, using: &rng)
            let pattern = (0..<period).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let run = Int.random(in: 1...400, using: &rng)
            for index in 0..<run where out.count < count { out.append(pattern[index % period]) }
        }
        return out
    }

    /// English-like text from a fixed vocabulary.
    static func text(_ count: Int, seed: UInt64) -> [UInt8] {
        let words = [
            "the", "station", "reads", "temperature", "pressure", "humidity", "every", "five", "seconds",
            "and", "writes", "parquet", "files", "to", "object", "storage", "sensor", "particles", "of",
            "air", "quality", "batch", "clock", "aligned", "quarter", "hour", "compressed", "snappy",
        ]
        var rng = SplitMix64(seed: seed)
        var out: [UInt8] = []
        out.reserveCapacity(count + 16)
        while out.count < count {
            out += Array(words[Int.random(in: 0..<words.count, using: &rng)].utf8)
            out.append(Int.random(in: 0..<12, using: &rng) == 0 ? UInt8(ascii: "\n") : UInt8(ascii: " "))
        }
        return Array(out.prefix(count))
    }

    /// Float32 little-endian values like a sensor column: a slow daily cycle plus small noise,
    /// quantised the way the sensors report (plateaus repeat exact bit patterns).
    static func sensorFloats(_ values: Int, seed: UInt64) -> [UInt8] {
        var rng = SplitMix64(seed: seed)
        var out: [UInt8] = []
        out.reserveCapacity(values * 4)
        for index in 0..<values {
            let cycle = 20 + 5 * sin(Double(index) / 2_000)
            let noise = Double(Int.random(in: -3...3, using: &rng)) * 0.01
            let value = Float((cycle + noise) * 100).rounded() / 100
            withUnsafeBytes(of: value.bitPattern.littleEndian) { out += $0 }
        }
        return out
    }
}

/// A deliberately simple decoder written from the format description, with bounds-checked
/// array indexing: an independent check that what our compressor emits means what we think.
/// Returns nil for any malformed stream.
func referenceDecode(_ input: [UInt8]) -> [UInt8]? {
    var ip = 0
    var length = 0
    var shift = 0
    while true {
        guard ip < input.count, shift <= 28 else { return nil }
        let byte = input[ip]
        ip += 1
        length |= Int(byte & 0x7F) << shift
        shift += 7
        if byte & 0x80 == 0 { break }
    }
    var out: [UInt8] = []
    out.reserveCapacity(min(length, 1 << 20))
    while ip < input.count {
        let tag = input[ip]
        ip += 1
        switch tag & 3 {
        case 0:
            var n = Int(tag >> 2)
            if n >= 60 {
                let extra = n - 59
                guard ip + extra <= input.count else { return nil }
                n = 0
                for k in 0..<extra { n |= Int(input[ip + k]) << (8 * k) }
                ip += extra
            }
            n += 1
            guard ip + n <= input.count else { return nil }
            out += input[ip..<(ip + n)]
            ip += n
        default:
            let n: Int
            var offset = 0
            if tag & 3 == 1 {
                guard ip + 1 <= input.count else { return nil }
                n = 4 + Int((tag >> 2) & 7)
                offset = Int(tag >> 5) << 8 | Int(input[ip])
                ip += 1
            } else {
                let extra = tag & 3 == 2 ? 2 : 4
                guard ip + extra <= input.count else { return nil }
                n = 1 + Int(tag >> 2)
                for k in 0..<extra { offset |= Int(input[ip + k]) << (8 * k) }
                ip += extra
            }
            guard offset > 0, offset <= out.count else { return nil }
            let from = out.count - offset
            if offset >= n {
                out += out[from..<(from + n)]
            } else {
                for k in 0..<n { out.append(out[from + k]) }  // overlapping: byte by byte
            }
        }
    }
    return out.count == length ? out : nil
}

/// A short account of how two byte arrays differ. Failure messages use it instead of the arrays:
/// describing megabytes in a failed `#expect` takes minutes in a debug build.
func difference(_ actual: [UInt8]?, _ expected: [UInt8]?) -> String {
    guard let actual, let expected else {
        return "actual is \(actual.map { "\($0.count) bytes" } ?? "nil"), expected \(expected.map { "\($0.count) bytes" } ?? "nil")"
    }
    let first = zip(actual, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        ?? min(actual.count, expected.count)
    return "\(actual.count) vs \(expected.count) bytes, first difference at \(first)"
}
