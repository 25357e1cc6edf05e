public enum HTML {
    /// Escapes `& < > " '` so the result is safe in text and in quoted attributes of both HTML5 and XML.
    /// Control characters XML 1.0 forbids become spaces, so a stray byte in a label cannot break a
    /// standalone SVG document.
    public static func escape(_ s: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count + 8)
        escape(s, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func escape(_ s: String, into out: inout [UInt8]) {
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "\""): out.append(contentsOf: "&quot;".utf8)
            case UInt8(ascii: "'"): out.append(contentsOf: "&#39;".utf8)
            case 0x09, 0x0A, 0x0D: out.append(b)
            case 0x00..<0x20, 0x7F: out.append(0x20)
            default: out.append(b)
            }
        }
    }
}
