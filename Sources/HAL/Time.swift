/// A monotonic time source. Readings of one clock are comparable; the origin is arbitrary.
public protocol MonotonicClock: Sendable {
    /// Time since the clock's origin.
    func now() -> Duration
}

/// Something that can wait. Drivers wait only through this, so tests run instantly.
public protocol Sleeper: Sendable {
    /// Suspends for `duration` (never less).
    func sleep(for duration: Duration) async throws
}

/// A clock that can also sleep; what drivers and boards take.
public typealias HALClock = MonotonicClock & Sleeper

/// The real clock: `ContinuousClock` for time and `Task.sleep` for waits.
public struct SystemClock: MonotonicClock, Sleeper {
    private let origin = ContinuousClock.now

    /// Creates a clock whose origin is now.
    public init() {}

    public func now() -> Duration { ContinuousClock.now - origin }

    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}

/// A point in wall-clock time, milliseconds since 1970-01-01 UTC (the Parquet timestamp unit).
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Milliseconds since the Unix epoch, UTC.
    public var millisecondsSinceEpoch: Int64

    /// Creates a timestamp.
    public init(millisecondsSinceEpoch: Int64) { self.millisecondsSinceEpoch = millisecondsSinceEpoch }

    /// Seconds since the Unix epoch.
    public var secondsSinceEpoch: Double { Double(millisecondsSinceEpoch) / 1000 }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.millisecondsSinceEpoch < b.millisecondsSinceEpoch }

    public var description: String { "\(millisecondsSinceEpoch) ms" }
}

extension Duration {
    /// The duration in seconds as a `Double`.
    public var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }
}
