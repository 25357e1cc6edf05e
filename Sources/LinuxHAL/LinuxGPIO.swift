#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CLinuxShims
public import HAL
import Synchronization

/// The kernel side of the GPIO character device (uAPI v2): the seam that lets tests run the
/// GPIO code without a chip. Each method returns what the call returned and leaves `errno` set.
public protocol GPIOKernel: Sendable {
    /// open(2) on a `/dev/gpiochipN`.
    func open(_ path: String) -> Int32
    /// GPIO_GET_CHIPINFO_IOCTL: label and number of lines, or nil with errno set.
    func chipInfo(_ fd: Int32) -> (label: String, lines: UInt32)?
    /// GPIO_V2_GET_LINEINFO_IOCTL: the line's name, or nil with errno set.
    func lineName(_ fd: Int32, offset: UInt32) -> String?
    /// GPIO_V2_GET_LINE_IOCTL for one output line; the line fd or -1.
    func requestOutput(_ fd: Int32, offset: UInt32, consumer: String, initialHigh: Bool) -> Int32
    /// GPIO_V2_LINE_SET_VALUES_IOCTL.
    func setValue(_ lineFD: Int32, high: Bool) -> Int32
    /// close(2).
    func close(_ fd: Int32)
}

/// The real kernel.
public struct SystemGPIOKernel: GPIOKernel {
    /// Creates the real kernel seam.
    public init() {}

    public func open(_ path: String) -> Int32 { Glibc.open(path, O_RDWR | O_CLOEXEC) }

    public func chipInfo(_ fd: Int32) -> (label: String, lines: UInt32)? {
        var name = [CChar](repeating: 0, count: 32)
        var label = [CChar](repeating: 0, count: 32)
        var lines: UInt32 = 0
        guard cshim_gpio_chip_info(fd, &name, &label, &lines) >= 0 else { return nil }
        return (Self.string(label), lines)
    }

    public func lineName(_ fd: Int32, offset: UInt32) -> String? {
        var name = [CChar](repeating: 0, count: 32)
        guard cshim_gpio_line_name(fd, offset, &name) >= 0 else { return nil }
        return Self.string(name)
    }

    public func requestOutput(_ fd: Int32, offset: UInt32, consumer: String, initialHigh: Bool) -> Int32 {
        cshim_gpio_request_output(fd, offset, consumer, initialHigh ? 1 : 0)
    }

    public func setValue(_ lineFD: Int32, high: Bool) -> Int32 { cshim_gpio_set_value(lineFD, high ? 1 : 0) }

    public func close(_ fd: Int32) { _ = Glibc.close(fd) }

    private static func string(_ chars: [CChar]) -> String {
        String(decoding: chars.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// A GPIO chip through the character device (`/dev/gpiochipN`, uAPI v2). Lines are found by
/// name (e.g. `GPIO24`), as the Pimoroni code does with gpiodevice.
public final class LinuxGPIOChip: GPIOChip {
    /// The device path.
    public let path: String
    public let label: String
    /// Number of lines.
    public let lineCount: UInt32
    private let fd: Int32
    private let kernel: any GPIOKernel

    /// Opens the chip at `path`.
    public init(path: String, kernel: any GPIOKernel = SystemGPIOKernel()) throws(BusError) {
        self.path = path
        self.kernel = kernel
        let fd = try syscall("open(\(path))", path: path) { kernel.open(path) }
        guard let info = kernel.chipInfo(fd) else {
            let error = BusError(errno: errno, operation: "ioctl(GPIO_GET_CHIPINFO)", path: path)
            kernel.close(fd)
            throw error
        }
        self.fd = fd
        self.label = info.label
        self.lineCount = info.lines
    }

    deinit { kernel.close(fd) }

    /// Opens the chip whose label is `label`, or — with no label — the first chip that has a
    /// line called `line`, looking through `/dev/gpiochip0…31`.
    public static func find(
        label: String?, line: String = "GPIO24", kernel: any GPIOKernel = SystemGPIOKernel(),
        candidates: [String] = (0..<32).map { "/dev/gpiochip\($0)" }
    ) throws(BusError) -> LinuxGPIOChip {
        var firstError: BusError?
        var seen: [String] = []
        for path in candidates {
            let chip: LinuxGPIOChip
            do throws(BusError) { chip = try LinuxGPIOChip(path: path, kernel: kernel) } catch {
                if error.errno != ENOENT, firstError == nil { firstError = error }
                continue
            }
            seen.append("\(path) (\(chip.label))")
            if let label {
                if chip.label == label { return chip }
            } else if chip.offset(of: line) != nil {
                return chip
            }
        }
        if let firstError, firstError.kind == .permission { throw firstError }
        let wanted = label.map { "labelled '\($0)'" } ?? "with a line named \(line)"
        throw BusError(
            kind: .noDevice, operation: "find GPIO chip",
            message: "no GPIO chip \(wanted); found: \(seen.isEmpty ? "none" : seen.joined(separator: ", "))")
    }

    /// The offset of the line called `name`, if this chip has one.
    public func offset(of name: String) -> UInt32? {
        (0..<lineCount).first { kernel.lineName(fd, offset: $0) == name }
    }

    public func requestOutput(line name: String, consumer: String, initialHigh: Bool) throws(BusError)
        -> any GPIOOutputLine
    {
        guard let offset = offset(of: name) else {
            throw BusError(kind: .noDevice, operation: "request \(name)", message: "\(path) (\(label)) has no line named \(name)")
        }
        let kernel = self.kernel
        let chipFD = self.fd
        let lineFD = try syscall("ioctl(GPIO_V2_GET_LINE \(name))", path: path) {
            kernel.requestOutput(chipFD, offset: offset, consumer: consumer, initialHigh: initialHigh)
        }
        return LinuxGPIOLine(name: name, fd: lineFD, kernel: kernel, path: path)
    }
}

/// One requested output line; the request's file descriptor is closed on `release()`.
final class LinuxGPIOLine: GPIOOutputLine {
    let name: String
    private let fd: Int32
    private let kernel: any GPIOKernel
    private let path: String
    private let released = Mutex(false)

    init(name: String, fd: Int32, kernel: any GPIOKernel, path: String) {
        self.name = name
        self.fd = fd
        self.kernel = kernel
        self.path = path
    }

    deinit { if !released.withLock({ $0 }) { kernel.close(fd) } }

    func set(_ high: Bool) throws(BusError) {
        guard !released.withLock({ $0 }) else {
            throw BusError(kind: .other, operation: "set \(name)", message: "\(name) was released")
        }
        let kernel = self.kernel
        let fd = self.fd
        try syscall("ioctl(GPIO_V2_LINE_SET_VALUES \(name))", path: path) { kernel.setValue(fd, high: high) }
    }

    func release() throws(BusError) {
        let wasReleased = released.withLock { r in
            defer { r = true }
            return r
        }
        guard !wasReleased else {
            throw BusError(kind: .other, operation: "release \(name)", message: "\(name) was already released")
        }
        kernel.close(fd)
    }
}
