// Station ids: UUIDv7 generation (RFC 9562 §5.7) and parsing of UUID text in the forms the
// Python collector accepts (it validates with pydantic's UUID type).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A UUIDv7: 48 bits of Unix milliseconds, then random bits, so ids sort by creation time.
public enum UUIDv7 {
    /// RFC 9562 §5.7 layout: `unix_ts_ms` (48) | `ver`=0b0111 (4) | `rand_a` (12) |
    /// `var`=0b10 (2) | `rand_b` (62). Returns canonical lowercase text.
    public static func generate(
        unixMilliseconds: UInt64, using random: inout some RandomNumberGenerator
    ) -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        let ms = unixMilliseconds & 0xFFFF_FFFF_FFFF
        for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: ms >> (8 * (5 - i))) }
        let high = random.next()
        let low = random.next()
        for i in 0..<2 { bytes[6 + i] = UInt8(truncatingIfNeeded: high >> (8 * i)) }
        for i in 0..<8 { bytes[8 + i] = UInt8(truncatingIfNeeded: low >> (8 * i)) }
        bytes[6] = 0x70 | (bytes[6] & 0x0F)
        bytes[8] = 0x80 | (bytes[8] & 0x3F)
        return UUIDText.format(bytes)
    }

    /// A UUIDv7 for now, from the system clock and the system's random source.
    public static func generate() -> String {
        var random = SystemRandomNumberGenerator()
        return generate(unixMilliseconds: systemMilliseconds(), using: &random)
    }

    /// Milliseconds since the Unix epoch from `CLOCK_REALTIME`.
    public static func systemMilliseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return UInt64(max(0, now.tv_sec)) * 1000 + UInt64(max(0, now.tv_nsec)) / 1_000_000
    }
}

/// UUID text: validation and canonical form.
public enum UUIDText {
    /// The canonical `8-4-4-4-12` lowercase form of `text`, or nil if it is not a UUID.
    /// Accepts what Python's `uuid.UUID` accepts: hyphens anywhere or none, braces, `urn:uuid:`.
    public static func canonical(_ text: String) -> String? {
        var body = Substring(text.lowercased())
        if body.hasPrefix("urn:uuid:") { body = body.dropFirst(9) }
        if body.hasPrefix("{") && body.hasSuffix("}") && body.count >= 2 { body = body.dropFirst().dropLast() }
        var bytes: [UInt8] = []
        var pending: UInt8? = nil
        for scalar in body.unicodeScalars where scalar != "-" {
            guard let nibble = hexValue(scalar) else { return nil }
            if let high = pending { bytes.append(high << 4 | nibble); pending = nil } else { pending = nibble }
        }
        guard pending == nil, bytes.count == 16 else { return nil }
        return format(bytes)
    }

    /// The UUID's 16 bytes, or nil if `text` is not a UUID.
    public static func bytes(_ text: String) -> [UInt8]? {
        guard let canonical = canonical(text) else { return nil }
        var out: [UInt8] = []
        var pending: UInt8? = nil
        for scalar in canonical.unicodeScalars where scalar != "-" {
            let nibble = hexValue(scalar) ?? 0
            if let high = pending { out.append(high << 4 | nibble); pending = nil } else { pending = nibble }
        }
        return out
    }

    static func format(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".unicodeScalars)
        var out = String.UnicodeScalarView()
        for (i, byte) in bytes.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append("-") }
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(out)
    }

    private static func hexValue(_ scalar: Unicode.Scalar) -> UInt8? {
        switch scalar.value {
        case 0x30...0x39: UInt8(scalar.value - 0x30)
        case 0x61...0x66: UInt8(scalar.value - 0x61 + 10)
        default: nil
        }
    }
}
