// Row-group pruning by column-chunk statistics: a row group whose min/max cannot meet a
// predicate is never read. Statistics are PLAIN-encoded values of the physical type
// (parquet.thrift `Statistics`); the deprecated `min`/`max` fields use signed order, which is
// right for the numeric types only, so for byte arrays and unsigned columns only
// `min_value`/`max_value` count.

/// A decoded statistics bound.
public enum StatisticValue: Sendable, Equatable {
    case boolean(Bool)
    /// INT32 and INT64 (a timestamp in the column's own unit).
    case integer(Int64)
    /// FLOAT and DOUBLE.
    case real(Double)
    case bytes([UInt8])
}

/// What a column chunk's statistics say about its values.
public struct ColumnStatistics: Sendable, Equatable {
    public var min: StatisticValue?
    public var max: StatisticValue?
    public var nullCount: Int64?
}

extension ParquetFileReader {
    /// The statistics of column `column` in row group `group`, decoded; nil when the writer
    /// stored none. Bounds that cannot be trusted (NaN, wrong width, signed order on unsigned
    /// data) are left out.
    public func statistics(rowGroup group: Int, column index: Int) -> ColumnStatistics? {
        guard group >= 0, group < metadata.rowGroups.count, index >= 0, index < columns.count,
              let stats = metadata.rowGroups[group].columns[index].metaData?.statistics
        else { return nil }
        let column = columns[index]
        let signedLegacyOK = column.physicalType != .byteArray && column.physicalType != .fixedLenByteArray && !column.isUnsigned
        let minRaw = stats.minValue ?? (signedLegacyOK ? stats.legacyMin : nil)
        let maxRaw = stats.maxValue ?? (signedLegacyOK ? stats.legacyMax : nil)
        return ColumnStatistics(min: minRaw.flatMap { Self.decodeStatistic($0, column) },
                                max: maxRaw.flatMap { Self.decodeStatistic($0, column) },
                                nullCount: stats.nullCount)
    }

    static func decodeStatistic(_ b: [UInt8], _ column: ParquetColumn) -> StatisticValue? {
        func le(_ n: Int) -> UInt64? {
            guard b.count == n else { return nil }
            var v: UInt64 = 0
            for i in 0..<n { v |= UInt64(b[i]) << (8 * UInt64(i)) }
            return v
        }
        switch column.physicalType {
        case .boolean: return le(1).map { .boolean($0 != 0) }
        case .int32:
            guard let v = le(4) else { return nil }
            return .integer(column.isUnsigned ? Int64(v) : Int64(Int32(bitPattern: UInt32(v))))
        case .int64:
            guard let v = le(8) else { return nil }
            if column.isUnsigned && v > UInt64(Int64.max) { return nil }
            return .integer(Int64(bitPattern: v))
        case .float:
            guard let v = le(4) else { return nil }
            let f = Float(bitPattern: UInt32(v))
            return f.isNaN ? nil : .real(Double(f))
        case .double:
            guard let v = le(8) else { return nil }
            let d = Double(bitPattern: v)
            return d.isNaN ? nil : .real(d)
        case .byteArray: return .bytes(b)
        default: return nil
        }
    }

    /// The row groups whose statistics for `column` satisfy `mayMatch`; a row group without
    /// usable statistics is always kept (it may match).
    public func rowGroups(column: Int, mayMatch: (ColumnStatistics) -> Bool) -> [Int] {
        (0..<rowGroupCount).filter { g in
            guard let s = statistics(rowGroup: g, column: column), s.min != nil, s.max != nil else { return true }
            return mayMatch(s)
        }
    }

    /// The row groups that may hold values of integer `column` in `range` (for a timestamp,
    /// in the column's own unit).
    public func rowGroups(column: Int, overlapping range: ClosedRange<Int64>) -> [Int] {
        rowGroups(column: column) { s in
            guard case .integer(let lo)? = s.min, case .integer(let hi)? = s.max else { return true }
            return lo <= range.upperBound && hi >= range.lowerBound
        }
    }

    /// The row groups that may hold values of FLOAT or DOUBLE `column` in `range`.
    public func rowGroups(column: Int, overlapping range: ClosedRange<Double>) -> [Int] {
        rowGroups(column: column) { s in
            guard case .real(let lo)? = s.min, case .real(let hi)? = s.max else { return true }
            return lo <= range.upperBound && hi >= range.lowerBound
        }
    }

    /// The row groups that may hold times of timestamp `column` from `from` (inclusive) to `to`
    /// (exclusive), both in milliseconds since the epoch; nil leaves that side open. The
    /// bounds are converted to the column's unit.
    public func rowGroups(timestampColumn column: Int, fromMillis from: Int64?, toMillis to: Int64?) -> [Int] {
        guard column >= 0, column < columns.count, let unit = columns[column].timestampUnit else { return Array(0..<rowGroupCount) }
        let scale: Int64 = unit == .millis ? 1 : unit == .micros ? 1000 : 1_000_000
        func scaled(_ v: Int64) -> Int64 {
            let (r, o) = v.multipliedReportingOverflow(by: scale)
            return o ? (v < 0 ? Int64.min : Int64.max) : r
        }
        let lo = from.map(scaled) ?? Int64.min
        var hi = to.map(scaled) ?? Int64.max
        if to != nil { hi = hi == Int64.min ? hi : hi - 1 }
        guard lo <= hi else { return [] }
        return rowGroups(column: column, overlapping: lo...hi)
    }
}
