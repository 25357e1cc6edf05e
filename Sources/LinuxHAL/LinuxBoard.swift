#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
public import HAL

/// Reads a CPU temperature file such as `/sys/class/thermal/thermal_zone0/temp`, which holds
/// an integer in millidegrees Celsius.
public func readCPUTemperature(path: String = "/sys/class/thermal/thermal_zone0/temp") throws(BusError) -> Double {
    let fd = try syscall("open(\(path))", path: path) { open(path, O_RDONLY | O_CLOEXEC) }
    defer { _ = close(fd) }
    var buffer = [UInt8](repeating: 0, count: 64)
    let n = try syscall("read(\(path))", path: path) { buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, 64) } }
    let text = String(decoding: buffer.prefix(n), as: UTF8.self).trimmingWhitespace
    guard let milli = Int(text) else {
        throw BusError(kind: .other, operation: "read(\(path))", message: "'\(text)' is not an integer of millidegrees")
    }
    return Double(milli) / 1000
}

extension String {
    fileprivate var trimmingWhitespace: String {
        String(self.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}

extension BoardDevices {
    /// The default PMS5003 port (the Python collector's; `/dev/ttyAMA0` after the
    /// pi3-miniuart-bt overlay is what `serial0` points to).
    public static let defaultSerialPath = "/dev/serial0"

    /// The real devices of an Enviro+ on a Raspberry Pi: `/dev/i2c-1`, the PMS5003's serial port,
    /// the GPIO chip by label (or, with none, the chip that has line `GPIO24`), and the CPU
    /// thermal zone. Nothing is opened until a board asks.
    public static func linux(
        i2cPath: String = "/dev/i2c-1",
        serialPath: String = defaultSerialPath,
        gpioChipLabel: String? = nil,
        thermalPath: String = "/sys/class/thermal/thermal_zone0/temp"
    ) -> BoardDevices {
        BoardDevices(
            openI2CBus: { () throws(BusError) -> any I2CBus in try LinuxI2CBus(path: i2cPath) },
            openSerialPort: { () throws(BusError) -> any SerialPort in try LinuxSerialPort(path: serialPath) },
            openGPIOChip: { () throws(BusError) -> any GPIOChip in try LinuxGPIOChip.find(label: gpioChipLabel) },
            cpuTemperature: { () throws(BusError) -> Double in try readCPUTemperature(path: thermalPath) })
    }
}
