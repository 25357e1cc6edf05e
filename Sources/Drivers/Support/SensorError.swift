public import HAL

/// The error every driver throws: which chip, what kind of failure, and a sentence saying what
/// was wrong and what was expected. Bus failures keep the underlying `BusError`.
public struct SensorError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, so a caller can decide to retry, re-initialise or give up.
    public enum Kind: Sendable, Equatable {
        /// The bus failed; the `BusError` says how.
        case bus(BusError.Kind)
        /// Something answered, but not the expected chip (wrong chip or part id).
        case wrongChip
        /// The chip did not finish in time, or the serial line stayed quiet.
        case timeout
        /// The chip's calibration cannot be right (e.g. a zero divisor), so no value is computed.
        case invalidCalibration
        /// The chip reported that it skipped this measurement.
        case measurementSkipped
        /// A value is outside what the circuit can produce.
        case outOfRange
        /// A data frame was malformed: bad length, bad checksum, or cut short.
        case invalidFrame
        /// No start of frame was found in the time allowed.
        case noStartOfFrame
        /// The driver was used before `setUp()` succeeded.
        case notSetUp
    }

    /// The chip, e.g. `BME280`.
    public var sensor: String
    /// What went wrong.
    public var kind: Kind
    /// A sentence for people.
    public var message: String
    /// The bus error behind a `.bus` failure.
    public var busError: BusError?

    /// Creates an error.
    public init(sensor: String, kind: Kind, message: String, busError: BusError? = nil) {
        self.sensor = sensor
        self.kind = kind
        self.message = message
        self.busError = busError
    }

    /// Wraps a bus error met by `sensor` while doing `action`.
    public init(sensor: String, during action: String, _ error: BusError) {
        self.init(sensor: sensor, kind: .bus(error.kind), message: "\(action) failed: \(error)", busError: error)
    }

    public var description: String { "\(sensor): \(message)" }
}

/// Register access for chips with 8-bit register addresses, wrapping bus errors with the chip
/// name.
struct RegisterAccess: Sendable {
    let device: any I2CDevice
    let sensor: String

    /// Reads `count` bytes starting at `register` as one combined transaction (write the
    /// register address, repeated START, read), relying on the chip's auto-increment.
    func read(_ register: UInt8, count: Int) throws(SensorError) -> [UInt8] {
        do throws(BusError) {
            let bytes = try device.writeRead([register], readCount: count)
            guard bytes.count == count else {
                throw BusError(kind: .bus, operation: "I2C read", message: "got \(bytes.count) bytes, expected \(count)")
            }
            return bytes
        } catch {
            throw SensorError(sensor: sensor, during: "reading register \(hex(register)) at \(hex(device.address))", error)
        }
    }

    /// Reads one register.
    func read(_ register: UInt8) throws(SensorError) -> UInt8 {
        try read(register, count: 1)[0]
    }

    /// Writes `bytes` starting at `register` in one transaction.
    func write(_ register: UInt8, _ bytes: [UInt8]) throws(SensorError) {
        do throws(BusError) {
            try device.write([register] + bytes)
        } catch {
            throw SensorError(sensor: sensor, during: "writing register \(hex(register)) at \(hex(device.address))", error)
        }
    }

    /// Writes one register.
    func write(_ register: UInt8, _ byte: UInt8) throws(SensorError) {
        try write(register, [byte])
    }
}

/// Sleeps on the driver's clock; cancellation surfaces as `CancellationError`.
func pause(_ clock: any Sleeper, _ duration: Duration) async throws {
    try await clock.sleep(for: duration)
}
