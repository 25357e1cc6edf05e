public import HAL
import Synchronization

/// A GPIO chip with named lines that records every request, level change and release, and can
/// refuse requests.
public final class FakeGPIOChip: GPIOChip {
    /// One recorded event.
    public enum Event: Sendable, Equatable {
        /// A line was requested as an output.
        case request(line: String, consumer: String, initialHigh: Bool)
        /// A line was driven.
        case set(line: String, high: Bool)
        /// A line was released.
        case release(line: String)
    }

    private struct State {
        var events: [Event] = []
        var held: [String: Bool] = [:]
        var refusals: [String: BusError] = [:]
    }

    public let label: String
    private let lineNames: Set<String>
    private let state = Mutex(State())

    /// Creates a chip called `label` that has lines `lineNames`.
    public init(label: String = "pinctrl-fake", lines lineNames: [String] = (0...27).map { "GPIO\($0)" }) {
        self.label = label
        self.lineNames = Set(lineNames)
    }

    /// Everything that happened, in order.
    public var events: [Event] { state.withLock { $0.events } }

    /// The level of each line currently held (released lines are absent).
    public var levels: [String: Bool] { state.withLock { $0.held } }

    /// Makes requests for `line` fail with `error` (or succeed again with `nil`).
    public func refuse(_ line: String, with error: BusError?) {
        state.withLock { $0.refusals[line] = error }
    }

    public func requestOutput(line name: String, consumer: String, initialHigh: Bool) throws(BusError)
        -> any GPIOOutputLine
    {
        try state.withLock { (s: inout State) throws(BusError) in
            if let e = s.refusals[name] { throw e }
            guard lineNames.contains(name) else {
                throw BusError(kind: .noDevice, operation: "GPIO request", message: "no line named \(name) on \(label)")
            }
            guard s.held[name] == nil else {
                throw BusError(kind: .other, operation: "GPIO request", errno: 16, message: "\(name) is busy")
            }
            s.held[name] = initialHigh
            s.events.append(.request(line: name, consumer: consumer, initialHigh: initialHigh))
        }
        return Line(name: name, chip: self)
    }

    fileprivate func set(_ name: String, _ high: Bool) throws(BusError) {
        try state.withLock { (s: inout State) throws(BusError) in
            guard s.held[name] != nil else {
                throw BusError(kind: .other, operation: "GPIO set", message: "\(name) was released")
            }
            s.held[name] = high
            s.events.append(.set(line: name, high: high))
        }
    }

    fileprivate func release(_ name: String) throws(BusError) {
        try state.withLock { (s: inout State) throws(BusError) in
            guard s.held.removeValue(forKey: name) != nil else {
                throw BusError(kind: .other, operation: "GPIO release", message: "\(name) was already released")
            }
            s.events.append(.release(line: name))
        }
    }

    private struct Line: GPIOOutputLine {
        let name: String
        let chip: FakeGPIOChip
        func set(_ high: Bool) throws(BusError) { try chip.set(name, high) }
        func release() throws(BusError) { try chip.release(name) }
    }
}
