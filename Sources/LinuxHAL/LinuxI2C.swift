#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CLinuxShims
public import HAL

/// One message of an I2C_RDWR transfer.
public struct I2CMessage: Sendable, Equatable {
    /// 7-bit address.
    public var address: UInt8
    /// True for a read (I2C_M_RD).
    public var isRead: Bool
    /// Bytes to write, or on return the bytes read (sized to the read length beforehand).
    public var bytes: [UInt8]

    /// Creates a message.
    public init(address: UInt8, isRead: Bool, bytes: [UInt8]) {
        self.address = address
        self.isRead = isRead
        self.bytes = bytes
    }
}

/// The kernel side of `/dev/i2c-N`: the seam that lets tests run the I2C code without a bus.
/// Each method returns what the system call returned and leaves `errno` set on failure.
public protocol I2CKernel: Sendable {
    /// open(2).
    func open(_ path: String) -> Int32
    /// ioctl(fd, I2C_RDWR) over `messages`; fills the read messages' bytes.
    func transfer(_ fd: Int32, _ messages: inout [I2CMessage]) -> Int32
    /// close(2).
    func close(_ fd: Int32)
}

/// The real kernel.
public struct SystemI2CKernel: I2CKernel {
    /// Creates the real kernel seam.
    public init() {}

    public func open(_ path: String) -> Int32 { Glibc.open(path, O_RDWR | O_CLOEXEC) }

    public func transfer(_ fd: Int32, _ messages: inout [I2CMessage]) -> Int32 {
        // One scratch block holds every message's bytes, so all pointers stay valid for the call.
        let total = max(1, messages.reduce(0) { $0 + $1.bytes.count })
        let block = UnsafeMutablePointer<UInt8>.allocate(capacity: total)
        defer { block.deallocate() }
        var raw: [cshim_i2c_msg] = []
        var offset = 0
        for m in messages {
            let base = block + offset
            for (i, b) in m.bytes.enumerated() { base[i] = b }
            raw.append(cshim_i2c_msg(addr: UInt16(m.address), flags: m.isRead ? CSHIM_I2C_M_RD : 0, len: UInt16(m.bytes.count), buf: base))
            offset += m.bytes.count
        }
        let result = cshim_i2c_rdwr(fd, &raw, UInt32(raw.count))
        if result >= 0 {
            offset = 0
            for i in messages.indices {
                let n = messages[i].bytes.count
                if messages[i].isRead { messages[i].bytes = Array(UnsafeBufferPointer(start: block + offset, count: n)) }
                offset += n
            }
        }
        return result
    }

    public func close(_ fd: Int32) { _ = Glibc.close(fd) }
}

/// `/dev/i2c-N`, driven with the I2C_RDWR ioctl so that a register read is one combined
/// transaction (write, repeated START, read, STOP) as the BME280 and LTR559 expect. Each
/// message carries its own address, so no I2C_SLAVE call (and no address lock-out) is needed.
public final class LinuxI2CBus: I2CBus {
    /// The device path.
    public let path: String
    private let fd: Int32
    private let kernel: any I2CKernel

    /// Opens the bus at `path`.
    public init(path: String = "/dev/i2c-1", kernel: any I2CKernel = SystemI2CKernel()) throws(BusError) {
        self.path = path
        self.kernel = kernel
        self.fd = try syscall("open(\(path))", path: path) { kernel.open(path) }
    }

    deinit { kernel.close(fd) }

    public func device(at address: UInt8) -> any I2CDevice { Device(bus: self, address: address) }

    /// Runs `messages` as one transaction and returns them with read buffers filled.
    func transfer(_ messages: [I2CMessage]) throws(BusError) -> [I2CMessage] {
        var m = messages
        for msg in m where msg.bytes.count > Int(UInt16.max) || msg.address > 0x7F {
            throw BusError(kind: .other, operation: "ioctl(I2C_RDWR)", message: "invalid message to \(hex(msg.address)) of \(msg.bytes.count) bytes")
        }
        let fd = self.fd
        let kernel = self.kernel
        let path = self.path
        try syscall("ioctl(I2C_RDWR)", path: path) { kernel.transfer(fd, &m) }
        return m
    }

    private struct Device: I2CDevice {
        let bus: LinuxI2CBus
        let address: UInt8

        func write(_ bytes: [UInt8]) throws(BusError) {
            _ = try bus.transfer([I2CMessage(address: address, isRead: false, bytes: bytes)])
        }

        func read(count: Int) throws(BusError) -> [UInt8] {
            try bus.transfer([I2CMessage(address: address, isRead: true, bytes: [UInt8](repeating: 0, count: count))])[0].bytes
        }

        func writeRead(_ bytes: [UInt8], readCount count: Int) throws(BusError) -> [UInt8] {
            try bus.transfer([
                I2CMessage(address: address, isRead: false, bytes: bytes),
                I2CMessage(address: address, isRead: true, bytes: [UInt8](repeating: 0, count: count)),
            ])[1].bytes
        }
    }
}
