public import HAL
import Synchronization

/// An SPI device that records each write together with the level of a data/command line at that
/// moment, and can be told to fail.
///
/// Display controllers such as the ST7735 read a DC pin with each byte: low, the byte is a
/// command; high, it is a parameter or pixel data. Reading the level from the `FakeGPIOChip` the
/// driver drives, at the time of each write, lets a test check the stream the panel would see
/// (`segments`) without trusting the driver's own idea of its DC state.
public final class RecordingSPIDevice: SPIDevice {
    /// One recorded write.
    public struct Write: Sendable, Equatable {
        /// The DC line's level during the write (`nil`: the line was not held).
        public var dataCommandHigh: Bool?
        /// The bytes written.
        public var bytes: [UInt8]
        /// Creates a record.
        public init(dataCommandHigh: Bool?, bytes: [UInt8]) {
            self.dataCommandHigh = dataCommandHigh
            self.bytes = bytes
        }
    }

    /// What the panel sees: a command byte (DC low) or a run of data bytes (DC high).
    public enum Segment: Sendable, Equatable, CustomStringConvertible {
        case command(UInt8)
        case data([UInt8])

        public var description: String {
            switch self {
            case .command(let c): "command \(hex(c))"
            case .data(let d): d.count <= 16 ? "data [\(hex(d))]" : "data (\(d.count) bytes) [\(hex(Array(d.prefix(8)))) …]"
            }
        }
    }

    private struct State {
        var writes: [Write] = []
        var gpioEventCounts: [Int] = []
        var failure: BusError?
        var failAfter: Int?
    }

    public let maxTransferSize: Int
    private let chip: FakeGPIOChip
    private let dcLine: String
    private let state = Mutex(State())

    /// Records writes, reading the level of `dcLine` on `chip` at each one.
    public init(dataCommandLine dcLine: String, on chip: FakeGPIOChip, maxTransferSize: Int = 4096) {
        self.chip = chip
        self.dcLine = dcLine
        self.maxTransferSize = maxTransferSize
    }

    /// Every write so far, in order.
    public var writes: [Write] { state.withLock { $0.writes } }

    /// For each write, how many events the chip had recorded before it: where the write falls
    /// among the chip's requests and level changes, for a test that checks their interleaving.
    public var chipEventsBeforeEachWrite: [Int] { state.withLock { $0.gpioEventCounts } }

    /// The writes as the panel sees them: each DC-low byte a command, consecutive DC-high bytes
    /// merged into one data run (so a parameter list sent byte by byte and one sent in a single
    /// write read the same). Bytes written while the DC line was not held are a `FakeFailure`.
    public func segments() throws(FakeFailure) -> [Segment] {
        var out: [Segment] = []
        for (i, w) in writes.enumerated() {
            guard let high = w.dataCommandHigh else {
                throw FakeFailure("SPI write #\(i + 1) of \(w.bytes.count) bytes happened while \(dcLine) was not held")
            }
            if !high {
                out += w.bytes.map { .command($0) }
            } else if case .data(let previous)? = out.last {
                out[out.count - 1] = .data(previous + w.bytes)
            } else if !w.bytes.isEmpty {
                out.append(.data(w.bytes))
            }
        }
        return out
    }

    /// Makes writes fail with `error` from now on (`nil`: succeed again). A failed write is not
    /// recorded.
    public func fail(with error: BusError?) {
        state.withLock { $0.failure = error; $0.failAfter = nil }
    }

    /// Lets `count` more writes succeed, then fails every write with `error`.
    public func fail(with error: BusError, afterWrites count: Int) {
        state.withLock { $0.failure = error; $0.failAfter = count }
    }

    /// Forgets what was recorded.
    public func reset() { state.withLock { $0.writes.removeAll(); $0.gpioEventCounts.removeAll() } }

    public func write(_ bytes: [UInt8]) throws(BusError) {
        let level = chip.levels[dcLine]
        let before = chip.events.count
        try state.withLock { (s: inout State) throws(BusError) in
            if let error = s.failure {
                if let n = s.failAfter, n > 0 {
                    s.failAfter = n - 1
                } else {
                    throw error
                }
            }
            s.writes.append(Write(dataCommandHigh: level, bytes: bytes))
            s.gpioEventCounts.append(before)
        }
    }
}
