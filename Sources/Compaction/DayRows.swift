// A station-day's rows in memory: the batch files read column by name into the lake's schema,
// concatenated in name order, and what the verification compares (docs/ARCHITECTURE.md §2: day
// files have the batch files' schema).

import Parquet
import Lake

/// One column's fingerprint: how many values are not null and the wrapping sum of their bit
/// patterns (strings by a 64-bit FNV-1a hash). Addition in a ring is exact and does not depend on
/// the order of the rows, so a sorted day file and its unsorted sources must agree to the bit;
/// any value changed, lost or doubled shows.
public struct ColumnCheck: Sendable, Equatable, CustomStringConvertible {
    public var nonNull: Int = 0
    public var bitSum: UInt64 = 0

    public var description: String { "\(nonNull) values, bit sum \(String(bitSum, radix: 16))" }

    mutating func add(_ values: ColumnValues) {
        switch values {
        case .boolean(let v): for x in v { if let x { nonNull += 1; bitSum &+= x ? 1 : 0 } }
        case .int32(let v): for x in v { if let x { nonNull += 1; bitSum &+= UInt64(UInt32(bitPattern: x)) } }
        case .int64(let v): for x in v { if let x { nonNull += 1; bitSum &+= UInt64(bitPattern: x) } }
        case .float(let v): for x in v { if let x { nonNull += 1; bitSum &+= UInt64(x.bitPattern) } }
        case .double(let v): for x in v { if let x { nonNull += 1; bitSum &+= x.bitPattern } }
        case .string(let v):
            for x in v {
                guard let x else { continue }
                nonNull += 1
                var h: UInt64 = 0xcbf2_9ce4_8422_2325
                for b in x.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
                bitSum &+= h
            }
        }
    }
}

/// What verification compares: rows, first and last timestamp, one check per column.
public struct DaySummary: Sendable, Equatable, CustomStringConvertible {
    public var rows = 0
    public var firstMillis: Int64?
    public var lastMillis: Int64?
    public var columns: [ColumnCheck]

    init(columnCount: Int) { columns = Array(repeating: ColumnCheck(), count: columnCount) }

    mutating func add(_ values: [ColumnValues]) {
        rows += values.first?.count ?? 0
        for (c, v) in values.enumerated() { columns[c].add(v) }
        if case .int64(let ts)? = values.first {
            for t in ts {
                guard let t else { continue }
                firstMillis = min(firstMillis ?? t, t)
                lastMillis = max(lastMillis ?? t, t)
            }
        }
    }

    public var description: String {
        "\(rows) rows, \(firstMillis.map(String.init) ?? "-")…\(lastMillis.map(String.init) ?? "-")"
    }

    /// The first difference from `expected`, named for a report; nil when equal.
    func difference(from expected: DaySummary, names: [String]) -> String? {
        if rows != expected.rows { return "\(rows) rows read back, the batch files hold \(expected.rows)" }
        if firstMillis != expected.firstMillis || lastMillis != expected.lastMillis {
            return "time range \(self) read back, the batch files span \(expected)"
        }
        for c in columns.indices where columns[c] != expected.columns[c] {
            return "column '\(names[c])': \(columns[c]) read back, the batch files give \(expected.columns[c])"
        }
        return nil
    }
}

/// Why a batch file cannot go into a day file.
struct SourceError: Error {
    var message: String
}

/// Column-wise rows of one day, in schema order.
struct DayRows {
    let schema: Schema
    var columns: [ColumnValues]
    var summary: DaySummary

    init(schema: Schema) {
        self.schema = schema
        columns = schema.columns.map { Self.empty($0.type) }
        summary = DaySummary(columnCount: schema.columns.count)
    }

    var count: Int { columns.first?.count ?? 0 }

    /// Appends every row of a Parquet file, its columns found by name: a column the file lacks is
    /// null, a timestamp in micro- or nanoseconds becomes milliseconds, any other type difference
    /// is an error naming the column.
    mutating func append(file bytes: [UInt8]) throws(SourceError) {
        let reader: ParquetFileReader
        do { reader = try ParquetFileReader(bytes: bytes) } catch { throw SourceError(message: error.message) }
        var sources: [Int?] = []
        var divisors: [Int64] = []
        for c in schema.columns {
            guard let found = reader.column(named: c.name) else {
                sources.append(nil)
                divisors.append(1)
                continue
            }
            var divisor: Int64 = 1
            if c.type == .timestampMillisUTC, found.physicalType == .int64, let unit = found.timestampUnit {
                switch unit {
                case .millis: divisor = 1
                case .micros: divisor = 1000
                case .nanos: divisor = 1_000_000
                }
            } else if found.columnType != c.type {
                throw SourceError(message: "column '\(c.name)' is \(found.columnType?.rawValue ?? "\(found.physicalType)"), expected \(c.type.rawValue)")
            }
            sources.append(found.index)
            divisors.append(divisor)
        }
        var added = schema.columns.map { Self.empty($0.type) }
        for g in 0..<reader.rowGroupCount {
            let rows = reader.rowCount(ofRowGroup: g)
            let wanted = sources.compactMap { $0 }
            let read: [ColumnValues]
            do { read = try reader.readRowGroup(g, columns: wanted) } catch { throw SourceError(message: "row group \(g): \(error.message)") }
            var next = 0
            for (c, source) in sources.enumerated() {
                let values: ColumnValues
                if source != nil {
                    values = read[next]
                    next += 1
                    guard values.count == rows else {
                        throw SourceError(message: "row group \(g): column '\(schema.columns[c].name)' holds \(values.count) values for \(rows) rows")
                    }
                } else {
                    values = Self.nulls(schema.columns[c].type, rows)
                }
                if divisors[c] != 1, case .int64(let v) = values {
                    added[c].append(.int64(v.map { $0.map { $0.floorDiv(divisors[c]) } }))
                } else {
                    added[c].append(values)
                }
            }
        }
        summary.add(added)
        for c in columns.indices { columns[c].append(added[c]) }
    }

    /// The rows in `order`.
    func permuted(_ order: [Int]) -> [ColumnValues] {
        columns.map { $0.permuted(order) }
    }

    static func empty(_ type: ColumnType) -> ColumnValues { nulls(type, 0) }

    static func nulls(_ type: ColumnType, _ n: Int) -> ColumnValues {
        switch type {
        case .boolean: .boolean(Array(repeating: nil, count: n))
        case .int32: .int32(Array(repeating: nil, count: n))
        case .int64, .timestampMillisUTC: .int64(Array(repeating: nil, count: n))
        case .float: .float(Array(repeating: nil, count: n))
        case .double: .double(Array(repeating: nil, count: n))
        case .string: .string(Array(repeating: nil, count: n))
        }
    }
}

extension ColumnValues {
    /// Appends values of the same case (the caller built both from one schema column).
    mutating func append(_ o: ColumnValues) {
        switch (self, o) {
        case (.boolean(var a), .boolean(let b)): a += b; self = .boolean(a)
        case (.int32(var a), .int32(let b)): a += b; self = .int32(a)
        case (.int64(var a), .int64(let b)): a += b; self = .int64(a)
        case (.float(var a), .float(let b)): a += b; self = .float(a)
        case (.double(var a), .double(let b)): a += b; self = .double(a)
        case (.string(var a), .string(let b)): a += b; self = .string(a)
        default: preconditionFailure("appending \(o.physicalTypeName) values to \(physicalTypeName) values")
        }
    }

    var physicalTypeName: String {
        switch self {
        case .boolean: "BOOLEAN"
        case .int32: "INT32"
        case .int64: "INT64"
        case .float: "FLOAT"
        case .double: "DOUBLE"
        case .string: "BYTE_ARRAY"
        }
    }

    func permuted(_ order: [Int]) -> ColumnValues {
        switch self {
        case .boolean(let v): .boolean(order.map { v[$0] })
        case .int32(let v): .int32(order.map { v[$0] })
        case .int64(let v): .int64(order.map { v[$0] })
        case .float(let v): .float(order.map { v[$0] })
        case .double(let v): .double(order.map { v[$0] })
        case .string(let v): .string(order.map { v[$0] })
        }
    }
}
