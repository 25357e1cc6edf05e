// Parquet file metadata, as defined in parquet-format's `parquet.thrift`, with the field ids
// of that file. Only the fields this project writes or needs to read are modelled; unknown
// fields are skipped on decode so files from newer writers still read.

/// Physical types (parquet.thrift `Type`).
public enum PhysicalType: Int32, Sendable, CaseIterable, CustomStringConvertible {
    case boolean = 0, int32 = 1, int64 = 2, int96 = 3, float = 4, double = 5, byteArray = 6, fixedLenByteArray = 7

    public var description: String {
        switch self {
        case .boolean: "BOOLEAN"
        case .int32: "INT32"
        case .int64: "INT64"
        case .int96: "INT96"
        case .float: "FLOAT"
        case .double: "DOUBLE"
        case .byteArray: "BYTE_ARRAY"
        case .fixedLenByteArray: "FIXED_LEN_BYTE_ARRAY"
        }
    }
}

/// `FieldRepetitionType`.
public enum Repetition: Int32, Sendable {
    case required = 0, optional = 1, repeated = 2
}

/// The deprecated `ConvertedType`, still written beside the logical type for old readers.
public enum ConvertedType: Int32, Sendable {
    case utf8 = 0
    case timestampMillis = 9
    case timestampMicros = 10
}

/// `Encoding`.
public enum Encoding: Int32, Sendable, CaseIterable, CustomStringConvertible {
    case plain = 0, plainDictionary = 2, rle = 3, bitPacked = 4, deltaBinaryPacked = 5
    case deltaLengthByteArray = 6, deltaByteArray = 7, rleDictionary = 8, byteStreamSplit = 9

    public var description: String {
        switch self {
        case .plain: "PLAIN"
        case .plainDictionary: "PLAIN_DICTIONARY"
        case .rle: "RLE"
        case .bitPacked: "BIT_PACKED"
        case .deltaBinaryPacked: "DELTA_BINARY_PACKED"
        case .deltaLengthByteArray: "DELTA_LENGTH_BYTE_ARRAY"
        case .deltaByteArray: "DELTA_BYTE_ARRAY"
        case .rleDictionary: "RLE_DICTIONARY"
        case .byteStreamSplit: "BYTE_STREAM_SPLIT"
        }
    }
}

/// `CompressionCodec`.
public enum CompressionCodec: Int32, Sendable, CaseIterable, CustomStringConvertible {
    case uncompressed = 0, snappy = 1, gzip = 2, lzo = 3, brotli = 4, lz4 = 5, zstd = 6, lz4Raw = 7

    public var description: String {
        switch self {
        case .uncompressed: "UNCOMPRESSED"
        case .snappy: "SNAPPY"
        case .gzip: "GZIP"
        case .lzo: "LZO"
        case .brotli: "BROTLI"
        case .lz4: "LZ4"
        case .zstd: "ZSTD"
        case .lz4Raw: "LZ4_RAW"
        }
    }
}

/// `PageType`.
public enum PageType: Int32, Sendable {
    case dataPage = 0, indexPage = 1, dictionaryPage = 2, dataPageV2 = 3
}

/// The subset of `LogicalType` (a Thrift union) this project writes and recognises.
public enum LogicalType: Sendable, Equatable, CustomStringConvertible {
    case string
    case timestamp(isAdjustedToUTC: Bool, unit: TimeUnit)
    /// A logical type this library does not model; its union field id is kept for display.
    case other(fieldID: Int16)

    public enum TimeUnit: Int16, Sendable { case millis = 1, micros = 2, nanos = 3 }

    public var description: String {
        switch self {
        case .string: "STRING"
        case .timestamp(let utc, let unit): "TIMESTAMP(isAdjustedToUTC=\(utc), \(unit == .millis ? "MILLIS" : unit == .micros ? "MICROS" : "NANOS"))"
        case .other(let id): "LOGICAL(\(id))"
        }
    }
}

/// `SchemaElement`.
public struct SchemaElement: Sendable, Equatable {
    public var type: PhysicalType?
    public var typeLength: Int32?
    public var repetition: Repetition?
    public var name: String
    public var numChildren: Int32?
    public var convertedType: Int32?
    public var logicalType: LogicalType?

    public init(type: PhysicalType? = nil, typeLength: Int32? = nil, repetition: Repetition? = nil, name: String,
                numChildren: Int32? = nil, convertedType: Int32? = nil, logicalType: LogicalType? = nil) {
        self.type = type
        self.typeLength = typeLength
        self.repetition = repetition
        self.name = name
        self.numChildren = numChildren
        self.convertedType = convertedType
        self.logicalType = logicalType
    }
}

/// `Statistics`: min/max as PLAIN-encoded bytes of the column's physical type.
public struct Statistics: Sendable, Equatable {
    public var nullCount: Int64?
    public var distinctCount: Int64?
    public var minValue: [UInt8]?
    public var maxValue: [UInt8]?
    /// The deprecated signed-order `min`/`max`, read for old files, never written.
    public var legacyMin: [UInt8]?
    public var legacyMax: [UInt8]?

    public init(nullCount: Int64? = nil, minValue: [UInt8]? = nil, maxValue: [UInt8]? = nil) {
        self.nullCount = nullCount
        self.minValue = minValue
        self.maxValue = maxValue
    }
}

/// `KeyValue`.
public struct KeyValue: Sendable, Equatable {
    public var key: String
    public var value: String?
    public init(key: String, value: String?) {
        self.key = key
        self.value = value
    }
}

/// `ColumnMetaData`.
public struct ColumnMetaData: Sendable, Equatable {
    public var type: PhysicalType
    public var encodings: [Encoding]
    public var pathInSchema: [String]
    public var codec: CompressionCodec
    public var numValues: Int64
    public var totalUncompressedSize: Int64
    public var totalCompressedSize: Int64
    public var dataPageOffset: Int64
    public var dictionaryPageOffset: Int64?
    public var statistics: Statistics?
}

/// `ColumnChunk`.
public struct ColumnChunk: Sendable, Equatable {
    public var fileOffset: Int64
    public var metaData: ColumnMetaData?
}

/// `RowGroup`.
public struct RowGroup: Sendable, Equatable {
    public var columns: [ColumnChunk]
    public var totalByteSize: Int64
    public var numRows: Int64
    public var fileOffset: Int64?
    public var totalCompressedSize: Int64?
    public var ordinal: Int16?
}

/// `FileMetaData`, the footer.
public struct FileMetaData: Sendable, Equatable {
    public var version: Int32
    public var schema: [SchemaElement]
    public var numRows: Int64
    public var rowGroups: [RowGroup]
    public var keyValueMetadata: [KeyValue]?
    public var createdBy: String?
    /// One entry per leaf column; `true` is TYPE_ORDER, the only order the format defines.
    public var columnOrders: [Bool]?
}

/// `DataPageHeader`.
struct DataPageHeader: Equatable {
    var numValues: Int32
    var encoding: Encoding
    var definitionLevelEncoding: Encoding
    var repetitionLevelEncoding: Encoding
}

/// `DataPageHeaderV2`.
struct DataPageHeaderV2: Equatable {
    var numValues: Int32
    var numNulls: Int32
    var numRows: Int32
    var encoding: Encoding
    var definitionLevelsByteLength: Int32
    var repetitionLevelsByteLength: Int32
    var isCompressed: Bool = true
}

/// `DictionaryPageHeader`.
struct DictionaryPageHeader: Equatable {
    var numValues: Int32
    var encoding: Encoding
}

/// `PageHeader`.
struct PageHeader: Equatable {
    var type: PageType
    var uncompressedPageSize: Int32
    var compressedPageSize: Int32
    var dataPageHeader: DataPageHeader?
    var dictionaryPageHeader: DictionaryPageHeader?
    var dataPageHeaderV2: DataPageHeaderV2?
}
