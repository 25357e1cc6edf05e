/// A small, strict XML reader for S3's responses (`ListBucketResult`, `Error`,
/// `InitiateMultipartUploadResult`, `CompleteMultipartUploadResult`, `ListMultipartUploadsResult`).
///
/// It reads elements, text, the five predefined entities, numeric character references, CDATA,
/// comments and the XML declaration; attributes are skipped (S3 only puts `xmlns` there). It
/// rejects anything malformed — mismatched or unclosed tags, unknown entities, text outside the
/// root, nesting deeper than 16, more than 100,000 elements — with ``XMLError`` rather than
/// guessing. No DTDs.
struct XMLElement: Sendable, Equatable {
    var name: String
    var children: [XMLElement] = []
    var text: String = ""

    /// The first child named `name`.
    func child(_ name: String) -> XMLElement? { children.first { $0.name == name } }
    /// All children named `name`.
    func all(_ name: String) -> [XMLElement] { children.filter { $0.name == name } }
    /// The text of the first child named `name`.
    func text(of name: String) -> String? { child(name)?.text }
}

struct XMLError: Error, CustomStringConvertible {
    var message: String
    var offset: Int
    var description: String { "malformed XML at byte \(offset): \(message)" }
}

enum XMLParser {
    /// S3's answers nest four deep (`ListBucketResult/Contents/Owner/ID`).
    static let maxDepth = 16
    /// A full page of 1,000 listed objects or uploads is about 12,000 elements. The cap stops a
    /// hostile or broken 16 MiB answer of `<a/>`s from becoming millions of elements (hundreds
    /// of megabytes on a Pi) before anything looks at them.
    static let maxElements = 100_000

    static func parse(_ bytes: [UInt8]) throws(XMLError) -> XMLElement {
        var reader = Reader(bytes: bytes)
        reader.skipMisc()
        guard reader.peek() == UInt8(ascii: "<") else { throw reader.error("expected the root element") }
        let root = try reader.element(depth: 0)
        reader.skipMisc()
        guard reader.atEnd else { throw reader.error("content after the root element") }
        return root
    }

    struct Reader {
        let bytes: [UInt8]
        var i = 0
        var elements = 0

        var atEnd: Bool { i >= bytes.count }
        func peek(_ offset: Int = 0) -> UInt8? { i + offset < bytes.count ? bytes[i + offset] : nil }
        func error(_ message: String) -> XMLError { XMLError(message: message, offset: i) }

        func startsWith(_ s: StaticString) -> Bool { matches(s, at: i) }

        func matches(_ s: StaticString, at position: Int) -> Bool {
            let count = s.utf8CodeUnitCount
            guard position + count <= bytes.count else { return false }
            return s.withUTF8Buffer { pattern in
                for k in 0..<count where bytes[position + k] != pattern[k] { return false }
                return true
            }
        }

        mutating func skipWhitespace() {
            while let b = peek(), b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { i += 1 }
        }

        /// Skips whitespace, the XML declaration, processing instructions and comments.
        mutating func skipMisc() {
            while true {
                skipWhitespace()
                if startsWith("<?") {
                    guard let end = find("?>") else { i = bytes.count; return }
                    i = end + 2
                } else if startsWith("<!--") {
                    guard let end = find("-->") else { i = bytes.count; return }
                    i = end + 3
                } else {
                    return
                }
            }
        }

        func find(_ s: StaticString) -> Int? {
            var j = i
            while j + s.utf8CodeUnitCount <= bytes.count {
                if matches(s, at: j) { return j }
                j += 1
            }
            return nil
        }

        mutating func name() throws(XMLError) -> String {
            let start = i
            while let b = peek(), !(b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == UInt8(ascii: ">")
                || b == UInt8(ascii: "/") || b == UInt8(ascii: "="))
            {
                i += 1
            }
            guard i > start else { throw error("expected a name") }
            return String(decoding: bytes[start..<i], as: UTF8.self)
        }

        /// Reads `<name …>…</name>` or `<name …/>`; the reader is at `<`.
        mutating func element(depth: Int) throws(XMLError) -> XMLElement {
            guard depth < XMLParser.maxDepth else { throw error("nesting deeper than \(XMLParser.maxDepth)") }
            elements += 1
            guard elements <= XMLParser.maxElements else {
                throw error("more than \(XMLParser.maxElements) elements; no S3 answer has that many")
            }
            i += 1
            var element = XMLElement(name: try name())
            // Attributes: name="value" or name='value', skipped.
            while true {
                skipWhitespace()
                guard let b = peek() else { throw error("unclosed start tag <\(element.name)>") }
                if b == UInt8(ascii: "/") {
                    guard peek(1) == UInt8(ascii: ">") else { throw error("expected /> in <\(element.name)>") }
                    i += 2
                    return element
                }
                if b == UInt8(ascii: ">") {
                    i += 1
                    break
                }
                _ = try name()
                skipWhitespace()
                guard peek() == UInt8(ascii: "=") else { throw error("expected = after an attribute name") }
                i += 1
                skipWhitespace()
                guard let quote = peek(), quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else {
                    throw error("expected a quoted attribute value")
                }
                i += 1
                while let c = peek(), c != quote { i += 1 }
                guard !atEnd else { throw error("unclosed attribute value") }
                i += 1
            }
            // Content.
            var text: [UInt8] = []
            while true {
                guard let b = peek() else { throw error("unclosed element <\(element.name)>") }
                if b == UInt8(ascii: "<") {
                    if startsWith("</") {
                        i += 2
                        let closing = try name()
                        guard closing == element.name else {
                            throw error("</\(closing)> closes <\(element.name)>")
                        }
                        skipWhitespace()
                        guard peek() == UInt8(ascii: ">") else { throw error("expected > after </\(closing)") }
                        i += 1
                        element.text = String(decoding: text, as: UTF8.self)
                        return element
                    } else if startsWith("<!--") {
                        guard let end = find("-->") else { throw error("unclosed comment") }
                        i = end + 3
                    } else if startsWith("<![CDATA[") {
                        i += 9
                        guard let end = find("]]>") else { throw error("unclosed CDATA section") }
                        text += bytes[i..<end]
                        i = end + 3
                    } else if startsWith("<!") || startsWith("<?") {
                        throw error("unexpected markup declaration inside <\(element.name)>")
                    } else {
                        element.children.append(try self.element(depth: depth + 1))
                    }
                } else if b == UInt8(ascii: "&") {
                    text += try entity()
                } else {
                    text.append(b)
                    i += 1
                }
            }
        }

        /// Decodes `&name;` or `&#…;` at the reader.
        mutating func entity() throws(XMLError) -> [UInt8] {
            let start = i
            i += 1
            while let b = peek(), b != UInt8(ascii: ";") {
                guard i - start < 12 else { throw error("unterminated entity") }
                i += 1
            }
            guard !atEnd else { throw error("unterminated entity") }
            let body = String(decoding: bytes[(start + 1)..<i], as: UTF8.self)
            i += 1
            switch body {
            case "amp": return [UInt8(ascii: "&")]
            case "lt": return [UInt8(ascii: "<")]
            case "gt": return [UInt8(ascii: ">")]
            case "quot": return [UInt8(ascii: "\"")]
            case "apos": return [UInt8(ascii: "'")]
            default:
                var value: UInt32?
                if body.hasPrefix("#x") || body.hasPrefix("#X") {
                    value = UInt32(body.dropFirst(2), radix: 16)
                } else if body.hasPrefix("#") {
                    value = UInt32(body.dropFirst(), radix: 10)
                }
                guard let value, let scalar = Unicode.Scalar(value) else {
                    i = start
                    throw error("unknown entity &\(body);")
                }
                return Array(String(Character(scalar)).utf8)
            }
        }
    }
}

/// Escapes text for an XML element body.
func xmlEscape(_ text: String) -> String {
    var out = ""
    for ch in text {
        switch ch {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        default: out.append(ch)
        }
    }
    return out
}
