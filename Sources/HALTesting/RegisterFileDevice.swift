public import HAL
import Synchronization

/// A register-file fake of a chip with 8-bit register addresses and auto-increment (the
/// BME280/LTR559 style): a write of `[reg, b0, b1, …]` stores the bytes from `reg` on; a write
/// of `[reg]` followed by a read, or a combined `writeRead([reg], n)`, returns `n` bytes from
/// `reg` on. Behaviour beyond plain storage (soft resets, status bits that change with time)
/// comes from the two hooks.
public final class RegisterFileDevice: I2CDevice {
    /// Called after each register write with the register file, the start register and the
    /// bytes written; may change any register.
    public typealias WriteHook = @Sendable (_ registers: inout [UInt8], _ register: UInt8, _ bytes: [UInt8]) -> Void
    /// Called before each register read; may change registers first (e.g. clear a busy bit
    /// once enough virtual time has passed).
    public typealias ReadHook = @Sendable (_ registers: inout [UInt8], _ register: UInt8, _ count: Int) -> Void

    private struct State {
        var registers: [UInt8]
        var pointer: UInt8 = 0
        var writes: [[UInt8]] = []
        var pendingErrors: [BusError] = []
    }

    public let address: UInt8
    private let state: Mutex<State>
    private let onWrite: WriteHook?
    private let onRead: ReadHook?

    /// Creates a device at `address` whose registers start as `image` (start register → bytes)
    /// over a background of `fill`.
    public init(
        address: UInt8, image: [UInt8: [UInt8]] = [:], fill: UInt8 = 0,
        onWrite: WriteHook? = nil, onRead: ReadHook? = nil
    ) {
        var regs = [UInt8](repeating: fill, count: 256)
        for (start, bytes) in image {
            for (i, b) in bytes.enumerated() where Int(start) + i < 256 { regs[Int(start) + i] = b }
        }
        self.address = address
        self.state = Mutex(State(registers: regs))
        self.onWrite = onWrite
        self.onRead = onRead
    }

    /// The register file now.
    public var registers: [UInt8] { state.withLock { $0.registers } }

    /// Every register write so far as `[reg, bytes…]`, in order (pointer-only writes excluded).
    public var writes: [[UInt8]] { state.withLock { $0.writes } }

    /// Forgets the recorded writes.
    public func clearWrites() { state.withLock { $0.writes.removeAll() } }

    /// Sets registers from `start` on.
    public func poke(_ start: UInt8, _ bytes: [UInt8]) {
        state.withLock { s in
            for (i, b) in bytes.enumerated() where Int(start) + i < 256 { s.registers[Int(start) + i] = b }
        }
    }

    /// Makes the next transaction(s) fail with `error`, once per queued error.
    public func failNext(_ error: BusError, times: Int = 1) {
        state.withLock { $0.pendingErrors.append(contentsOf: Array(repeating: error, count: times)) }
    }

    public func write(_ bytes: [UInt8]) throws(BusError) {
        try state.withLock { (s: inout State) throws(BusError) in
            if !s.pendingErrors.isEmpty { throw s.pendingErrors.removeFirst() }
            try store(bytes, in: &s)
        }
    }

    public func read(count: Int) throws(BusError) -> [UInt8] {
        try state.withLock { (s: inout State) throws(BusError) -> [UInt8] in
            if !s.pendingErrors.isEmpty { throw s.pendingErrors.removeFirst() }
            return load(count, in: &s)
        }
    }

    public func writeRead(_ bytes: [UInt8], readCount count: Int) throws(BusError) -> [UInt8] {
        try state.withLock { (s: inout State) throws(BusError) -> [UInt8] in
            if !s.pendingErrors.isEmpty { throw s.pendingErrors.removeFirst() }
            try store(bytes, in: &s)
            return load(count, in: &s)
        }
    }

    private func store(_ bytes: [UInt8], in s: inout State) throws(BusError) {
        guard let reg = bytes.first else {
            throw BusError(kind: .bus, operation: "register file write", message: "empty write to \(hex(address))")
        }
        s.pointer = reg
        let data = Array(bytes.dropFirst())
        guard !data.isEmpty else { return }
        for (i, b) in data.enumerated() { s.registers[(Int(reg) + i) & 0xFF] = b }
        s.writes.append(bytes)
        onWrite?(&s.registers, reg, data)
    }

    private func load(_ count: Int, in s: inout State) -> [UInt8] {
        onRead?(&s.registers, s.pointer, count)
        return (0..<count).map { s.registers[(Int(s.pointer) + $0) & 0xFF] }
    }
}

/// A bus of fake devices by address; an address with no device fails as a missing
/// acknowledge, like real hardware.
public struct FakeI2CBus: I2CBus {
    private let devices: [UInt8: any I2CDevice]

    /// Creates a bus holding `devices`.
    public init(_ devices: [any I2CDevice]) {
        var map: [UInt8: any I2CDevice] = [:]
        for d in devices { map[d.address] = d }
        self.devices = map
    }

    public func device(at address: UInt8) -> any I2CDevice {
        devices[address] ?? Absent(address: address)
    }

    private struct Absent: I2CDevice {
        let address: UInt8
        private var error: BusError {
            BusError(kind: .noDevice, operation: "I2C transfer", errno: 6, message: "no acknowledge from \(hex(address))")
        }
        func write(_ bytes: [UInt8]) throws(BusError) { throw error }
        func read(count: Int) throws(BusError) -> [UInt8] { throw error }
        func writeRead(_ bytes: [UInt8], readCount count: Int) throws(BusError) -> [UInt8] { throw error }
    }
}
