// The value types a column can hold, and how each is PLAIN-encoded, compared for statistics
// and keyed for dictionaries (parquet-format Encodings.md "Plain"; README "Statistics",
// LogicalTypes.md sort orders).

/// A Swift type stored in one Parquet physical type.
public protocol ParquetValue: Sendable {
    static var physicalType: PhysicalType { get }
    /// Appends the PLAIN encoding of `values`.
    static func appendPlain(_ values: UnsafeBufferPointer<Self>, to out: inout [UInt8])
    /// Bytes of the PLAIN encoding of one value.
    var plainSize: Int { get }
    /// Bytes of the PLAIN encoding of `values` (one multiplication for fixed widths).
    static func plainSize(of values: UnsafeBufferPointer<Self>) -> Int
    /// The least and greatest of `values` in the column's order, leaving out those excluded
    /// from statistics; nil when none is left.
    static func minMax(of values: UnsafeBufferPointer<Self>) -> (min: Self, max: Self)?
    /// Whether `self` sorts before `other` in the column's type-defined order.
    func sortsBefore(_ other: Self) -> Bool
    /// Values excluded from min/max (floating-point NaN).
    var isExcludedFromStatistics: Bool { get }
    /// min/max as written in Statistics: the PLAIN encoding, without a length prefix for
    /// byte arrays. `isMin` lets floating-point zero be written as -0.0 (min) or +0.0 (max).
    func statisticsBytes(isMin: Bool) -> [UInt8]
}

extension ParquetValue {
    public static func plainSize(of values: UnsafeBufferPointer<Self>) -> Int {
        var size = 0
        for v in values { size += v.plainSize }
        return size
    }

    public static func minMax(of values: UnsafeBufferPointer<Self>) -> (min: Self, max: Self)? {
        guard let first = values.firstIndex(where: { !$0.isExcludedFromStatistics }) else { return nil }
        var lo = values[first]
        var hi = lo
        for v in values[(first + 1)...] where !v.isExcludedFromStatistics {
            if v.sortsBefore(lo) {
                lo = v
            } else if hi.sortsBefore(v) {
                hi = v
            }
        }
        return (lo, hi)
    }
}

/// Floating-point min/max without NaN, whose comparisons are all false, so it never replaces
/// a bound; a plain loop the compiler keeps in registers.
@inline(__always)
func floatingMinMax<F: BinaryFloatingPoint>(_ values: UnsafeBufferPointer<F>) -> (min: F, max: F)? {
    guard let first = values.firstIndex(where: { !$0.isNaN }) else { return nil }
    var lo = values[first]
    var hi = lo
    for i in (first + 1)..<values.count {
        let v = values[i]
        if v < lo { lo = v }
        if v > hi { hi = v }
    }
    return (lo, hi)
}

/// Fixed-width numbers, which the dictionary encoder keys by bit pattern (so -0.0 and +0.0,
/// and NaNs with different payloads, stay distinct and round-trip bit for bit).
public protocol ParquetFixedWidthValue: ParquetValue {
    var bitKey: UInt64 { get }
}

extension ParquetFixedWidthValue {
    public static func appendPlain(_ values: UnsafeBufferPointer<Self>, to out: inout [UInt8]) {
        // Little-endian hosts only (x86-64, arm64): PLAIN is the in-memory layout.
        out.append(contentsOf: UnsafeRawBufferPointer(values))
    }
    public var plainSize: Int { MemoryLayout<Self>.size }
    public static func plainSize(of values: UnsafeBufferPointer<Self>) -> Int { values.count * MemoryLayout<Self>.size }
    public var isExcludedFromStatistics: Bool { false }
    public func statisticsBytes(isMin: Bool) -> [UInt8] { withUnsafeBytes(of: self) { Array($0) } }
}

extension Int32: ParquetFixedWidthValue {
    public static var physicalType: PhysicalType { .int32 }
    public var bitKey: UInt64 { UInt64(UInt32(bitPattern: self)) }
    public func sortsBefore(_ other: Int32) -> Bool { self < other }
}

extension Int64: ParquetFixedWidthValue {
    public static var physicalType: PhysicalType { .int64 }
    public var bitKey: UInt64 { UInt64(bitPattern: self) }
    public func sortsBefore(_ other: Int64) -> Bool { self < other }
}

extension Float: ParquetFixedWidthValue {
    public static var physicalType: PhysicalType { .float }
    public var bitKey: UInt64 { UInt64(bitPattern) }
    public func sortsBefore(_ other: Float) -> Bool { self < other }
    public var isExcludedFromStatistics: Bool { isNaN }
    public static func minMax(of values: UnsafeBufferPointer<Float>) -> (min: Float, max: Float)? { floatingMinMax(values) }
    /// parquet-format: a zero min is written as -0.0 and a zero max as +0.0, since readers may
    /// not distinguish them when pruning.
    public func statisticsBytes(isMin: Bool) -> [UInt8] {
        let v: Float = self == 0 ? (isMin ? -0.0 : 0.0) : self
        return withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) }
    }
}

extension Double: ParquetFixedWidthValue {
    public static var physicalType: PhysicalType { .double }
    public var bitKey: UInt64 { bitPattern }
    public func sortsBefore(_ other: Double) -> Bool { self < other }
    public var isExcludedFromStatistics: Bool { isNaN }
    public static func minMax(of values: UnsafeBufferPointer<Double>) -> (min: Double, max: Double)? { floatingMinMax(values) }
    public func statisticsBytes(isMin: Bool) -> [UInt8] {
        let v: Double = self == 0 ? (isMin ? -0.0 : 0.0) : self
        return withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) }
    }
}

extension Bool: ParquetValue {
    public static var physicalType: PhysicalType { .boolean }
    /// PLAIN booleans are bit-packed, LSB first.
    public static func appendPlain(_ values: UnsafeBufferPointer<Bool>, to out: inout [UInt8]) {
        var byte: UInt8 = 0
        for (i, v) in values.enumerated() {
            if v { byte |= 1 << UInt8(i & 7) }
            if i & 7 == 7 {
                out.append(byte)
                byte = 0
            }
        }
        if values.count & 7 != 0 { out.append(byte) }
    }
    public var plainSize: Int { 1 }
    public func sortsBefore(_ other: Bool) -> Bool { !self && other }
    public var isExcludedFromStatistics: Bool { false }
    public func statisticsBytes(isMin: Bool) -> [UInt8] { [self ? 1 : 0] }
}

extension String: ParquetValue {
    public static var physicalType: PhysicalType { .byteArray }
    public static func appendPlain(_ values: UnsafeBufferPointer<String>, to out: inout [UInt8]) {
        for v in values {
            let n = UInt32(v.utf8.count)
            withUnsafeBytes(of: n.littleEndian) { out.append(contentsOf: $0) }
            out.append(contentsOf: v.utf8)
        }
    }
    public var plainSize: Int { 4 + utf8.count }
    /// Byte arrays sort as unsigned bytes, lexicographically — not Swift's Unicode order.
    public func sortsBefore(_ other: String) -> Bool { utf8.lexicographicallyPrecedes(other.utf8) }
    public var isExcludedFromStatistics: Bool { false }
    public func statisticsBytes(isMin: Bool) -> [UInt8] { Array(utf8) }
}
