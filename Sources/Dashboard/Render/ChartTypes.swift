// Plain values the pages hand to the renderers. Rendering is pure: same input, same markup.

/// One time bucket's value; nil = no data (drawn as a gap). `t` = bucket start, ms since epoch UTC.
public struct ChartPoint: Sendable, Equatable {
    public var t: Int64
    public var value: Double?

    public init(t: Int64, value: Double?) {
        self.t = t
        self.value = value
    }
}

public struct ChartSeries: Sendable, Equatable {
    /// Column name, e.g. "temperature"; written to `data-series`.
    public var key: String
    /// Human label, e.g. "Temperature (compensated)".
    public var label: String
    /// Ascending `t`; buckets with no readings may be absent or present with a nil value.
    public var points: [ChartPoint]

    public init(key: String, label: String, points: [ChartPoint]) {
        self.key = key
        self.label = label
        self.points = points
    }
}

public struct TimeAxis: Sendable, Equatable {
    /// ms UTC, inclusive.
    public var from: Int64
    /// ms UTC, exclusive.
    public var to: Int64
    /// Bucket width in ms (5_000 … 86_400_000).
    public var step: Int64
    /// The viewer's zone: tick places and labels are its local times.
    public var zone: ViewerZone

    public init(from: Int64, to: Int64, step: Int64, zone: ViewerZone) {
        self.from = from
        self.to = to
        self.step = step
        self.zone = zone
    }
}

public struct ChartSpec: Sendable, Equatable {
    /// `[a-z0-9-]+`, used in element ids.
    public var id: String
    public var title: String
    /// "°C", "%", "hPa", … or "" when unitless.
    public var unit: String
    public var series: [ChartSeries]
    public var axis: TimeAxis
    /// The y range must include 0 (counts, PM).
    public var includeZero: Bool

    public init(id: String, title: String, unit: String, series: [ChartSeries], axis: TimeAxis, includeZero: Bool = false) {
        self.id = id
        self.title = title
        self.unit = unit
        self.series = series
        self.axis = axis
        self.includeZero = includeZero
    }
}
