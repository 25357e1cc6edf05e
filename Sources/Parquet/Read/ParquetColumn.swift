// The leaf columns of a file as a reader sees them: the schema tree of the footer flattened
// depth-first (parquet-format README "Nested Encoding": leaves in that order are the column
// chunks of every row group), each with its definition and repetition level maxima.

/// A leaf column of a file being read: its name, types and nullability.
public struct ParquetColumn: Sendable, Equatable {
    /// The column's name; for a column inside groups, the path joined with dots.
    public var name: String
    /// Position among the file's leaf columns (and of its chunk in every row group).
    public var index: Int
    public var physicalType: PhysicalType
    /// Whether the column may hold nulls.
    public var isOptional: Bool
    public var logicalType: LogicalType?
    /// The deprecated converted type, as its raw `parquet.thrift` value.
    public var convertedType: Int32?
    /// The byte width of a FIXED_LEN_BYTE_ARRAY column.
    public var typeLength: Int32?
    /// The highest definition level (Dremel encoding); 0 for a required top-level column.
    public var maxDefinitionLevel: Int
    /// The highest repetition level; above 0 means the column is inside a list.
    public var maxRepetitionLevel: Int

    /// A top-level (flat) column; tests and callers that format values build these.
    public init(name: String, index: Int = 0, physicalType: PhysicalType, isOptional: Bool = true, logicalType: LogicalType? = nil,
                convertedType: Int32? = nil, typeLength: Int32? = nil) {
        self.init(name: name, index: index, physicalType: physicalType, isOptional: isOptional, logicalType: logicalType,
                  convertedType: convertedType, typeLength: typeLength, maxDefinitionLevel: isOptional ? 1 : 0, maxRepetitionLevel: 0)
    }

    init(name: String, index: Int, physicalType: PhysicalType, isOptional: Bool, logicalType: LogicalType?, convertedType: Int32?,
         typeLength: Int32?, maxDefinitionLevel: Int, maxRepetitionLevel: Int) {
        self.name = name
        self.index = index
        self.physicalType = physicalType
        self.isOptional = isOptional
        self.logicalType = logicalType
        self.convertedType = convertedType
        self.typeLength = typeLength
        self.maxDefinitionLevel = maxDefinitionLevel
        self.maxRepetitionLevel = maxRepetitionLevel
    }

    /// The unit of an INT64 timestamp column, from its logical type or, for old files, its
    /// converted type (TIMESTAMP_MILLIS = 9, TIMESTAMP_MICROS = 10).
    public var timestampUnit: LogicalType.TimeUnit? {
        guard physicalType == .int64 else { return nil }
        if case .timestamp(_, let unit) = logicalType { return unit }
        switch convertedType {
        case 9: return .millis
        case 10: return .micros
        default: return nil
        }
    }

    /// Whether a BYTE_ARRAY column holds text (logical STRING, or converted UTF8 = 0).
    public var isString: Bool {
        physicalType == .byteArray && (logicalType == .string || convertedType == 0)
    }

    /// Whether an integer column holds unsigned values in a signed physical type (converted
    /// types UINT_8…UINT_64 = 11…14, which pyarrow writes beside the logical INT type).
    public var isUnsigned: Bool { (11...14).contains(convertedType ?? -1) }

    /// The writer's column type this column reads as, or nil if it has no equivalent.
    public var columnType: ColumnType? {
        switch physicalType {
        case .boolean: .boolean
        case .int32: .int32
        case .int64: timestampUnit == .millis ? .timestampMillisUTC : .int64
        case .float: .float
        case .double: .double
        case .byteArray: .string
        default: nil
        }
    }
}

extension FileMetaData {
    /// The leaf columns of the schema tree, depth-first, with their level maxima.
    func parquetColumns() throws(ParquetReadError) -> [ParquetColumn] {
        guard let root = schema.first else { throw ParquetReadError("the schema is empty") }
        var out: [ParquetColumn] = []
        var next = 1
        // Walks the children of the group just read; `schema` is a pre-order list where each
        // group says how many children follow it.
        func walk(children: Int, prefix: String, def: Int, rep: Int, depth: Int) throws(ParquetReadError) {
            guard depth < 64 else { throw ParquetReadError("schema nested deeper than 64 levels") }
            for _ in 0..<children {
                guard next < schema.count else {
                    throw ParquetReadError("schema: a group claims more children than the \(schema.count) elements hold")
                }
                let e = schema[next]
                next += 1
                let name = prefix.isEmpty ? e.name : prefix + "." + e.name
                let d = def + (e.repetition == .required || e.repetition == nil ? 0 : 1)
                let r = rep + (e.repetition == .repeated ? 1 : 0)
                if let kids = e.numChildren, kids > 0 || e.type == nil {
                    guard kids >= 0, kids <= schema.count - next else {
                        throw ParquetReadError("schema: group \(name) claims \(kids) children, \(schema.count - next) elements follow")
                    }
                    try walk(children: Int(kids), prefix: name, def: d, rep: r, depth: depth + 1)
                } else {
                    guard let type = e.type else { throw ParquetReadError("schema: leaf \(name) has no type") }
                    out.append(ParquetColumn(name: name, index: out.count, physicalType: type,
                                             isOptional: d > 0, logicalType: e.logicalType, convertedType: e.convertedType,
                                             typeLength: e.typeLength, maxDefinitionLevel: d, maxRepetitionLevel: r))
                }
            }
        }
        let top = Int(root.numChildren ?? 0)
        guard top >= 0, top <= schema.count - 1 else {
            throw ParquetReadError("schema: the root claims \(top) children, \(schema.count - 1) elements follow")
        }
        try walk(children: top, prefix: "", def: 0, rep: 0, depth: 0)
        guard next == schema.count else {
            throw ParquetReadError("schema: \(schema.count - next) elements lie outside the tree of the root")
        }
        for (g, group) in rowGroups.enumerated() where group.columns.count != out.count {
            throw ParquetReadError("row group \(g) has \(group.columns.count) column chunks, the schema \(out.count) leaf columns")
        }
        return out
    }
}
