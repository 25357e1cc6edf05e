/// S3's URI encoding (the "UriEncode" of the SigV4 documentation).
///
/// Every byte of the UTF-8 form is percent-encoded with uppercase hex except the unreserved
/// characters `A–Z a–z 0–9 - . _ ~`; in a path, `/` is kept as well. S3 encodes the path only
/// once (other services encode it twice) and does not normalise `.`/`..` or repeated slashes, so
/// the string this produces is both what is signed and what must be sent on the wire.
public enum URIEncoding {
    /// Encodes a path (keeps `/`).
    public static func encodePath(_ path: String) -> String { encode(path, keepSlash: true) }

    /// Encodes a query parameter name or value (encodes `/` too).
    public static func encodeQueryComponent(_ component: String) -> String { encode(component, keepSlash: false) }

    static func encode(_ string: String, keepSlash: Bool) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(string.utf8.count)
        for byte in string.utf8 {
            if isUnreserved(byte) || (keepSlash && byte == UInt8(ascii: "/")) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)
}

/// Lowercase hex of bytes, as SigV4 writes hashes and signatures.
@usableFromInline
func lowercaseHex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
    let digits: [UInt8] = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: out, as: UTF8.self)
}
