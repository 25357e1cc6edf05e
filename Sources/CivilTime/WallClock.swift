import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// UTC wall-clock time for the collector, and sleeping until a wall time. Injected so that
/// `--speed` runs a virtual clock and tests never wait.
public protocol WallClock: Sendable {
    func nowMillis() -> Int64
    /// A clock that never jumps (time since boot): measures how long ago a reading was taken
    /// when the wall clock was not yet right (docs/ARCHITECTURE.md §4.5).
    func monotonicMillis() -> Int64
    /// Sleeps until `millis` (returns at once if it has passed); throws when cancelled.
    func sleep(untilMillis millis: Int64) async throws
}

extension WallClock {
    /// Virtual clocks never jump unless told to: their monotonic time is their wall time.
    public func monotonicMillis() -> Int64 { nowMillis() }
}

/// The system's real-time clock.
public struct SystemWallClock: WallClock {
    public init() {}

    /// CLOCK_BOOTTIME: keeps counting through suspend, never set by NTP or a user.
    public func monotonicMillis() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_BOOTTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    public func nowMillis() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    public func sleep(untilMillis millis: Int64) async throws {
        let wait = millis - nowMillis()
        if wait > 0 { try await Task.sleep(for: .milliseconds(wait)) }
        try Task.checkCancellation()
    }
}

/// A virtual clock that starts at `start` and runs `speed` times faster than real time.
public struct ScaledWallClock: WallClock {
    public let start: Int64
    public let speed: Double
    private let origin = ContinuousClock.now

    public init(start: Int64, speed: Double) {
        precondition(speed > 0)
        self.start = start
        self.speed = speed
    }

    public func nowMillis() -> Int64 {
        let elapsed = ContinuousClock.now - origin
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        return start + Int64(ms * speed)
    }

    public func sleep(untilMillis millis: Int64) async throws {
        let wait = Double(millis - nowMillis()) / speed
        if wait > 0 { try await Task.sleep(for: .microseconds(Int64(wait * 1000))) }
        try Task.checkCancellation()
    }
}

/// A virtual clock that never waits: sleeping moves it forward. For `opensensor simulate` and
/// tests.
public final class VirtualWallClock: WallClock {
    private let now: Mutex<Int64>

    public init(start: Int64) { now = Mutex(start) }

    public func nowMillis() -> Int64 { now.withLock { $0 } }

    public func sleep(untilMillis millis: Int64) async throws {
        try Task.checkCancellation()
        now.withLock { $0 = max($0, millis) }
    }

    /// Moves the clock by `millis` (tests: time spent reading, a clock step).
    public func advance(by millis: Int64) { now.withLock { $0 += millis } }
}
