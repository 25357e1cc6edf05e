// What a query returns: one group per (station, bucket) that holds at least one reading, with
// the aggregates of each column, plus what the engine did (files read and skipped, row groups
// pruned) so a user can see why a number is what it is.

public import Parquet

/// The count, sum, minimum and maximum of one column's non-null values in one group.
public struct Aggregate: Sendable, Equatable {
    /// Non-null values seen.
    public var count: Int64 = 0
    public var sum: Double = 0
    /// NaN until a value arrives: NaN sorts above every number (as in DuckDB), so it is the
    /// neutral start of a minimum, and a NaN in the data still wins a maximum.
    var low: Double = .nan
    var high: Double = -.infinity

    public init() {}

    /// The mean of the non-null values; nil when there are none.
    public var average: Double? { count > 0 ? sum / Double(count) : nil }
    public var minimum: Double? { count > 0 ? low : nil }
    public var maximum: Double? { count > 0 ? high : nil }

    @inline(__always)
    mutating func add(_ v: Double) {
        count += 1
        sum += v
        if Self.less(v, low) { low = v }
        if Self.less(high, v) { high = v }
    }

    mutating func merge(_ o: Aggregate) {
        guard o.count > 0 else { return }
        count += o.count
        sum += o.sum
        if Self.less(o.low, low) { low = o.low }
        if Self.less(high, o.high) { high = o.high }
    }

    /// Total order with NaN above everything.
    @inline(__always)
    static func less(_ a: Double, _ b: Double) -> Bool { !a.isNaN && (b.isNaN || a < b) }
}

/// One output row: a station's bucket.
public struct QueryGroup: Sendable, Equatable {
    public var station: String
    /// Bucket start, UTC ms.
    public var start: Int64
    /// Readings in the bucket (rows with a timestamp inside the query's range).
    public var count: Int64
    /// One per aggregated column, in the order of `QueryResult.columns`.
    public var aggregates: [Aggregate]
    /// Readings of the bucket with a value the plausibility rules left out of the aggregates
    /// (Plausibility.swift); 0 when the question keeps them.
    public var implausible: Int64 = 0

    public init(station: String, start: Int64, count: Int64, aggregates: [Aggregate], implausible: Int64 = 0) {
        self.station = station
        self.start = start
        self.count = count
        self.aggregates = aggregates
        self.implausible = implausible
    }
}

/// A file the engine could not use, and why.
public struct SkippedFile: Sendable, Equatable {
    /// Path relative to the lake's root.
    public var path: String
    public var reason: String
}

/// The answer to a `LakeQuery`.
public struct QueryResult: Sendable {
    public var query: LakeQuery
    /// The aggregated columns, in output order.
    public var columns: [Column]
    /// Sorted by station, then bucket start.
    public var groups: [QueryGroup]
    /// Files that follow the layout and survived path pruning.
    public var filesConsidered = 0
    /// Files opened whose row groups were all pruned by statistics.
    public var filesPrunedByStatistics = 0
    public var rowGroupsRead = 0
    public var rowGroupsPruned = 0
    /// Day partitions skipped by their path alone.
    public var partitionsPruned = 0
    public var skipped: [SkippedFile] = []

    /// Readings with a value left out as implausible, over the whole answer.
    public var implausible: Int64 { groups.reduce(0) { $0 + $1.implausible } }
}

extension QueryResult {
    /// Counts a reading the lake does not hold yet (a running collector's journal) into the
    /// answer, as the engine counts a row of a file: inside the range, into its bucket, each
    /// asked-for column's value (nil: null) unless the plausibility rules leave it out.
    /// `values` holds the reading's every sensor column, so the particulate rule can judge.
    public mutating func add(reading time: Int64, values: [String: Double], station: String) {
        guard query.kind == .data, query.stations.isEmpty || query.stations.contains(station) else { return }
        if let from = query.from, time < from { return }
        if let to = query.to, time >= to { return }
        let start = query.every.start(of: time)
        let dropped = query.judgesPlausibility ? Plausibility.implausibleColumns(values) : []
        // Journal readings are the newest: their group is at or near the end.
        var i = groups.endIndex
        while i > groups.startIndex, (groups[i - 1].station, groups[i - 1].start) > (station, start) { i -= 1 }
        if i == groups.startIndex || groups[i - 1].station != station || groups[i - 1].start != start {
            groups.insert(QueryGroup(station: station, start: start, count: 0, aggregates: columns.map { _ in Aggregate() }), at: i)
            i += 1
        }
        groups[i - 1].count += 1
        var left = false
        for (c, column) in columns.enumerated() {
            guard let v = values[column.name] else { continue }
            if dropped.contains(column.name) {
                left = true
            } else {
                groups[i - 1].aggregates[c].add(v)
            }
        }
        if left { groups[i - 1].implausible += 1 }
    }
}
