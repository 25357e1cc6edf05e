/// How the writer lays out a file. The defaults make the smallest files the four readers of
/// docs/ARCHITECTURE.md §2 (pyarrow, DuckDB, polars, fastparquet) all read: per column, the smaller of
/// PLAIN, RLE_DICTIONARY and (for integers and timestamps) DELTA_BINARY_PACKED; v1 data pages;
/// no page-level statistics (column-chunk statistics carry the pruning information); never
/// BYTE_STREAM_SPLIT, which fastparquet cannot read.
public struct WriterOptions: Sendable {
    public var compression: Compression = .snappy
    /// Whether dictionary encoding may be chosen where it is smaller.
    public var dictionary = true
    /// Whether DELTA_BINARY_PACKED may be chosen for INT32/INT64 columns where it is smaller.
    public var deltaIntegers = true
    /// Rows per row group; larger inputs get several. A week of 5-second readings fits one.
    public var maxRowsPerRowGroup = 131_072
    /// Target size of a data page before compression.
    public var dataPageSize = 1 << 20
    /// Written as the file's `created_by`.
    public var createdBy = "opensensor version \(ParquetLibrary.version)"

    public init(compression: Compression = .snappy) { self.compression = compression }
}

public enum ParquetLibrary {
    /// The opensensor release this library belongs to.
    public static let version = "0.1.0"
}

/// Why a file could not be written.
public enum ParquetWriteError: Error, Sendable, CustomStringConvertible, Equatable {
    case columnCount(expected: Int, got: Int)
    case rowCountMismatch(column: String, expected: Int, got: Int)
    case typeMismatch(column: String, expected: ColumnType, got: PhysicalType)
    case nullInRequiredColumn(column: String, row: Int)
    case compression(CompressionError)
    case io(path: String, operation: String, errno: Int32, message: String)
    /// A create-only write found the name taken; nothing was changed.
    case alreadyExists(path: String)

    public var description: String {
        switch self {
        case .columnCount(let e, let g): "expected values for \(e) columns, got \(g)"
        case .rowCountMismatch(let c, let e, let g): "column \(c) has \(g) values, expected \(e)"
        case .typeMismatch(let c, let e, let g): "column \(c) is \(e.rawValue), got values of physical type \(g)"
        case .nullInRequiredColumn(let c, let r): "column \(c) is required but row \(r) is null"
        case .compression(let e): "compression failed: \(e)"
        case .io(let p, let op, let errno, let m): "\(op) \(p): \(m) (errno \(errno))"
        case .alreadyExists(let p): "\(p) exists already"
        }
    }
}
