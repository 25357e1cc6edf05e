// A tiny XML reader for the chart tests: it rejects markup that is not well formed (unbalanced
// tags, bad attribute quoting, stray `<` or `&`) and gives a tree to query.

struct ChartXMLNode {
    var name: String
    var attributes: [String: String]
    var children: [ChartXMLNode] = []
    /// Text directly inside this element (children's text excluded), entities decoded.
    var text: String = ""

    func all(_ name: String, class cls: String? = nil) -> [ChartXMLNode] {
        var found: [ChartXMLNode] = []
        collect(name, cls, &found)
        return found
    }

    private func collect(_ n: String, _ cls: String?, _ found: inout [ChartXMLNode]) {
        for c in children {
            if c.name == n, cls == nil || c.classes.contains(Substring(cls!)) { found.append(c) }
            c.collect(n, cls, &found)
        }
    }

    var classes: [Substring] { (attributes["class"] ?? "").split(separator: " ") }

    subscript(_ attribute: String) -> String? { attributes[attribute] }
}

struct ChartXMLError: Error, CustomStringConvertible {
    var message: String
    var offset: Int
    var description: String { "\(message) at byte \(offset)" }
}

enum ChartXML {
    static func parse(_ s: String) throws -> ChartXMLNode {
        var p = Parser(bytes: Array(s.utf8))
        return try p.document()
    }

    struct Parser {
        let bytes: [UInt8]
        var i = 0

        func fail(_ m: String) -> ChartXMLError { ChartXMLError(message: m, offset: i) }

        mutating func document() throws -> ChartXMLNode {
            var root: ChartXMLNode? = nil
            while i < bytes.count {
                if bytes[i] == UInt8(ascii: "<") {
                    if root != nil { throw fail("content after the root element") }
                    root = try element()
                } else if isSpace(bytes[i]) {
                    i += 1
                } else {
                    throw fail("text outside the root element")
                }
            }
            guard let root else { throw fail("no root element") }
            return root
        }

        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x09 || b == 0x0D }
        func isNameByte(_ b: UInt8) -> Bool {
            (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39)
                || b == UInt8(ascii: "-") || b == UInt8(ascii: ":") || b == UInt8(ascii: "_") || b == UInt8(ascii: ".")
        }

        mutating func name() throws -> String {
            let start = i
            while i < bytes.count && isNameByte(bytes[i]) { i += 1 }
            if i == start { throw fail("expected a name") }
            return String(decoding: bytes[start..<i], as: UTF8.self)
        }

        mutating func skipSpace() { while i < bytes.count && isSpace(bytes[i]) { i += 1 } }

        mutating func expect(_ b: UInt8) throws {
            guard i < bytes.count, bytes[i] == b else { throw fail("expected '\(Character(Unicode.Scalar(b)))'") }
            i += 1
        }

        /// Decodes an entity starting at `&`; only the XML ones and numeric references.
        mutating func entity() throws -> String {
            try expect(UInt8(ascii: "&"))
            let start = i
            while i < bytes.count && bytes[i] != UInt8(ascii: ";") {
                if i - start > 10 { throw fail("unterminated entity") }
                i += 1
            }
            guard i < bytes.count else { throw fail("unterminated entity") }
            let body = String(decoding: bytes[start..<i], as: UTF8.self)
            i += 1
            switch body {
            case "amp": return "&"
            case "lt": return "<"
            case "gt": return ">"
            case "quot": return "\""
            case "apos": return "'"
            default:
                if body.hasPrefix("#x"), let v = UInt32(body.dropFirst(2), radix: 16), let u = Unicode.Scalar(v) { return String(u) }
                if body.hasPrefix("#"), let v = UInt32(body.dropFirst()), let u = Unicode.Scalar(v) { return String(u) }
                throw fail("unknown entity &\(body);")
            }
        }

        mutating func element() throws -> ChartXMLNode {
            try expect(UInt8(ascii: "<"))
            var node = ChartXMLNode(name: try name(), attributes: [:])
            while true {
                let hadSpace = i < bytes.count && isSpace(bytes[i])
                skipSpace()
                guard i < bytes.count else { throw fail("unterminated start tag") }
                if bytes[i] == UInt8(ascii: "/") {
                    i += 1
                    try expect(UInt8(ascii: ">"))
                    return node
                }
                if bytes[i] == UInt8(ascii: ">") {
                    i += 1
                    break
                }
                if !hadSpace { throw fail("attributes must be separated by space") }
                let key = try name()
                try expect(UInt8(ascii: "="))
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") || bytes[i] == UInt8(ascii: "'") else {
                    throw fail("attribute \(key) is not quoted")
                }
                let quote = bytes[i]
                i += 1
                var value = ""
                while true {
                    guard i < bytes.count else { throw fail("unterminated attribute \(key)") }
                    let b = bytes[i]
                    if b == quote { i += 1; break }
                    if b == UInt8(ascii: "<") { throw fail("'<' inside attribute \(key)") }
                    if b == UInt8(ascii: "&") { value += try entity(); continue }
                    let start = i
                    while i < bytes.count && bytes[i] != quote && bytes[i] != UInt8(ascii: "<") && bytes[i] != UInt8(ascii: "&") { i += 1 }
                    value += String(decoding: bytes[start..<i], as: UTF8.self)
                }
                if node.attributes[key] != nil { throw fail("duplicate attribute \(key)") }
                node.attributes[key] = value
            }
            // Content.
            while true {
                guard i < bytes.count else { throw fail("element <\(node.name)> is not closed") }
                let b = bytes[i]
                if b == UInt8(ascii: "<") {
                    if i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "/") {
                        i += 2
                        let closing = try name()
                        skipSpace()
                        try expect(UInt8(ascii: ">"))
                        if closing != node.name { throw fail("</\(closing)> closes <\(node.name)>") }
                        return node
                    }
                    node.children.append(try element())
                } else if b == UInt8(ascii: "&") {
                    node.text += try entity()
                } else {
                    let start = i
                    while i < bytes.count && bytes[i] != UInt8(ascii: "<") && bytes[i] != UInt8(ascii: "&") { i += 1 }
                    node.text += String(decoding: bytes[start..<i], as: UTF8.self)
                }
            }
        }
    }
}

/// Path data split into commands: the letter and its two numbers.
func chartPathCommands(_ d: String) -> [(cmd: Character, x: Double, y: Double)] {
    var result: [(Character, Double, Double)] = []
    var current: Character? = nil
    var numbers = ""
    func flush() {
        guard let c = current else { return }
        let parts = numbers.split(separator: " ").compactMap { Double($0) }
        result.append((c, parts.count > 0 ? parts[0] : .nan, parts.count > 1 ? parts[1] : .nan))
    }
    for ch in d {
        if ch.isLetter {
            flush()
            current = ch
            numbers = ""
        } else {
            numbers.append(ch)
        }
    }
    flush()
    return result
}

/// Deterministic pseudo-random numbers so failures reproduce.
struct ChartRNG: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

let chartMinute: Int64 = 60_000
let chartHour: Int64 = 3_600_000
let chartDay: Int64 = 86_400_000
/// 2026-06-03 13:05:00 UTC (date -u -d '2026-06-03 13:05:00 UTC' +%s).
let chartJune3at1305: Int64 = 1_780_491_900_000
