#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
public import HAL

/// A termios serial port in raw mode (no echo, no line editing, no CR/LF translation, no
/// flow control), with poll(2)-based read timeouts.
public final class LinuxSerialPort: SerialPort {
    /// The device path, e.g. `/dev/serial0`.
    public let path: String
    private let fd: Int32
    private let ownsDescriptor: Bool

    /// Opens `path` without making it the controlling terminal.
    public init(path: String) throws(BusError) {
        self.path = path
        self.fd = try openDevice(path, O_RDWR | O_NOCTTY | O_NONBLOCK)
        self.ownsDescriptor = true
    }

    /// Wraps an already open descriptor (e.g. one side of a pseudo-terminal); closes it on deinit
    /// only if `owned`.
    public init(descriptor: Int32, path: String, owned: Bool = true) throws(BusError) {
        self.path = path
        self.fd = descriptor
        self.ownsDescriptor = owned
        let flags = try syscall("fcntl(F_GETFL)", path: path) { fcntl(descriptor, F_GETFL) }
        try syscall("fcntl(F_SETFL)", path: path) { fcntl(descriptor, F_SETFL, flags | O_NONBLOCK) }
    }

    deinit { if ownsDescriptor { _ = close(fd) } }

    public func configure(_ configuration: SerialConfiguration) throws(BusError) {
        guard let speed = Self.speed(configuration.baudRate) else {
            throw BusError(kind: .other, operation: "configure(\(path))", message: "unsupported baud rate \(configuration.baudRate); expected a standard rate such as 9600")
        }
        guard (5...8).contains(configuration.dataBits), (1...2).contains(configuration.stopBits) else {
            throw BusError(kind: .other, operation: "configure(\(path))", message: "unsupported framing \(configuration.dataBits) data / \(configuration.stopBits) stop bits")
        }
        var t = termios()
        try syscall("tcgetattr(\(path))", path: path) { tcgetattr(fd, &t) }
        cfmakeraw(&t)
        try syscall("cfsetispeed", path: path) { cfsetispeed(&t, speed) }
        try syscall("cfsetospeed", path: path) { cfsetospeed(&t, speed) }
        t.c_cflag &= ~(tcflag_t(CSIZE) | tcflag_t(PARENB) | tcflag_t(PARODD) | tcflag_t(CSTOPB) | tcflag_t(CRTSCTS))
        t.c_cflag |= tcflag_t(CLOCAL | CREAD)
        switch configuration.dataBits {
        case 5: t.c_cflag |= tcflag_t(CS5)
        case 6: t.c_cflag |= tcflag_t(CS6)
        case 7: t.c_cflag |= tcflag_t(CS7)
        default: t.c_cflag |= tcflag_t(CS8)
        }
        switch configuration.parity {
        case .none: break
        case .even: t.c_cflag |= tcflag_t(PARENB)
        case .odd: t.c_cflag |= tcflag_t(PARENB | PARODD)
        }
        if configuration.stopBits == 2 { t.c_cflag |= tcflag_t(CSTOPB) }
        t.c_iflag &= ~tcflag_t(IXON | IXOFF | IXANY)
        // Reads never block in the kernel: poll() does the waiting, with our timeout.
        withUnsafeMutableBytes(of: &t.c_cc) { cc in
            cc[Int(VMIN)] = 0
            cc[Int(VTIME)] = 0
        }
        try syscall("tcsetattr(\(path))", path: path) { tcsetattr(fd, TCSANOW, &t) }
    }

    public func read(maxCount: Int, timeout: Duration) throws(BusError) -> [UInt8] {
        guard maxCount > 0 else { return [] }
        let ms = Int32(clamping: Int64((timeout.seconds * 1000).rounded(.up)))
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = try syscall("poll(\(path))", path: path) { poll(&p, 1, ms) }
        if ready == 0 { return [] }
        if p.revents & Int16(POLLNVAL) != 0 {
            throw BusError(kind: .other, operation: "poll(\(path))", errno: EBADF, message: "\(path) is not open")
        }
        var buffer = [UInt8](repeating: 0, count: maxCount)
        let n: Int
        do throws(BusError) {
            n = try syscall("read(\(path))", path: path) { buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, maxCount) } }
        } catch where error.errno == EAGAIN {
            return []
        }
        return Array(buffer.prefix(n))
    }

    public func write(_ bytes: [UInt8]) throws(BusError) {
        var sent = 0
        while sent < bytes.count {
            let n: Int
            do throws(BusError) {
                n = try syscall("write(\(path))", path: path) {
                    bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + sent, bytes.count - sent) }
                }
            } catch where error.errno == EAGAIN {
                var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                let ready = try syscall("poll(\(path))", path: path) { poll(&p, 1, 1000) }
                if ready == 0 {
                    throw BusError(kind: .timeout, operation: "write(\(path))", message: "the port accepted no data for 1 s")
                }
                continue
            }
            sent += n
        }
    }

    public func flushInput() throws(BusError) {
        try syscall("tcflush(\(path))", path: path) { tcflush(fd, TCIFLUSH) }
    }

    /// The termios speed constant for a baud rate.
    static func speed(_ baud: Int) -> speed_t? {
        switch baud {
        case 1200: speed_t(B1200)
        case 2400: speed_t(B2400)
        case 4800: speed_t(B4800)
        case 9600: speed_t(B9600)
        case 19200: speed_t(B19200)
        case 38400: speed_t(B38400)
        case 57600: speed_t(B57600)
        case 115200: speed_t(B115200)
        default: nil
        }
    }
}
