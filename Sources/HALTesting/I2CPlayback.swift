public import HAL
import Synchronization

/// A failure found by a fake: the code under test did something the test did not expect.
///
/// Fakes throw this (wrapped as a `BusError` of kind `.other` during the call, so the driver
/// sees an ordinary bus failure) and report it again from `verify()`, so a driver that swallows
/// errors still fails the test.
public struct FakeFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public var message: String
    /// Creates a failure.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// One step of an I2C playback script: a transaction the code must perform, and optionally
/// the error the bus reports for it.
public struct I2CExpectation: Sendable, Equatable {
    /// The transaction, including the bytes a read returns.
    public var transaction: I2CTransaction
    /// If set, the call throws this instead of completing.
    public var error: BusError?

    /// Creates an expectation.
    public init(_ transaction: I2CTransaction, error: BusError? = nil) {
        self.transaction = transaction
        self.error = error
    }
}

/// Replays a recorded list of I2C transactions and fails on any deviation: a different
/// address, kind, written bytes or read length, a transaction beyond the script, or (checked by
/// `verify()`) expected transactions left unused. After the first failure every call fails.
public final class I2CPlayback: I2CBus {
    private struct State {
        var script: [I2CExpectation]
        var next = 0
        var failures: [String] = []
    }
    private let state: Mutex<State>

    /// Creates a playback of `script`.
    public init(_ script: [I2CExpectation]) {
        state = Mutex(State(script: script))
    }

    /// Creates a playback of transactions that all succeed.
    public convenience init(transactions: [I2CTransaction]) {
        self.init(transactions.map { I2CExpectation($0) })
    }

    public func device(at address: UInt8) -> any I2CDevice { Device(address: address, playback: self) }

    /// Throws when a call deviated from the script or part of the script was not used.
    public func verify() throws(FakeFailure) {
        let (failures, next, script) = state.withLock { ($0.failures, $0.next, $0.script) }
        var problems = failures
        if next < script.count {
            let left = script[next...].map { "\($0.transaction)" }.joined(separator: "; ")
            problems.append("\(script.count - next) expected transaction(s) never happened: \(left)")
        }
        if !problems.isEmpty { throw FakeFailure("I2C playback: " + problems.joined(separator: " | ")) }
    }

    /// How many scripted transactions have been consumed.
    public var consumed: Int { state.withLock { $0.next } }

    fileprivate func perform(_ actual: I2CTransaction) throws(BusError) -> [UInt8] {
        let outcome: Result<[UInt8], BusError> = state.withLock { s in
            if !s.failures.isEmpty {
                return .failure(Self.fakeError("playback already failed; \(actual) refused"))
            }
            guard s.next < s.script.count else {
                let m = "unexpected \(actual) after the end of the script (\(s.script.count) transactions)"
                s.failures.append(m)
                return .failure(Self.fakeError(m))
            }
            let expected = s.script[s.next]
            guard Self.matches(actual, expected.transaction) else {
                let m = "transaction #\(s.next + 1): got \(actual), expected \(expected.transaction)"
                s.failures.append(m)
                return .failure(Self.fakeError(m))
            }
            s.next += 1
            if let error = expected.error { return .failure(error) }
            switch expected.transaction {
            case .write: return .success([])
            case .read(_, let r), .writeRead(_, _, let r): return .success(r)
            }
        }
        return try outcome.get()
    }

    private static func matches(_ actual: I2CTransaction, _ expected: I2CTransaction) -> Bool {
        switch (actual, expected) {
        case let (.write(a1, b1), .write(a2, b2)): a1 == a2 && b1 == b2
        case let (.read(a1, r1), .read(a2, r2)): a1 == a2 && r1.count == r2.count
        case let (.writeRead(a1, b1, r1), .writeRead(a2, b2, r2)): a1 == a2 && b1 == b2 && r1.count == r2.count
        default: false
        }
    }

    private static func fakeError(_ message: String) -> BusError {
        BusError(kind: .other, operation: "I2C playback", message: message)
    }

    private struct Device: I2CDevice {
        let address: UInt8
        let playback: I2CPlayback

        func write(_ bytes: [UInt8]) throws(BusError) {
            _ = try playback.perform(.write(address: address, bytes: bytes))
        }
        func read(count: Int) throws(BusError) -> [UInt8] {
            try playback.perform(.read(address: address, result: Array(repeating: 0, count: count)))
        }
        func writeRead(_ bytes: [UInt8], readCount count: Int) throws(BusError) -> [UInt8] {
            try playback.perform(.writeRead(address: address, bytes: bytes, result: Array(repeating: 0, count: count)))
        }
    }
}

/// Wraps a bus and records every transaction that completed, in order — a transcript to turn
/// into an `I2CPlayback` script.
public final class I2CRecorder: I2CBus {
    private let inner: any I2CBus
    private let log = Mutex<[I2CTransaction]>([])

    /// Records the traffic of `bus`.
    public init(_ bus: any I2CBus) { inner = bus }

    /// The transactions so far.
    public var transactions: [I2CTransaction] { log.withLock { $0 } }

    /// The bytes of every plain write, in order (register address first): the form the
    /// reference vectors list set-up writes in.
    public var writes: [[UInt8]] {
        transactions.compactMap { if case .write(_, let b) = $0 { b } else { nil } }
    }

    /// Forgets what was recorded.
    public func reset() { log.withLock { $0.removeAll() } }

    public func device(at address: UInt8) -> any I2CDevice {
        Device(inner: inner.device(at: address), recorder: self)
    }

    fileprivate func append(_ t: I2CTransaction) { log.withLock { $0.append(t) } }

    private struct Device: I2CDevice {
        let inner: any I2CDevice
        let recorder: I2CRecorder
        var address: UInt8 { inner.address }

        func write(_ bytes: [UInt8]) throws(BusError) {
            try inner.write(bytes)
            recorder.append(.write(address: address, bytes: bytes))
        }
        func read(count: Int) throws(BusError) -> [UInt8] {
            let r = try inner.read(count: count)
            recorder.append(.read(address: address, result: r))
            return r
        }
        func writeRead(_ bytes: [UInt8], readCount count: Int) throws(BusError) -> [UInt8] {
            let r = try inner.writeRead(bytes, readCount: count)
            recorder.append(.writeRead(address: address, bytes: bytes, result: r))
            return r
        }
    }
}
