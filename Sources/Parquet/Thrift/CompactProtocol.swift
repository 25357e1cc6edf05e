// The Thrift compact protocol, the encoding of every Parquet metadata structure
// (parquet-format `parquet.thrift`; Thrift's compact protocol specification).
//
// Only what Parquet metadata uses is here: structs, i16/i32/i64 (zigzag varints), booleans
// folded into field headers, binary/strings and lists. The reader is written for hostile
// input: every length is checked against the bytes that remain, nesting depth is capped, and
// unknown fields are skipped so files from newer writers still read.

/// Wire types of the compact protocol (the low nibble of a field header).
enum ThriftType: UInt8 {
    case stop = 0
    case boolTrue = 1
    case boolFalse = 2
    case byte = 3
    case i16 = 4
    case i32 = 5
    case i64 = 6
    case double = 7
    case binary = 8
    case list = 9
    case set = 10
    case map = 11
    case `struct` = 12
}

/// Writes compact-protocol structs into a byte buffer.
///
/// Field ids are delta-encoded against the previous field of the same struct, so the writer
/// keeps one "last field id" per open struct.
struct ThriftCompactWriter {
    var bytes: [UInt8] = []
    private var lastFieldID: Int16 = 0
    private var fieldIDStack: [Int16] = []

    init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    mutating func structBegin() {
        fieldIDStack.append(lastFieldID)
        lastFieldID = 0
    }

    mutating func structEnd() {
        bytes.append(ThriftType.stop.rawValue)
        lastFieldID = fieldIDStack.removeLast()
    }

    private mutating func fieldHeader(_ id: Int16, _ type: ThriftType) {
        let delta = Int(id) - Int(lastFieldID)
        if delta > 0 && delta <= 15 {
            bytes.append(UInt8(delta) << 4 | type.rawValue)
        } else {
            bytes.append(type.rawValue)
            varint(zigzag(Int64(id)))
        }
        lastFieldID = id
    }

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    private func zigzag(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }

    mutating func field(_ id: Int16, bool value: Bool) {
        fieldHeader(id, value ? .boolTrue : .boolFalse)
    }

    mutating func field(_ id: Int16, i32 value: Int32) {
        fieldHeader(id, .i32)
        varint(zigzag(Int64(value)))
    }

    mutating func field(_ id: Int16, i16 value: Int16) {
        fieldHeader(id, .i16)
        varint(zigzag(Int64(value)))
    }

    mutating func field(_ id: Int16, i64 value: Int64) {
        fieldHeader(id, .i64)
        varint(zigzag(value))
    }

    mutating func field(_ id: Int16, binary value: some Collection<UInt8>) {
        fieldHeader(id, .binary)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func field(_ id: Int16, string value: String) {
        field(id, binary: value.utf8)
    }

    /// Writes a nested struct field whose fields `body` writes.
    mutating func field(_ id: Int16, struct body: (inout ThriftCompactWriter) -> Void) {
        fieldHeader(id, .struct)
        structBegin()
        body(&self)
        structEnd()
    }

    /// Writes a whole top-level or list-element struct whose fields `body` writes.
    mutating func `struct`(_ body: (inout ThriftCompactWriter) -> Void) {
        structBegin()
        body(&self)
        structEnd()
    }

    /// Writes a list header; the caller then writes `count` elements.
    mutating func fieldListBegin(_ id: Int16, elementType: ThriftType, count: Int) {
        fieldHeader(id, .list)
        listHeader(elementType: elementType, count: count)
    }

    mutating func listHeader(elementType: ThriftType, count: Int) {
        if count < 15 {
            bytes.append(UInt8(count) << 4 | elementType.rawValue)
        } else {
            bytes.append(0xF0 | elementType.rawValue)
            varint(UInt64(count))
        }
    }

    mutating func listElement(i32 value: Int32) { varint(zigzag(Int64(value))) }

    mutating func listElement(string value: String) {
        varint(UInt64(value.utf8.count))
        bytes.append(contentsOf: value.utf8)
    }
}

/// What was wrong with a Thrift structure, and at which byte offset of the buffer decoded.
public struct ThriftError: Error, Sendable, CustomStringConvertible, Equatable {
    public var offset: Int
    public var message: String
    public var description: String { "malformed Thrift metadata at byte \(offset): \(message)" }
}

/// Reads compact-protocol structs from a byte buffer, strictly and without trusting lengths.
struct ThriftCompactReader {
    private let bytes: [UInt8]
    private(set) var position: Int
    private let end: Int
    private var lastFieldID: Int16 = 0
    private var fieldIDStack: [Int16] = []
    /// Nesting beyond this is refused: Parquet metadata is at most ~6 levels deep, and a crafted
    /// file could otherwise recurse until the stack overflows.
    static let maxDepth = 32

    init(_ bytes: [UInt8], range: Range<Int>? = nil) {
        self.bytes = bytes
        let r = range ?? 0..<bytes.count
        self.position = r.lowerBound
        self.end = r.upperBound
    }

    var remaining: Int { end - position }

    func error(_ message: String) -> ThriftError { ThriftError(offset: position, message: message) }

    mutating func byte() throws(ThriftError) -> UInt8 {
        guard position < end else { throw error("unexpected end of data") }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func varint() throws(ThriftError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            if shift == 63 && b > 1 { throw error("varint overflows 64 bits") }
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw error("varint longer than 10 bytes") }
        }
    }

    mutating func zigzagVarint() throws(ThriftError) -> Int64 {
        let u = try varint()
        return Int64(bitPattern: u >> 1) ^ -Int64(bitPattern: u & 1)
    }

    mutating func i64() throws(ThriftError) -> Int64 { try zigzagVarint() }

    mutating func i32() throws(ThriftError) -> Int32 {
        let v = try zigzagVarint()
        guard let r = Int32(exactly: v) else { throw error("i32 value \(v) out of range") }
        return r
    }

    mutating func i16() throws(ThriftError) -> Int16 {
        let v = try zigzagVarint()
        guard let r = Int16(exactly: v) else { throw error("i16 value \(v) out of range") }
        return r
    }

    mutating func binary() throws(ThriftError) -> [UInt8] {
        let n = try varint()
        guard n <= UInt64(remaining) else {
            throw error("binary length \(n) exceeds the \(remaining) bytes left")
        }
        let start = position
        position += Int(n)
        return Array(bytes[start..<position])
    }

    mutating func string() throws(ThriftError) -> String {
        let b = try binary()
        guard let s = String(validating: b, as: UTF8.self) else { throw error("string is not valid UTF-8") }
        return s
    }

    mutating func double() throws(ThriftError) -> Double {
        guard remaining >= 8 else { throw error("unexpected end of data in double") }
        var bits: UInt64 = 0
        for i in 0..<8 { bits |= UInt64(bytes[position + i]) << (8 * UInt64(i)) }
        position += 8
        return Double(bitPattern: bits)
    }

    mutating func structBegin() throws(ThriftError) {
        guard fieldIDStack.count < Self.maxDepth else { throw error("structures nested deeper than \(Self.maxDepth)") }
        fieldIDStack.append(lastFieldID)
        lastFieldID = 0
    }

    mutating func structEnd() {
        lastFieldID = fieldIDStack.popLast() ?? 0
    }

    /// The next field header, or nil at the struct's stop byte. Booleans carry their value in
    /// the type: `.boolTrue` / `.boolFalse`.
    mutating func fieldHeader() throws(ThriftError) -> (id: Int16, type: ThriftType)? {
        let b = try byte()
        guard let type = ThriftType(rawValue: b & 0x0F) else { throw error("unknown field type \(b & 0x0F)") }
        if type == .stop { return nil }
        let delta = b >> 4
        let id: Int16
        if delta != 0 {
            let (sum, overflow) = lastFieldID.addingReportingOverflow(Int16(delta))
            guard !overflow else { throw error("field id overflow") }
            id = sum
        } else {
            id = try i16()
        }
        lastFieldID = id
        return (id, type)
    }

    /// A list header: element type and count, the count checked against what could fit.
    mutating func listHeader() throws(ThriftError) -> (type: ThriftType, count: Int) {
        let b = try byte()
        guard let type = ThriftType(rawValue: b & 0x0F) else { throw error("unknown list element type \(b & 0x0F)") }
        var count = UInt64(b >> 4)
        if count == 15 { count = try varint() }
        // Every element takes at least one byte, except empty structs... which still take the
        // stop byte. So a count above the bytes left is a lie.
        guard count <= UInt64(remaining) else {
            throw error("list of \(count) elements cannot fit in the \(remaining) bytes left")
        }
        return (type, Int(count))
    }

    mutating func bool(_ type: ThriftType) throws(ThriftError) -> Bool {
        switch type {
        case .boolTrue: return true
        case .boolFalse: return false
        default: throw error("expected a boolean, found \(type)")
        }
    }

    /// Skips a value of any type (unknown fields from newer writers).
    mutating func skip(_ type: ThriftType, depth: Int = 0) throws(ThriftError) {
        guard depth < Self.maxDepth else { throw error("values nested deeper than \(Self.maxDepth)") }
        switch type {
        case .stop: throw error("unexpected stop")
        case .boolTrue, .boolFalse: return
        case .byte: _ = try byte()
        case .i16, .i32, .i64: _ = try varint()
        case .double: _ = try double()
        case .binary:
            let n = try varint()
            guard n <= UInt64(remaining) else { throw error("binary length \(n) exceeds the \(remaining) bytes left") }
            position += Int(n)
        case .list, .set:
            let (elementType, count) = try listHeader()
            for _ in 0..<count {
                // Booleans inside containers take one byte each.
                if elementType == .boolTrue || elementType == .boolFalse { _ = try byte() } else { try skip(elementType, depth: depth + 1) }
            }
        case .map:
            let n = try varint()
            if n == 0 { return }
            guard n <= UInt64(remaining) else { throw error("map of \(n) entries cannot fit") }
            let kv = try byte()
            guard let k = ThriftType(rawValue: kv >> 4), let v = ThriftType(rawValue: kv & 0x0F) else { throw error("bad map types") }
            for _ in 0..<n {
                try skip(k, depth: depth + 1)
                try skip(v, depth: depth + 1)
            }
        case .struct:
            try structBegin()
            while let (_, t) = try fieldHeader() { try skip(t, depth: depth + 1) }
            structEnd()
        }
    }

    /// Expects `type` for a known field, so a field of the wrong type is an error, not a misread.
    func expect(_ type: ThriftType, _ actual: ThriftType, field: String) throws(ThriftError) {
        let ok = type == actual || (type == .boolTrue && actual == .boolFalse)
        guard ok else { throw error("field \(field) has type \(actual), expected \(type)") }
    }
}
