#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import DurableFiles
import HAL

/// Runs one system call: retries on EINTR, and turns a negative result into a `BusError` that
/// carries errno, the call's name and — for permission and missing-device errors on a known
/// device path — what to do about it.
@discardableResult
func syscall<T: BinaryInteger>(_ name: String, path: String? = nil, _ body: () -> T) throws(BusError) -> T {
    let result = FileIO.retryingInterrupted(body)
    guard result < 0 else { return result }
    throw BusError(errno: errno, operation: name, path: path)
}

/// What a device path needs: the group that owns it and how to turn the interface on.
struct DeviceKind {
    let group: String
    let noun: String
    let enable: String?

    init?(path: String) {
        if path.contains("i2c") {
            group = "i2c"; noun = "I2C bus"; enable = "sudo raspi-config nonint do_i2c 0"
        } else if path.contains("spidev") {
            group = "spi"; noun = "SPI device"; enable = "sudo raspi-config nonint do_spi 0"
        } else if path.contains("gpiochip") {
            group = "gpio"; noun = "GPIO chip"; enable = nil
        } else if path.contains("tty") || path.contains("serial") {
            group = "dialout"; noun = "serial port"
            enable = "sudo raspi-config nonint do_serial_hw 0 && sudo raspi-config nonint do_serial_cons 1"
        } else {
            return nil
        }
    }
}

extension BusError {
    /// Classifies `errno` from `operation` on `path`.
    init(errno code: Int32, operation: String, path: String?) {
        let text = String(cString: strerror(code))
        let kind: Kind
        switch code {
        case ENXIO, EREMOTEIO, ENODEV, ENOENT: kind = .noDevice
        case EACCES, EPERM: kind = .permission
        case ETIMEDOUT: kind = .timeout
        case EIO, EAGAIN, EPROTO, EBADMSG, EOVERFLOW: kind = .bus
        default: kind = .other
        }
        var message = text
        if let path, let device = DeviceKind(path: path) {
            switch kind {
            case .permission:
                message = "permission denied on \(path): the user needs to be in group '\(device.group)'. "
                    + "Fix: sudo usermod -aG \(device.group) $USER, then log out and back in (or run 'opensensor fix-permissions')"
            case .noDevice where code == ENOENT:
                message = "\(path) does not exist: the \(device.noun) is not enabled or not present"
                if let enable = device.enable { message += ". Fix: \(enable), then reboot" }
            case .noDevice where path.contains("i2c"):
                message = "no device acknowledged on \(path) (\(text)): check the board is seated and the address is right"
            default:
                message = "\(text) on \(path)"
            }
        }
        self.init(kind: kind, operation: operation, errno: code, message: message)
    }
}

/// Opens `path` with `flags` (close-on-exec always added).
func openDevice(_ path: String, _ flags: Int32) throws(BusError) -> Int32 {
    try syscall("open(\(path))", path: path) { open(path, flags | O_CLOEXEC) }
}
