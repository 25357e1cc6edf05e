// Writing a query's answer: CSV (for tools; the header `station,time,count,<col>_avg,
// <col>_min,<col>_max,…`), JSON lines (one object per group) and an aligned table for a
// terminal. CSV and JSON numbers are the shortest text that reads back to the same value
// (averages as doubles, minima and maxima in the column's own type); a null is an empty CSV
// cell or a JSON null.

import CivilTime
import JSONText
public import Parquet

/// How `QueryOutput` prints an answer.
public enum QueryFormat: String, Sendable, CaseIterable {
    case table, csv, json
}

/// Text renderings of a `QueryResult`, line by line so a long answer streams.
public enum QueryOutput {
    /// The header cells: `station`, `time`, `count`, then `<col>_avg`, `<col>_min`, `<col>_max`.
    public static func header(_ columns: [Column]) -> [String] {
        ["station", "time", "count"] + columns.flatMap { ["\($0.name)_avg", "\($0.name)_min", "\($0.name)_max"] }
    }

    /// The cells of one group; nil is null.
    public static func cells(_ g: QueryGroup, _ columns: [Column]) -> [String?] {
        var out: [String?] = [g.station, ISO8601.format(millis: g.start), String(g.count)]
        out.reserveCapacity(3 + 3 * columns.count)
        for (c, a) in zip(columns, g.aggregates) {
            out.append(a.average.map { number($0, .double) })
            out.append(a.minimum.map { number($0, c.type) })
            out.append(a.maximum.map { number($0, c.type) })
        }
        return out
    }

    /// The shortest text that reads back to `v` as a value of `type`: a FLOAT minimum prints
    /// as `21.3`, not as the double `21.299999237060547` it widens to.
    public static func number(_ v: Double, _ type: ColumnType) -> String {
        switch type {
        case .float: Float(v).description
        case .int32: String(Int64(v))
        case .int64 where v.isFinite && v.magnitude < 9.2e18: String(Int64(v))
        default: v.description
        }
    }

    /// Calls `line` with each line of `result` in `format` (no trailing newlines).
    public static func write(_ result: QueryResult, as format: QueryFormat, _ line: (String) -> Void) {
        switch format {
        case .csv:
            line(header(result.columns).joined(separator: ","))
            for g in result.groups {
                line(cells(g, result.columns).map { $0.map(csvCell) ?? "" }.joined(separator: ","))
            }
        case .json:
            for g in result.groups {
                let j = JSONWriter()
                j.object {
                    j.field("station") { j.string(g.station) }
                    j.field("time") { j.string(ISO8601.format(millis: g.start)) }
                    j.field("count") { j.number(g.count) }
                    for (c, a) in zip(result.columns, g.aggregates) {
                        // The writer prints NaN and infinities as null: JSON has neither.
                        j.field("\(c.name)_avg") { j.number(a.average) }
                        j.field("\(c.name)_min") { jsonNumber(j, a.minimum, c.type) }
                        j.field("\(c.name)_max") { jsonNumber(j, a.maximum, c.type) }
                    }
                }
                line(j.out)
            }
        case .table:
            table(result, line)
        }
    }

    /// An aligned table: averages rounded to two decimals for reading, numbers right-aligned,
    /// nulls blank; a note instead when no reading matched.
    static func table(_ result: QueryResult, _ line: (String) -> Void) {
        guard !result.groups.isEmpty else {
            line("no readings matched")
            return
        }
        let head = header(result.columns)
        var rows: [[String]] = []
        rows.reserveCapacity(result.groups.count)
        for g in result.groups {
            var r = [g.station, ISO8601.format(millis: g.start), String(g.count)]
            for (c, a) in zip(result.columns, g.aggregates) {
                r.append(a.average.map { rounded($0) } ?? "")
                r.append(a.minimum.map { number($0, c.type) } ?? "")
                r.append(a.maximum.map { number($0, c.type) } ?? "")
            }
            rows.append(r)
        }
        var widths = head.map(\.count)
        for r in rows { for (i, cell) in r.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func render(_ r: [String], _ leftAligned: Int) -> String {
            var s = ""
            for (i, cell) in r.enumerated() {
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                if i > 0 { s += "  " }
                s += i < leftAligned ? cell + pad : pad + cell
            }
            while s.last == " " { s.removeLast() }
            return s
        }
        line(render(head, 2))
        line(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        for r in rows { line(render(r, 2)) }
    }

    /// `v` with two decimals (`21.37`); very small or very large magnitudes keep their shortest
    /// text, where two decimals would hide them.
    static func rounded(_ v: Double) -> String {
        guard v.isFinite, v == 0 || (v.magnitude >= 0.01 && v.magnitude < 1e15) else { return v.description }
        let hundredths = (v * 100).rounded()
        let whole = Int64(hundredths / 100)  // Truncates toward zero; the sign is added below.
        let frac = Int64((hundredths - Double(whole) * 100).magnitude)
        let sign = hundredths < 0 && whole == 0 ? "-" : ""
        return "\(sign)\(whole).\(frac < 10 ? "0" : "")\(frac)"
    }

    /// RFC 4180: quoted when it holds a comma, quote or line break.
    public static func csvCell(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences("\"", "\"\"") + "\""
    }

    /// `v` as ``number(_:_:)`` spells it, as a JSON number (or null).
    static func jsonNumber(_ j: JSONWriter, _ v: Double?, _ type: ColumnType) {
        guard let v else { return j.null() }
        switch type {
        case .float: j.number(Float(v))
        case .int32: j.number(Int64(v))
        case .int64 where v.isFinite && v.magnitude < 9.2e18: j.number(Int64(v))
        default: j.number(v)
        }
    }
}

extension String {
    /// Replaces every `a` with `b` (FoundationEssentials-free).
    fileprivate func replacingOccurrences(_ a: Character, _ b: String) -> String {
        var out = ""
        for ch in self { if ch == a { out += b } else { out.append(ch) } }
        return out
    }
}
