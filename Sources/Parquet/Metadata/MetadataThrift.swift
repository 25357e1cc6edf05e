// Thrift compact encoding and decoding of the metadata structures, field ids as in
// parquet.thrift. Each `encodeFields` writes a struct's fields only; the writer wraps them.
// Decoding checks that required fields are present and enum values known, and skips fields
// it does not model.

extension ThriftCompactReader {
    mutating func enumValue<E: RawRepresentable>(_: E.Type, field: String) throws(ThriftError) -> E where E.RawValue == Int32 {
        let raw = try i32()
        guard let e = E(rawValue: raw) else { throw error("\(field) has unknown value \(raw)") }
        return e
    }

    func required<T>(_ value: T?, _ field: String, in structName: String) throws(ThriftError) -> T {
        guard let value else { throw error("\(structName) lacks required field \(field)") }
        return value
    }

    /// Reads a list whose elements are decoded by `element`.
    mutating func list<T>(_ element: (inout ThriftCompactReader) throws(ThriftError) -> T) throws(ThriftError) -> [T] {
        let (_, count) = try listHeader()
        var out: [T] = []
        out.reserveCapacity(count)
        for _ in 0..<count { out.append(try element(&self)) }
        return out
    }

    /// Reads a struct, handing each field to `field`, which returns false for fields it does
    /// not know (they are skipped).
    mutating func readStruct(_ field: (inout ThriftCompactReader, Int16, ThriftType) throws(ThriftError) -> Bool) throws(ThriftError) {
        try structBegin()
        while let (id, t) = try fieldHeader() {
            if try !field(&self, id, t) { try skip(t) }
        }
        structEnd()
    }
}

extension Statistics {
    func encodeFields(_ w: inout ThriftCompactWriter) {
        if let nullCount { w.field(3, i64: nullCount) }
        if let distinctCount { w.field(4, i64: distinctCount) }
        if let maxValue { w.field(5, binary: maxValue) }
        if let minValue { w.field(6, binary: minValue) }
    }

    static func decode(_ r: inout ThriftCompactReader) throws(ThriftError) -> Statistics {
        var s = Statistics()
        try r.readStruct { (r: inout ThriftCompactReader, id, t) throws(ThriftError) in
            switch (id, t) {
            case (1, .binary): s.legacyMax = try r.binary()
            case (2, .binary): s.legacyMin = try r.binary()
            case (3, .i64): s.nullCount = try r.i64()
            case (4, .i64): s.distinctCount = try r.i64()
            case (5, .binary): s.maxValue = try r.binary()
            case (6, .binary): s.minValue = try r.binary()
            default: return false
            }
            return true
        }
        return s
    }
}

extension LogicalType {
    func encodeFields(_ w: inout ThriftCompactWriter) {
        switch self {
        case .string:
            w.field(1) { _ in }
        case .timestamp(let utc, let unit):
            w.field(8) { w in
                w.field(1, bool: utc)
                w.field(2) { w in w.field(unit.rawValue) { _ in } }  // TimeUnit union
            }
        case .other:
            break  // never written: only decoded from other writers' files
        }
    }

    static func decode(_ r: inout ThriftCompactReader) throws(ThriftError) -> LogicalType? {
        var result: LogicalType?
        try r.readStruct { (r: inout ThriftCompactReader, id, t) throws(ThriftError) in
            switch (id, t) {
            case (1, .struct):
                try r.skip(.struct)
                result = .string
            case (8, .struct):
                var utc: Bool?
                var unit: TimeUnit?
                try r.readStruct { (r: inout ThriftCompactReader, fid, ft) throws(ThriftError) in
                    switch (fid, ft) {
                    case (1, .boolTrue), (1, .boolFalse): utc = try r.bool(ft)
                    case (2, .struct):
                        try r.readStruct { (r: inout ThriftCompactReader, uid, ut) throws(ThriftError) in
                            if ut == .struct, let u = TimeUnit(rawValue: uid) { unit = u }
                            return false
                        }
                    default: return false
                    }
                    return true
                }
                result = .timestamp(isAdjustedToUTC: try r.required(utc, "isAdjustedToUTC", in: "TimestampType"),
                                    unit: try r.required(unit, "unit", in: "TimestampType"))
            default:
                try r.skip(t)
                result = .other(fieldID: id)
            }
            return true
        }
        return result
    }
}

extension SchemaElement {
    func encodeFields(_ w: inout ThriftCompactWriter) {
        if let type { w.field(1, i32: type.rawValue) }
        if let typeLength { w.field(2, i32: typeLength) }
        if let repetition { w.field(3, i32: repetition.rawValue) }
        w.field(4, string: name)
        if let numChildren { w.field(5, i32: numChildren) }
        if let convertedType { w.field(6, i32: convertedType) }
        if let logicalType { w.field(10) { w in logicalType.encodeFields(&w) } }
    }

    static func decode(_ r: inout ThriftCompactReader) throws(ThriftError) -> SchemaElement {
        var e = SchemaElement(name: "")
        var name: String?
        try r.readStruct { (r: inout ThriftCompactReader, id, t) throws(ThriftError) in
            switch (id, t) {
            case (1, .i32): e.type = try r.enumValue(PhysicalType.self, field: "SchemaElement.type")
            case (2, .i32): e.typeLength = try r.i32()
            case (3, .i32): e.repetition = try r.enumValue(Repetition.self, field: "repetition_type")
            case (4, .binary): name = try r.string()
            case (5, .i32): e.numChildren = try r.i32()
            case (6, .i32): e.convertedType = try r.i32()
            case (10, .struct): e.logicalType = try LogicalType.decode(&r)
            default: return false
            }
            return true
        }
        e.name = try r.required(name, "name", in: "SchemaElement")
        return e
    }
}

extension ColumnMetaData {
    func encodeFields(_ w: inout ThriftCompactWriter) {
        w.field(1, i32: type.rawValue)
        w.fieldListBegin(2, elementType: .i32, count: encodings.count)
        for e in encodings { w.listElement(i32: e.rawValue) }
        w.fieldListBegin(3, elementType: .binary, count: pathInSchema.count)
        for p in pathInSchema { w.listElement(string: p) }
        w.field(4, i32: codec.rawValue)
        w.field(5, i64: numValues)
        w.field(6, i64: totalUncompressedSize)
        w.field(7, i64: totalCompressedSize)
        w.field(9, i64: dataPageOffset)
        if let dictionaryPageOffset { w.field(11, i64: dictionaryPageOffset) }
        if let statistics { w.field(12) { w in statistics.encodeFields(&w) } }
    }

    static func decode(_ r: inout ThriftCompactReader) throws(ThriftError) -> ColumnMetaData {
        var type: PhysicalType?, encodings: [Encoding]?, path: [String]?, codec: CompressionCodec?
        var numValues: Int64?, unc: Int64?, comp: Int64?, dataOffset: Int64?
        var dictOffset: Int64?, stats: Statistics?
        try r.readStruct { (r: inout ThriftCompactReader, id, t) throws(ThriftError) in
            switch (id, t) {
            case (1, .i32): type = try r.enumValue(PhysicalType.self, field: "ColumnMetaData.type")
            case (2, .list): encodings = try r.list { (r: inout ThriftCompactReader) throws(ThriftError) in try r.enumValue(Encoding.self, field: "encoding") }
            case (3, .list): path = try r.list { (r: inout ThriftCompactReader) throws(ThriftError) in try r.string() }
            case (4, .i32): codec = try r.enumValue(CompressionCodec.self, field: "codec")
            case (5, .i64): numValues = try r.i64()
            case (6, .i64): unc = try r.i64()
            case (7, .i64): comp = try r.i64()
            case (9, .i64): dataOffset = try r.i64()
            case (11, .i64): dictOffset = try r.i64()
            case (12, .struct): stats = try Statistics.decode(&r)
            default: return false
            }
            return true
        }
        let s = "ColumnMetaData"
        return ColumnMetaData(
            type: try r.required(type, "type", in: s), encodings: try r.required(encodings, "encodings", in: s),
            pathInSchema: try r.required(path, "path_in_schema", in: s), codec: try r.required(codec, "codec", in: s),
            numValues: try r.required(numValues, "num_values", in: s),
            totalUncompressedSize: try r.required(unc, "total_uncompressed_size", in: s),
            totalCompressedSize: try r.required(comp, "total_compressed_size", in: s),
            dataPageOffset: try r.required(dataOffset, "data_page_offset", in: s),
            dictionaryPageOffset: dictOffset, statistics: stats)
    }
}

extension ColumnChunk {
    func encodeFields(_ w: inout ThriftCompactWriter) {
        w.field(2, i64: fileOffset)
        if let metaData { w.field(3) { w in metaData.encodeFields(&w) } }
    }

    static func decode(_ r: inout ThriftCompactReader) throws(ThriftError) -> ColumnChunk {
        var fileOffset: Int64?, meta: ColumnMetaData?
        try r.readStruct { (r: inout ThriftCompactReader, id, t) throws(ThriftError) in
            switch (id, t) {
            case (2, .i64): fileOffset = try r.i64()
            case (3, .struct): meta = try ColumnMetaData.decode(&r)
            default: return false
            }
            return true
        }
        return ColumnChunk(fileOffset: try r.required(fileOffset, "file_offset", in: "ColumnChunk"), metaData: meta)
    }
}

extension RowGroup {
    func encodeFields(_ w: inout ThriftCompactWriter) {
        w.fieldListBegin(1, elementType: .struct, count: columns.count)
        for c in columns { w.struct { w in c.encodeFields(&w) } }
        w.field(2, i64: totalByteSize)
        w.field(3, i64: numRows)
        if let fileOffset { w.field(5, i64: fileOffset) }
        if let totalCompressedSize { w.field(6, i64: totalCompressedSize) }
        if let ordinal { w.field(7, i16: ordinal) }
    }

    static func decode(_ r: inout ThriftCompactReader) throws(ThriftError) -> RowGroup {
        var columns: [ColumnChunk]?, total: Int64?, rows: Int64?
        var fileOffset: Int64?, compressed: Int64?, ordinal: Int16?
        try r.readStruct { (r: inout ThriftCompactReader, id, t) throws(ThriftError) in
            switch (id, t) {
            case (1, .list): columns = try r.list { (r: inout ThriftCompactReader) throws(ThriftError) in try ColumnChunk.decode(&r) }
            case (2, .i64): total = try r.i64()
            case (3, .i64): rows = try r.i64()
            case (5, .i64): fileOffset = try r.i64()
            case (6, .i64): compressed = try r.i64()
            case (7, .i16): ordinal = try r.i16()
            default: return false
            }
            return true
        }
        let s = "RowGroup"
        return RowGroup(columns: try r.required(columns, "columns", in: s), totalByteSize: try r.required(total, "total_byte_size", in: s),
                        numRows: try r.required(rows, "num_rows", in: s), fileOffset: fileOffset,
                        totalCompressedSize: compressed, ordinal: ordinal)
    }
}

extension FileMetaData {
    /// The footer's bytes.
    func serialized() -> [UInt8] {
        var w = ThriftCompactWriter(capacity: 256 * max(1, schema.count))
        w.struct { w in
            w.field(1, i32: version)
            w.fieldListBegin(2, elementType: .struct, count: schema.count)
            for e in schema { w.struct { w in e.encodeFields(&w) } }
            w.field(3, i64: numRows)
            w.fieldListBegin(4, elementType: .struct, count: rowGroups.count)
            for g in rowGroups { w.struct { w in g.encodeFields(&w) } }
            if let keyValueMetadata {
                w.fieldListBegin(5, elementType: .struct, count: keyValueMetadata.count)
                for kv in keyValueMetadata {
                    w.struct { w in
                        w.field(1, string: kv.key)
                        if let v = kv.value { w.field(2, string: v) }
                    }
                }
            }
            if let createdBy { w.field(6, string: createdBy) }
            if let columnOrders {
                w.fieldListBegin(7, elementType: .struct, count: columnOrders.count)
                for _ in columnOrders { w.struct { w in w.field(1) { _ in } } }  // TYPE_ORDER
            }
        }
        return w.bytes
    }

    static func decode(_ r: inout ThriftCompactReader) throws(ThriftError) -> FileMetaData {
        var version: Int32?, schema: [SchemaElement]?, rows: Int64?, groups: [RowGroup]?
        var kvs: [KeyValue]?, createdBy: String?, orders: [Bool]?
        try r.readStruct { (r: inout ThriftCompactReader, id, t) throws(ThriftError) in
            switch (id, t) {
            case (1, .i32): version = try r.i32()
            case (2, .list): schema = try r.list { (r: inout ThriftCompactReader) throws(ThriftError) in try SchemaElement.decode(&r) }
            case (3, .i64): rows = try r.i64()
            case (4, .list): groups = try r.list { (r: inout ThriftCompactReader) throws(ThriftError) in try RowGroup.decode(&r) }
            case (5, .list):
                kvs = try r.list { (r: inout ThriftCompactReader) throws(ThriftError) in
                    var key: String?, value: String?
                    try r.readStruct { (r: inout ThriftCompactReader, id, t) throws(ThriftError) in
                        switch (id, t) {
                        case (1, .binary): key = try r.string()
                        case (2, .binary): value = try r.string()
                        default: return false
                        }
                        return true
                    }
                    return KeyValue(key: try r.required(key, "key", in: "KeyValue"), value: value)
                }
            case (6, .binary): createdBy = try r.string()
            case (7, .list):
                orders = try r.list { (r: inout ThriftCompactReader) throws(ThriftError) in
                    var typeOrder = false
                    try r.readStruct { (_: inout ThriftCompactReader, id, t) throws(ThriftError) in
                        if id == 1 && t == .struct { typeOrder = true }
                        return false
                    }
                    return typeOrder
                }
            default: return false
            }
            return true
        }
        let s = "FileMetaData"
        return FileMetaData(version: try r.required(version, "version", in: s), schema: try r.required(schema, "schema", in: s),
                            numRows: try r.required(rows, "num_rows", in: s), rowGroups: try r.required(groups, "row_groups", in: s),
                            keyValueMetadata: kvs, createdBy: createdBy, columnOrders: orders)
    }
}

extension PageHeader {
    func serialized(into out: inout [UInt8]) {
        var w = ThriftCompactWriter(capacity: 32)
        w.struct { w in
            w.field(1, i32: type.rawValue)
            w.field(2, i32: uncompressedPageSize)
            w.field(3, i32: compressedPageSize)
            if let h = dataPageHeader {
                w.field(5) { w in
                    w.field(1, i32: h.numValues)
                    w.field(2, i32: h.encoding.rawValue)
                    w.field(3, i32: h.definitionLevelEncoding.rawValue)
                    w.field(4, i32: h.repetitionLevelEncoding.rawValue)
                }
            }
            if let h = dictionaryPageHeader {
                w.field(7) { w in
                    w.field(1, i32: h.numValues)
                    w.field(2, i32: h.encoding.rawValue)
                }
            }
            if let h = dataPageHeaderV2 {
                w.field(8) { w in
                    w.field(1, i32: h.numValues)
                    w.field(2, i32: h.numNulls)
                    w.field(3, i32: h.numRows)
                    w.field(4, i32: h.encoding.rawValue)
                    w.field(5, i32: h.definitionLevelsByteLength)
                    w.field(6, i32: h.repetitionLevelsByteLength)
                    if !h.isCompressed { w.field(7, bool: false) }
                }
            }
        }
        out.append(contentsOf: w.bytes)
    }

    static func decode(_ r: inout ThriftCompactReader) throws(ThriftError) -> PageHeader {
        var type: PageType?, unc: Int32?, comp: Int32?
        var data: DataPageHeader?, dict: DictionaryPageHeader?, v2: DataPageHeaderV2?
        try r.readStruct { (r: inout ThriftCompactReader, id, t) throws(ThriftError) in
            switch (id, t) {
            case (1, .i32): type = try r.enumValue(PageType.self, field: "PageHeader.type")
            case (2, .i32): unc = try r.i32()
            case (3, .i32): comp = try r.i32()
            case (5, .struct):
                var n: Int32?, e: Encoding?, d: Encoding?, rl: Encoding?
                try r.readStruct { (r: inout ThriftCompactReader, id, t) throws(ThriftError) in
                    switch (id, t) {
                    case (1, .i32): n = try r.i32()
                    case (2, .i32): e = try r.enumValue(Encoding.self, field: "encoding")
                    case (3, .i32): d = try r.enumValue(Encoding.self, field: "definition_level_encoding")
                    case (4, .i32): rl = try r.enumValue(Encoding.self, field: "repetition_level_encoding")
                    default: return false
                    }
                    return true
                }
                let s = "DataPageHeader"
                data = DataPageHeader(numValues: try r.required(n, "num_values", in: s), encoding: try r.required(e, "encoding", in: s),
                                      definitionLevelEncoding: try r.required(d, "definition_level_encoding", in: s),
                                      repetitionLevelEncoding: try r.required(rl, "repetition_level_encoding", in: s))
            case (7, .struct):
                var n: Int32?, e: Encoding?
                try r.readStruct { (r: inout ThriftCompactReader, id, t) throws(ThriftError) in
                    switch (id, t) {
                    case (1, .i32): n = try r.i32()
                    case (2, .i32): e = try r.enumValue(Encoding.self, field: "encoding")
                    default: return false
                    }
                    return true
                }
                dict = DictionaryPageHeader(numValues: try r.required(n, "num_values", in: "DictionaryPageHeader"),
                                            encoding: try r.required(e, "encoding", in: "DictionaryPageHeader"))
            case (8, .struct):
                var n: Int32?, nulls: Int32?, rows: Int32?, e: Encoding?, dl: Int32?, rl: Int32?, compressed = true
                try r.readStruct { (r: inout ThriftCompactReader, id, t) throws(ThriftError) in
                    switch (id, t) {
                    case (1, .i32): n = try r.i32()
                    case (2, .i32): nulls = try r.i32()
                    case (3, .i32): rows = try r.i32()
                    case (4, .i32): e = try r.enumValue(Encoding.self, field: "encoding")
                    case (5, .i32): dl = try r.i32()
                    case (6, .i32): rl = try r.i32()
                    case (7, .boolTrue), (7, .boolFalse): compressed = try r.bool(t)
                    default: return false
                    }
                    return true
                }
                let s = "DataPageHeaderV2"
                v2 = DataPageHeaderV2(numValues: try r.required(n, "num_values", in: s), numNulls: try r.required(nulls, "num_nulls", in: s),
                                      numRows: try r.required(rows, "num_rows", in: s), encoding: try r.required(e, "encoding", in: s),
                                      definitionLevelsByteLength: try r.required(dl, "definition_levels_byte_length", in: s),
                                      repetitionLevelsByteLength: try r.required(rl, "repetition_levels_byte_length", in: s),
                                      isCompressed: compressed)
            default: return false
            }
            return true
        }
        let s = "PageHeader"
        return PageHeader(type: try r.required(type, "type", in: s), uncompressedPageSize: try r.required(unc, "uncompressed_page_size", in: s),
                          compressedPageSize: try r.required(comp, "compressed_page_size", in: s),
                          dataPageHeader: data, dictionaryPageHeader: dict, dataPageHeaderV2: v2)
    }
}
