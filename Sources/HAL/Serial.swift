/// Line settings of a serial port.
public struct SerialConfiguration: Sendable, Equatable {
    /// Parity setting.
    public enum Parity: String, Sendable, Equatable { case none, even, odd }

    /// Bits per second.
    public var baudRate: Int
    /// Data bits per character (5…8).
    public var dataBits: Int
    /// Parity.
    public var parity: Parity
    /// Stop bits (1 or 2).
    public var stopBits: Int

    /// Creates a configuration; the defaults are 9600 8N1, what the PMS5003 speaks.
    public init(baudRate: Int = 9600, dataBits: Int = 8, parity: Parity = .none, stopBits: Int = 1) {
        self.baudRate = baudRate
        self.dataBits = dataBits
        self.parity = parity
        self.stopBits = stopBits
    }

    /// 9600 baud, 8 data bits, no parity, 1 stop bit.
    public static let nineSixHundred8N1 = SerialConfiguration()
}

/// A byte stream to one device, opened and owned by the caller.
public protocol SerialPort: Sendable {
    /// Applies line settings (raw mode: no echo, no line editing, no translation).
    func configure(_ configuration: SerialConfiguration) throws(BusError)
    /// Returns the bytes available, at most `maxCount`, waiting up to `timeout` for the first
    /// one. An empty result means nothing arrived in time; it is not an error.
    func read(maxCount: Int, timeout: Duration) throws(BusError) -> [UInt8]
    /// Writes all of `bytes`.
    func write(_ bytes: [UInt8]) throws(BusError)
    /// Discards whatever was received but not yet read.
    func flushInput() throws(BusError)
}
