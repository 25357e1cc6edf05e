/// The devices a sensor board needs, as openers, so a board can (re)open them after a fault
/// without knowing the platform. `LinuxHAL` provides openers for real paths; tests pass fakes.
public struct BoardDevices: Sendable {
    /// Opens the I2C bus the sensors sit on.
    public var openI2CBus: @Sendable () throws(BusError) -> any I2CBus
    /// Opens the PMS5003's serial port (not yet configured).
    public var openSerialPort: @Sendable () throws(BusError) -> any SerialPort
    /// Opens the GPIO chip that carries the heater, enable and reset lines.
    public var openGPIOChip: @Sendable () throws(BusError) -> any GPIOChip
    /// Reads the CPU temperature in °C.
    public var cpuTemperature: @Sendable () throws(BusError) -> Double

    /// Creates a device set from openers.
    public init(
        openI2CBus: @escaping @Sendable () throws(BusError) -> any I2CBus,
        openSerialPort: @escaping @Sendable () throws(BusError) -> any SerialPort,
        openGPIOChip: @escaping @Sendable () throws(BusError) -> any GPIOChip,
        cpuTemperature: @escaping @Sendable () throws(BusError) -> Double
    ) {
        self.openI2CBus = openI2CBus
        self.openSerialPort = openSerialPort
        self.openGPIOChip = openGPIOChip
        self.cpuTemperature = cpuTemperature
    }
}
