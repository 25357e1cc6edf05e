/// The one error type every bus operation in `HAL` throws.
///
/// Implementations keep the detail (errno, the call that failed, a message that says how to fix
/// it) while callers branch on `kind` alone, so a driver can tell "the chip is not there" from
/// "the bus glitched" without knowing which platform it runs on (the embedded-hal `ErrorKind`
/// idea).
public struct BusError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What happened, in terms a caller can act on.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// The device node does not exist, or the device did not acknowledge its address.
        case noDevice
        /// The transfer started but failed on the bus (I/O error, arbitration lost, short transfer).
        case bus
        /// Nothing arrived in time.
        case timeout
        /// The process may not open or use the device.
        case permission
        /// Anything else (bad argument, device busy, closed handle).
        case other
    }

    /// What happened.
    public var kind: Kind
    /// The operation that failed, e.g. `ioctl(I2C_RDWR)` or `open(/dev/i2c-1)`.
    public var operation: String
    /// The `errno` value when the failure came from a system call.
    public var errno: Int32?
    /// A sentence for people: what was wrong and, where known, how to fix it.
    public var message: String

    /// Creates a bus error.
    public init(kind: Kind, operation: String, errno: Int32? = nil, message: String) {
        self.kind = kind
        self.operation = operation
        self.errno = errno
        self.message = message
    }

    public var description: String {
        var text = "\(operation): \(message)"
        if let errno { text += " (errno \(errno))" }
        return text
    }
}
