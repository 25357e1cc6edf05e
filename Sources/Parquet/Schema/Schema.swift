// A flat schema: the only shape opensensor writes (sensor and health rows are flat records).
// Each column maps to a physical type plus, where it has one, a logical type and the
// converted type old readers understand (parquet-format LogicalTypes.md).

/// The kinds of column the writer supports.
public enum ColumnType: String, Sendable, CaseIterable {
    case boolean, int32, int64, float, double
    /// BYTE_ARRAY annotated STRING / UTF8.
    case string
    /// INT64 TIMESTAMP(isAdjustedToUTC=true, MILLIS), converted type TIMESTAMP_MILLIS.
    case timestampMillisUTC = "timestamp"

    public var physicalType: PhysicalType {
        switch self {
        case .boolean: .boolean
        case .int32: .int32
        case .int64, .timestampMillisUTC: .int64
        case .float: .float
        case .double: .double
        case .string: .byteArray
        }
    }

    var logicalType: LogicalType? {
        switch self {
        case .string: .string
        case .timestampMillisUTC: .timestamp(isAdjustedToUTC: true, unit: .millis)
        default: nil
        }
    }

    var convertedType: ConvertedType? {
        switch self {
        case .string: .utf8
        case .timestampMillisUTC: .timestampMillis
        default: nil
        }
    }
}

/// One leaf column.
public struct Column: Sendable, Equatable {
    public var name: String
    public var type: ColumnType
    public var isOptional: Bool

    public init(_ name: String, _ type: ColumnType, optional: Bool = true) {
        self.name = name
        self.type = type
        self.isOptional = optional
    }
}

/// An ordered list of flat columns.
public struct Schema: Sendable, Equatable {
    public var columns: [Column]

    public init(_ columns: [Column]) { self.columns = columns }

    public func index(of name: String) -> Int? { columns.firstIndex { $0.name == name } }

    /// The schema as Parquet's flattened tree: a root named "schema", then one element per leaf.
    var elements: [SchemaElement] {
        var out = [SchemaElement(name: "schema", numChildren: Int32(columns.count))]
        for c in columns {
            out.append(SchemaElement(type: c.type.physicalType, repetition: c.isOptional ? .optional : .required,
                                     name: c.name, convertedType: c.type.convertedType?.rawValue,
                                     logicalType: c.type.logicalType))
        }
        return out
    }
}

/// The values of one column for some rows; nil is null. Timestamps are `.int64` milliseconds
/// since the Unix epoch.
public enum ColumnValues: Sendable, Equatable {
    case boolean([Bool?])
    case int32([Int32?])
    case int64([Int64?])
    case float([Float?])
    case double([Double?])
    case string([String?])

    public var count: Int {
        switch self {
        case .boolean(let v): v.count
        case .int32(let v): v.count
        case .int64(let v): v.count
        case .float(let v): v.count
        case .double(let v): v.count
        case .string(let v): v.count
        }
    }

    var physicalType: PhysicalType {
        switch self {
        case .boolean: .boolean
        case .int32: .int32
        case .int64: .int64
        case .float: .float
        case .double: .double
        case .string: .byteArray
        }
    }

    /// Rows `range` of these values.
    func slice(_ range: Range<Int>) -> ColumnValues {
        switch self {
        case .boolean(let v): .boolean(Array(v[range]))
        case .int32(let v): .int32(Array(v[range]))
        case .int64(let v): .int64(Array(v[range]))
        case .float(let v): .float(Array(v[range]))
        case .double(let v): .double(Array(v[range]))
        case .string(let v): .string(Array(v[range]))
        }
    }
}
