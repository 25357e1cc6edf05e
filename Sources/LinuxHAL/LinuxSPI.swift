#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CLinuxShims
public import HAL

/// The kernel side of `/dev/spidevB.C`: the seam that lets tests run the SPI code without a bus.
/// Each method returns what the system call returned and leaves `errno` set on failure.
public protocol SPIKernel: Sendable {
    /// open(2).
    func open(_ path: String) -> Int32
    /// ioctl(fd, SPI_IOC_WR_MODE).
    func setMode(_ fd: Int32, _ mode: UInt8) -> Int32
    /// ioctl(fd, SPI_IOC_WR_BITS_PER_WORD).
    func setBitsPerWord(_ fd: Int32, _ bits: UInt8) -> Int32
    /// ioctl(fd, SPI_IOC_WR_MAX_SPEED_HZ).
    func setMaxSpeed(_ fd: Int32, _ hz: UInt32) -> Int32
    /// write(2) of `bytes`: one half-duplex transfer with chip select held throughout.
    func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int
    /// close(2).
    func close(_ fd: Int32)
}

/// The real kernel.
public struct SystemSPIKernel: SPIKernel {
    /// Creates the real kernel seam.
    public init() {}

    public func open(_ path: String) -> Int32 { Glibc.open(path, O_RDWR | O_CLOEXEC) }
    public func setMode(_ fd: Int32, _ mode: UInt8) -> Int32 { cshim_spi_set_mode(fd, mode) }
    public func setBitsPerWord(_ fd: Int32, _ bits: UInt8) -> Int32 { cshim_spi_set_bits_per_word(fd, bits) }
    public func setMaxSpeed(_ fd: Int32, _ hz: UInt32) -> Int32 { cshim_spi_set_max_speed_hz(fd, hz) }
    public func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int { Glibc.write(fd, bytes.baseAddress, bytes.count) }
    public func close(_ fd: Int32) { _ = Glibc.close(fd) }
}

/// `/dev/spidevB.C`, written with plain write(2) calls: spidev turns each into one half-duplex
/// transfer at the configured mode and clock, which is all a write-only device needs (no
/// SPI_IOC_MESSAGE and its struct). A write(2) larger than spidev's buffer (its `bufsiz` module
/// parameter, 4096 by default) fails with EMSGSIZE, so writes go in chunks of `maxTransferSize`.
public final class LinuxSPIDevice: SPIDevice {
    /// The device path; the Enviro+ screen is SPI0 CE1, `/dev/spidev0.1`.
    public let path: String
    public let maxTransferSize: Int
    private let fd: Int32
    private let kernel: any SPIKernel

    /// Opens `path` and sets mode, 8-bit words and the clock. `speedHz` is the most the kernel
    /// may use; it rounds down to what the controller can divide to.
    public init(
        path: String = "/dev/spidev0.1", mode: UInt8 = 0, speedHz: UInt32 = 10_000_000, maxTransferSize: Int = 4096,
        kernel: any SPIKernel = SystemSPIKernel()
    ) throws(BusError) {
        guard mode <= 3, maxTransferSize > 0 else {
            throw BusError(kind: .other, operation: "open(\(path))", message: "invalid SPI mode \(mode) or transfer size \(maxTransferSize)")
        }
        self.path = path
        self.kernel = kernel
        self.maxTransferSize = maxTransferSize
        let fd = try syscall("open(\(path))", path: path) { kernel.open(path) }
        do {
            try syscall("ioctl(SPI_IOC_WR_MODE)", path: path) { kernel.setMode(fd, mode) }
            try syscall("ioctl(SPI_IOC_WR_BITS_PER_WORD)", path: path) { kernel.setBitsPerWord(fd, 8) }
            try syscall("ioctl(SPI_IOC_WR_MAX_SPEED_HZ)", path: path) { kernel.setMaxSpeed(fd, speedHz) }
        } catch {
            kernel.close(fd)
            throw error
        }
        self.fd = fd
    }

    deinit { kernel.close(fd) }

    public func write(_ bytes: [UInt8]) throws(BusError) {
        let (fd, kernel, path, size) = (self.fd, self.kernel, self.path, maxTransferSize)
        var start = 0
        while start < bytes.count {
            let end = min(start + size, bytes.count)
            let written = try bytes.withUnsafeBytes { all in
                let chunk = UnsafeRawBufferPointer(rebasing: all[start..<end])
                return Result { () throws(BusError) in try syscall("write(\(path))", path: path) { kernel.write(fd, chunk) } }
            }.get()
            // spidev sends a transfer whole or fails it; a short count would mean bytes lost on the wire.
            guard written == end - start else {
                throw BusError(kind: .bus, operation: "write(\(path))", message: "short transfer: \(written) of \(end - start) bytes")
            }
            start = end
        }
    }
}
