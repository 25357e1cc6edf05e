public import HAL
import Synchronization

/// A clock whose time moves only when something sleeps on it or a test advances it: the
/// "instant sleeper". Sleeps return at once and are recorded.
public final class VirtualClock: MonotonicClock, Sleeper {
    private struct State {
        var now: Duration
        var sleeps: [Duration] = []
    }
    private let state: Mutex<State>

    /// Creates a clock reading `start`.
    public init(start: Duration = .zero) {
        state = Mutex(State(now: start))
    }

    public func now() -> Duration { state.withLock { $0.now } }

    /// Advances the time by `duration` and records the sleep; never suspends.
    public func sleep(for duration: Duration) async throws {
        state.withLock {
            $0.now += duration
            $0.sleeps.append(duration)
        }
    }

    /// Moves time forward without recording a sleep (time spent elsewhere, e.g. on a wire).
    public func advance(by duration: Duration) {
        state.withLock { $0.now += duration }
    }

    /// Every sleep so far, in order.
    public var sleeps: [Duration] { state.withLock { $0.sleeps } }

    /// The sum of all sleeps so far.
    public var totalSlept: Duration { state.withLock { $0.sleeps.reduce(.zero, +) } }
}
