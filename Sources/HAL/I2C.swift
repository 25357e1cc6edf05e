/// One device on an I2C bus, at a fixed 7-bit address.
///
/// For driver authors: a device never opens or closes the bus; it is handed to the driver. For
/// implementers: each method is one bus transaction that ends with a STOP, so the bus is idle
/// when the call returns. `writeRead` is a single combined transaction (write, repeated START,
/// read, STOP) — the form register reads with auto-increment rely on.
public protocol I2CDevice: Sendable {
    /// The 7-bit address.
    var address: UInt8 { get }
    /// Writes `bytes` in one transaction.
    func write(_ bytes: [UInt8]) throws(BusError)
    /// Reads exactly `count` bytes in one transaction.
    func read(count: Int) throws(BusError) -> [UInt8]
    /// Writes `bytes`, then reads `count` bytes after a repeated START, as one transaction.
    func writeRead(_ bytes: [UInt8], readCount count: Int) throws(BusError) -> [UInt8]
}

/// An I2C bus: hands out devices by address.
public protocol I2CBus: Sendable {
    /// The device at `address` (7-bit). Does not touch the bus.
    func device(at address: UInt8) -> any I2CDevice
}

/// One I2C transaction as seen on the wire; used by recorders and playback fakes.
public enum I2CTransaction: Sendable, Equatable, CustomStringConvertible {
    /// A plain write.
    case write(address: UInt8, bytes: [UInt8])
    /// A plain read and the bytes it returned.
    case read(address: UInt8, result: [UInt8])
    /// A combined write then read, and the bytes the read returned.
    case writeRead(address: UInt8, bytes: [UInt8], result: [UInt8])

    /// The target address.
    public var address: UInt8 {
        switch self {
        case .write(let a, _), .read(let a, _), .writeRead(let a, _, _): a
        }
    }

    public var description: String {
        switch self {
        case .write(let a, let b): "write @\(hex(a)) [\(hex(b))]"
        case .read(let a, let r): "read @\(hex(a)) \(r.count) -> [\(hex(r))]"
        case .writeRead(let a, let b, let r): "writeRead @\(hex(a)) [\(hex(b))] \(r.count) -> [\(hex(r))]"
        }
    }
}

/// Upper-case hex of one byte, two digits.
public func hex(_ byte: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return "0x" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0xF)])
}

/// Upper-case hex of bytes, space-separated, no prefix.
public func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789ABCDEF")
    return bytes.map { String(digits[Int($0 >> 4)]) + String(digits[Int($0 & 0xF)]) }.joined(separator: " ")
}
