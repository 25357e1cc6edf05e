// Reading rows of a lake schema from CSV (RFC 4180): the header names columns of the schema
// in any order (columns it leaves out are null); an unquoted empty cell is null, a quoted
// empty cell ("") is the empty string; timestamps are ISO-8601 UTC with up to millisecond
// precision (`2025-06-01T00:00:05.048Z`).

public import Parquet
import CivilTime

/// A CSV problem, with the 1-based line and the column it is in.
public struct CSVImportError: Error, Sendable, CustomStringConvertible, Equatable {
    public var line: Int
    public var column: String?
    public var message: String
    public var description: String {
        if let column { return "line \(line), column \(column): \(message)" }
        return "line \(line): \(message)"
    }
}

public enum CSVImport {
    /// Parses `text` into one `ColumnValues` per column of `schema`, in schema order.
    public static func columns(of text: some StringProtocol, schema: Schema) throws(CSVImportError) -> [ColumnValues] {
        var records = CSVRecords(Array(text.utf8))
        guard let header = try records.next() else { throw CSVImportError(line: 1, message: "empty input: expected a header line") }
        var indices: [Int] = []
        var seen = Set<String>()
        for cell in header.cells {
            let name = cell.text
            guard let i = schema.index(of: name) else {
                let known = schema.columns.map(\.name).joined(separator: ", ")
                throw CSVImportError(line: header.line, column: name, message: "unknown column; the schema has: \(known)")
            }
            guard seen.insert(name).inserted else { throw CSVImportError(line: header.line, column: name, message: "column appears twice in the header") }
            indices.append(i)
        }
        var builders = schema.columns.map { ColumnBuilder(type: $0.type) }
        var rows = 0
        while let record = try records.next() {
            guard record.cells.count == indices.count else {
                throw CSVImportError(line: record.line, message: "\(record.cells.count) cells, the header has \(indices.count)")
            }
            for (k, cell) in record.cells.enumerated() {
                let c = indices[k]
                do {
                    try builders[c].append(cell)
                } catch {
                    throw CSVImportError(line: record.line, column: schema.columns[c].name, message: error.message)
                }
            }
            rows += 1
            // Columns the header left out are null in every row.
            for c in schema.columns.indices where builders[c].count < rows { builders[c].appendNull() }
        }
        return builders.map(\.values)
    }
}

struct CellError: Error { var message: String }

/// Accumulates one column's parsed cells, in the array of its type.
private struct ColumnBuilder {
    let type: ColumnType
    private var booleans: [Bool?] = []
    private var int32s: [Int32?] = []
    private var int64s: [Int64?] = []
    private var floats: [Float?] = []
    private var doubles: [Double?] = []
    private var strings: [String?] = []
    private(set) var count = 0

    init(type: ColumnType) { self.type = type }

    var values: ColumnValues {
        switch type {
        case .boolean: .boolean(booleans)
        case .int32: .int32(int32s)
        case .int64, .timestampMillisUTC: .int64(int64s)
        case .float: .float(floats)
        case .double: .double(doubles)
        case .string: .string(strings)
        }
    }

    mutating func appendNull() {
        count += 1
        switch type {
        case .boolean: booleans.append(nil)
        case .int32: int32s.append(nil)
        case .int64, .timestampMillisUTC: int64s.append(nil)
        case .float: floats.append(nil)
        case .double: doubles.append(nil)
        case .string: strings.append(nil)
        }
    }

    mutating func append(_ cell: CSVCell) throws(CellError) {
        let t = cell.text
        if t.isEmpty && !(cell.quoted && type == .string) {
            appendNull()
            return
        }
        switch type {
        case .float:
            // Through Double, as the Python collector's float64 → float32 cast does, so both
            // sides round a decimal the same way.
            guard let d = Double(t) else { throw CellError(message: "expected a number, found \"\(t)\"") }
            floats.append(Float(d))
        case .double:
            guard let d = Double(t) else { throw CellError(message: "expected a number, found \"\(t)\"") }
            doubles.append(d)
        case .timestampMillisUTC:
            guard let ms = ISO8601.parseMillis(t) else {
                throw CellError(message: "expected an ISO-8601 UTC time like 2025-06-01T00:00:05.048Z, found \"\(t)\"")
            }
            int64s.append(ms)
        case .int64:
            guard let i = Int64(t) else { throw CellError(message: "expected a 64-bit integer, found \"\(t)\"") }
            int64s.append(i)
        case .int32:
            guard let i = Int32(t) else { throw CellError(message: "expected a 32-bit integer, found \"\(t)\"") }
            int32s.append(i)
        case .boolean:
            switch t.lowercased() {
            case "true", "1": booleans.append(true)
            case "false", "0": booleans.append(false)
            default: throw CellError(message: "expected true or false, found \"\(t)\"")
            }
        case .string:
            strings.append(t)
        }
        count += 1
    }
}

struct CSVCell {
    var text: String
    var quoted: Bool
}

struct CSVRecord {
    var line: Int
    var cells: [CSVCell]
}

/// RFC 4180 records: quoted cells may hold commas, quotes ("") and line breaks; CRLF or LF.
struct CSVRecords {
    private let b: [UInt8]
    private var i = 0
    private var line = 1

    init(_ bytes: [UInt8]) {
        b = bytes
        if b.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }  // a byte-order mark from spreadsheet exports
    }

    mutating func next() throws(CSVImportError) -> CSVRecord? {
        // Blank lines between records are skipped.
        while i < b.count && (b[i] == 10 || b[i] == 13) {
            if b[i] == 10 { line += 1 }
            i += 1
        }
        guard i < b.count else { return nil }
        let startLine = line
        var cells: [CSVCell] = []
        while true {
            var quoted = false
            var text: String
            if i < b.count && b[i] == 34 {
                quoted = true
                i += 1
                var bytes: [UInt8] = []
                while true {
                    guard i < b.count else { throw CSVImportError(line: startLine, message: "quoted cell is never closed") }
                    if b[i] == 34 {
                        if i + 1 < b.count && b[i + 1] == 34 {
                            bytes.append(34)
                            i += 2
                            continue
                        }
                        i += 1
                        break
                    }
                    if b[i] == 10 { line += 1 }
                    bytes.append(b[i])
                    i += 1
                }
                guard i >= b.count || b[i] == 44 || b[i] == 10 || b[i] == 13 else {
                    throw CSVImportError(line: line, message: "unexpected character after a closing quote")
                }
                guard let s = String(validating: bytes, as: UTF8.self) else { throw CSVImportError(line: startLine, message: "cell is not valid UTF-8") }
                text = s
            } else {
                let start = i
                while i < b.count && b[i] != 44 && b[i] != 10 && b[i] != 13 {
                    if b[i] == 34 { throw CSVImportError(line: line, message: "quote inside an unquoted cell") }
                    i += 1
                }
                guard let s = String(validating: b[start..<i], as: UTF8.self) else { throw CSVImportError(line: line, message: "cell is not valid UTF-8") }
                text = s
            }
            cells.append(CSVCell(text: text, quoted: quoted))
            if i < b.count && b[i] == 44 {
                i += 1
                continue
            }
            if i < b.count && b[i] == 13 { i += 1 }
            if i < b.count && b[i] == 10 {
                i += 1
                line += 1
            }
            return CSVRecord(line: startLine, cells: cells)
        }
    }
}
