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
    /// Whether FLOAT and DOUBLE columns use BYTE_STREAM_SPLIT instead of PLAIN (dictionary
    /// encoding still wins where smaller). Off by default: fastparquet cannot read it.
    public var byteStreamSplit = false
    /// Whether each column's encoding is chosen by its size after compression, which
    /// compresses every allowed encoding once, rather than by its size before. On a day of
    /// readings it saves about 0.5 % of the bytes for twice the CPU (Benchmarks/run-parquet.sh),
    /// so no preset turns it on.
    public var encodingByCompressedSize = false
    /// Rows per row group; larger inputs get several. A week of 5-second readings fits one.
    public var maxRowsPerRowGroup = 131_072
    /// When set and the first column is a timestamp, a row group also ends where the
    /// timestamps reach the next multiple of this span (counted from 1970-01-01T00:00Z), so
    /// each group covers an aligned stretch of time that readers prune by its statistics.
    public var rowGroupSpanMilliseconds: Int64?
    /// Target size of a data page before compression.
    public var dataPageSize = 1 << 20
    /// Written as the file's `created_by`.
    public var createdBy = "opensensor version \(ParquetLibrary.version)"

    public init(compression: Compression = .snappy) { self.compression = compression }

    /// Day files (one file per station-day, docs/ARCHITECTURE.md §2), whose readers are pyarrow,
    /// DuckDB and polars but not fastparquet: BYTE_STREAM_SPLIT floats, zstd at level 3, and a
    /// row group per 6 hours of UTC time, so a reader asking for an hour reads a quarter of the
    /// day. Sizes and CPU against pyarrow: Benchmarks/run-parquet.sh.
    public static var dayFile: WriterOptions {
        var options = WriterOptions(compression: .zstd(level: 3))
        options.byteStreamSplit = true
        options.rowGroupSpanMilliseconds = 6 * 3_600_000
        return options
    }
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
