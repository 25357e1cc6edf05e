// Rows of Parquet values as text, for `opensensor parquet cat` and anything else that prints
// a file's rows. CSV follows RFC 4180 and is what `CSVImport` (and so `parquet write`) reads
// back exactly; JSON is one object per line (JSON Lines).
//
// Numbers: FLOAT and DOUBLE print the shortest text that reads back to the same value (Swift's
// `description`); JSON has no NaN or infinities, so there, and in CSV for symmetry, they are
// the words NaN, Infinity and -Infinity (strings in JSON). Timestamps print as ISO-8601 UTC
// with milliseconds, whatever the column's unit (finer units are truncated toward the past).

import CivilTime
import JSONText
public import Parquet

/// The text formats rows can be printed in.
public enum RowTextFormat: String, Sendable, CaseIterable {
    case csv, json
}

/// Formats the rows of some columns of a Parquet file as CSV or JSON lines.
public struct RowFormatter: Sendable {
    public let columns: [ParquetColumn]
    public let format: RowTextFormat
    private let jsonKeys: [String]

    public init(columns: [ParquetColumn], format: RowTextFormat) {
        self.columns = columns
        self.format = format
        jsonKeys = columns.map { JSON.quoted($0.name) }
    }

    /// The CSV header line (with its line break), or nil for JSON, which has none.
    public var header: String? {
        guard format == .csv else { return nil }
        return columns.map { RowFormatter.csvField($0.name) }.joined(separator: ",") + "\n"
    }

    /// Appends one line per row of `values` (one entry per column, all of the same count), or
    /// of the rows in `range` only.
    public func appendRows(_ values: [ColumnValues], rows range: Range<Int>? = nil, to out: inout String) {
        precondition(values.count == columns.count, "one ColumnValues per column")
        for row in range ?? 0..<(values.first?.count ?? 0) {
            if format == .json { out.append("{") }
            for c in columns.indices {
                if c > 0 { out.append(",") }
                if format == .json {
                    out.append(jsonKeys[c])
                    out.append(":")
                }
                appendCell(values[c], row: row, column: columns[c], to: &out)
            }
            out.append(format == .json ? "}\n" : "\n")
        }
    }

    private func appendCell(_ values: ColumnValues, row: Int, column: ParquetColumn, to out: inout String) {
        let json = format == .json
        let null = json ? "null" : ""
        switch values {
        case .boolean(let v):
            out.append(v[row].map { $0 ? "true" : "false" } ?? null)
        case .int32(let v):
            guard let x = v[row] else { return out.append(null) }
            out.append(column.isUnsigned ? String(UInt32(bitPattern: x)) : String(x))
        case .int64(let v):
            guard let x = v[row] else { return out.append(null) }
            if let unit = column.timestampUnit {
                let text = ISO8601.format(millis: RowFormatter.millis(x, unit))
                if json { JSON.appendQuoted(text, to: &out) } else { out.append(text) }
            } else {
                out.append(column.isUnsigned ? String(UInt64(bitPattern: x)) : String(x))
            }
        case .float(let v):
            guard let x = v[row] else { return out.append(null) }
            out.append(RowFormatter.real(x.isFinite ? x.description : nil, nan: x.isNaN, negative: x < 0, json: json))
        case .double(let v):
            guard let x = v[row] else { return out.append(null) }
            out.append(RowFormatter.real(x.isFinite ? x.description : nil, nan: x.isNaN, negative: x < 0, json: json))
        case .string(let v):
            guard let s = v[row] else { return out.append(null) }
            if json { JSON.appendQuoted(s, to: &out) } else { out.append(RowFormatter.csvField(s)) }
        }
    }

    /// Milliseconds since the epoch of a timestamp in `unit`, rounded toward the past.
    public static func millis(_ value: Int64, _ unit: LogicalType.TimeUnit) -> Int64 {
        switch unit {
        case .millis: value
        case .micros: value.floorDiv(1000)
        case .nanos: value.floorDiv(1_000_000)
        }
    }

    private static func real(_ finite: String?, nan: Bool, negative: Bool, json: Bool) -> String {
        if let finite { return finite }
        let word = nan ? "NaN" : negative ? "-Infinity" : "Infinity"
        return json ? JSON.quoted(word) : word
    }

    /// A CSV field, quoted when it holds a comma, quote or line break, or is empty (an
    /// unquoted empty cell is null; `""` is the empty string).
    public static func csvField(_ s: String) -> String {
        if s.isEmpty { return "\"\"" }
        var needs = false
        for b in s.utf8 where b == 44 || b == 34 || b == 10 || b == 13 {
            needs = true
            break
        }
        guard needs else { return s }
        var out = "\""
        for ch in s.unicodeScalars {
            if ch == "\"" { out.append("\"\"") } else { out.unicodeScalars.append(ch) }
        }
        out.append("\"")
        return out
    }
}
