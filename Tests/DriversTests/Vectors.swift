import Foundation
import Testing

/// A JSON value, decoded generically so the vector file can change its cases freely.
enum JSON: Sendable, Equatable, Decodable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSON].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSON].self)) }
    }

    subscript(key: String) -> JSON { if case .object(let o) = self { o[key] ?? .null } else { .null } }
    var object: [String: JSON] { if case .object(let o) = self { o } else { [:] } }
    var array: [JSON] { if case .array(let a) = self { a } else { [] } }
    var string: String? { if case .string(let s) = self { s } else { nil } }
    var number: Double? { if case .number(let n) = self { n } else { nil } }
    var bool: Bool? { if case .bool(let b) = self { b } else { nil } }
    var isNull: Bool { self == .null }

    var description: String {
        switch self {
        case .null: "null"
        case .bool(let b): "\(b)"
        case .number(let n): "\(n)"
        case .string(let s): "\"\(s)\""
        case .array(let a): "[\(a.map(\.description).joined(separator: ", "))]"
        case .object(let o): "{\(o.keys.sorted().map { "\($0): \(o[$0]!)" }.joined(separator: ", "))}"
        }
    }
}

/// One case of one section, named for the test report.
struct VectorCase: Sendable, CustomTestStringConvertible {
    let section: String
    let name: String
    let json: JSON
    var testDescription: String { "\(section)/\(name)" }
}

enum Vectors {
    /// The whole file, loaded once.
    static let file: JSON = {
        guard let url = Bundle.module.url(forResource: "enviroplus-vectors", withExtension: "json", subdirectory: "Fixtures")
        else { fatalError("Fixtures/enviroplus-vectors.json is missing from the test bundle") }
        do { return try JSONDecoder().decode(JSON.self, from: Data(contentsOf: url)) }
        catch { fatalError("Fixtures/enviroplus-vectors.json does not parse: \(error)") }
    }()

    /// The section's `cases` (or another list), each named by its `name` or position.
    static func cases(_ section: String, list: String = "cases") -> [VectorCase] {
        file[section][list].array.enumerated().map { i, c in
            VectorCase(section: section, name: c["name"].string ?? "#\(i + 1)", json: c)
        }
    }
}

/// Bytes from a hex string such as "0x8583", "8583" or "0A 0B".
func bytes(hex text: String) -> [UInt8] {
    var s = text.replacingOccurrences(of: " ", with: "")
    if s.hasPrefix("0x") || s.hasPrefix("0X") { s.removeFirst(2) }
    var out: [UInt8] = []
    var i = s.startIndex
    while i < s.endIndex, let j = s.index(i, offsetBy: 2, limitedBy: s.endIndex) {
        guard let b = UInt8(s[i..<j], radix: 16) else { break }
        out.append(b)
        i = j
    }
    return out
}

/// A vector `writes` list ([["0xE0","0xB6"], …]) as whole writes: register byte then value bytes.
func writes(_ list: JSON) -> [[UInt8]] {
    list.array.map { pair in pair.array.flatMap { bytes(hex: $0.string ?? "") } }
}

/// A register image {"0x88": "69 6D …"} keyed by start register.
func image(_ json: JSON) -> [UInt8: [UInt8]] {
    var out: [UInt8: [UInt8]] = [:]
    for (k, v) in json.object { if let r = bytes(hex: k).first { out[r] = bytes(hex: v.string ?? "") } }
    return out
}

/// Relative closeness (absolute for expected 0).
func close(_ a: Double, _ b: Double, relative tolerance: Double = 1e-6) -> Bool {
    if b == 0 { return abs(a) <= tolerance }
    return abs(a - b) <= tolerance * abs(b)
}
