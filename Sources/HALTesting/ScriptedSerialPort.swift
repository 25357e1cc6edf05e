public import HAL
import Synchronization

/// A serial port that plays a script of incoming bytes and silences, and records what was
/// written and when the input was flushed.
///
/// Time: with a clock, each byte handed out costs `byteTime` on it (1.04 ms at 9600 8N1: ten
/// bits per byte) and a read that finds nothing costs its whole timeout, so drivers'
/// deadlines behave as on a real line, instantly.
public final class ScriptedSerialPort: SerialPort {
    /// One step of the incoming side.
    public enum Step: Sendable, Equatable {
        /// Bytes that arrive back to back.
        case bytes([UInt8])
        /// The line stays quiet: the next read that reaches this step returns nothing after its
        /// full timeout, and the step is consumed.
        case silence
        /// The read fails with this error; the step is consumed.
        case failure(BusError)
        /// The line is quiet for this long on the clock, counted from when a read first reaches
        /// the step: a read whose timeout covers the rest of the gap waits it out and goes on to
        /// the next step; a shorter one returns nothing after its timeout. Without a clock the
        /// gap is skipped.
        case gap(Duration)
    }

    private struct State {
        var steps: [Step]
        var index = 0
        var offset = 0
        var written: [UInt8] = []
        var flushes = 0
        var configurations: [SerialConfiguration] = []
        var reads = 0
        var gapEnd: Duration?
    }

    private let state: Mutex<State>
    private let repeatsForever: Bool
    private let clock: VirtualClock?
    private let byteTime: Duration

    /// Creates a port that plays `steps` once (or forever when `repeatsForever`), charging time
    /// on `clock` if one is given.
    public init(
        _ steps: [Step], repeatsForever: Bool = false, clock: VirtualClock? = nil,
        byteTime: Duration = .microseconds(1042)
    ) {
        state = Mutex(State(steps: steps))
        self.repeatsForever = repeatsForever
        self.clock = clock
        self.byteTime = byteTime
    }

    /// Creates a port that delivers `bytes` once, then stays silent.
    public convenience init(bytes: [UInt8], clock: VirtualClock? = nil) {
        self.init([.bytes(bytes)], clock: clock)
    }

    /// All bytes written so far.
    public var written: [UInt8] { state.withLock { $0.written } }
    /// How many times the input was flushed.
    public var flushCount: Int { state.withLock { $0.flushes } }
    /// Every configuration applied, in order.
    public var configurations: [SerialConfiguration] { state.withLock { $0.configurations } }
    /// How many reads were made.
    public var readCount: Int { state.withLock { $0.reads } }

    public func configure(_ configuration: SerialConfiguration) throws(BusError) {
        state.withLock { $0.configurations.append(configuration) }
    }

    public func read(maxCount: Int, timeout: Duration) throws(BusError) -> [UInt8] {
        let result: Result<[UInt8], BusError> = state.withLock { s in
            s.reads += 1
            var waited = Duration.zero
            while true {
                if s.index >= s.steps.count, repeatsForever, !s.steps.isEmpty { s.index = 0; s.offset = 0 }
                guard s.index < s.steps.count, maxCount > 0 else {
                    clock?.advance(by: timeout - waited)
                    return .success([])
                }
                switch s.steps[s.index] {
                case .silence:
                    s.index += 1
                    clock?.advance(by: timeout - waited)
                    return .success([])
                case .failure(let e):
                    s.index += 1
                    return .failure(e)
                case .gap(let d):
                    guard let clock else { s.index += 1; continue }
                    let end = s.gapEnd ?? (clock.now() + d)
                    s.gapEnd = end
                    let remaining = end - clock.now()
                    if remaining <= .zero || remaining <= timeout - waited {
                        if remaining > .zero {
                            clock.advance(by: remaining)
                            waited += remaining
                        }
                        s.gapEnd = nil
                        s.index += 1
                        continue
                    }
                    clock.advance(by: timeout - waited)
                    return .success([])
                case .bytes(let b):
                    let n = min(maxCount, b.count - s.offset)
                    let out = Array(b[s.offset..<(s.offset + n)])
                    s.offset += n
                    if s.offset >= b.count { s.index += 1; s.offset = 0 }
                    clock?.advance(by: byteTime * n)
                    return .success(out)
                }
            }
        }
        return try result.get()
    }

    public func write(_ bytes: [UInt8]) throws(BusError) {
        state.withLock { $0.written.append(contentsOf: bytes) }
    }

    /// Records the flush. Scripted bytes count as arriving after it, so nothing is discarded.
    public func flushInput() throws(BusError) {
        state.withLock { $0.flushes += 1 }
    }
}
