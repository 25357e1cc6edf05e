import Glibc
import HAL
import LinuxHAL
import Synchronization
import Testing

/// A fake spidev kernel: records configuration calls and each write's bytes, or fails a chosen
/// call with a chosen errno.
final class FakeSPIKernel: SPIKernel {
    struct State {
        var calls: [String] = []
        var writes: [[UInt8]] = []
        var failing: [String: Int32] = [:]
        var interruptions = 0
        var shortBy = 0
        var closed: [Int32] = []
    }
    let state = Mutex(State())

    private func outcome(_ call: String) -> Int32? {
        state.withLock { s in
            s.calls.append(call)
            return s.failing[call.components(separatedBy: " ")[0]]
        }
    }

    func open(_ path: String) -> Int32 {
        if let e = outcome("open \(path)") { errno = e; return -1 }
        return 7
    }
    func setMode(_ fd: Int32, _ mode: UInt8) -> Int32 {
        if let e = outcome("mode \(mode)") { errno = e; return -1 }
        return 0
    }
    func setBitsPerWord(_ fd: Int32, _ bits: UInt8) -> Int32 {
        if let e = outcome("bits \(bits)") { errno = e; return -1 }
        return 0
    }
    func setMaxSpeed(_ fd: Int32, _ hz: UInt32) -> Int32 {
        if let e = outcome("speed \(hz)") { errno = e; return -1 }
        return 0
    }
    func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int {
        let (fail, interrupted, short) = state.withLock { s -> (Int32?, Bool, Int) in
            if s.interruptions > 0 { s.interruptions -= 1; return (nil, true, 0) }
            s.writes.append(Array(bytes))
            return (s.failing["write"], false, s.shortBy)
        }
        if interrupted { errno = EINTR; return -1 }
        if let fail { errno = fail; return -1 }
        return bytes.count - short
    }
    func close(_ fd: Int32) { state.withLock { $0.closed.append(fd) } }
}

@Suite struct SPISeamTests {
    @Test func openSetsMode0EightBitsAndTheSpeed() throws {
        let kernel = FakeSPIKernel()
        _ = try LinuxSPIDevice(path: "/dev/spidev0.1", speedHz: 10_000_000, kernel: kernel)
        #expect(kernel.state.withLock { $0.calls } == ["open /dev/spidev0.1", "mode 0", "bits 8", "speed 10000000"])
    }

    @Test func writesAreChunkedToTheMaximumTransferSize() throws {
        let kernel = FakeSPIKernel()
        let spi = try LinuxSPIDevice(kernel: kernel)
        #expect(spi.maxTransferSize == 4096)
        let frame = (0..<25_600).map { UInt8(truncatingIfNeeded: $0 * 7) }
        try spi.write(frame)
        let writes = kernel.state.withLock { $0.writes }
        #expect(writes.map(\.count) == [4096, 4096, 4096, 4096, 4096, 4096, 1024])
        #expect(writes.flatMap { $0 } == frame)
        try spi.write([])
        #expect(kernel.state.withLock { $0.writes.count } == 7)
    }

    @Test func eintrIsRetried() throws {
        let kernel = FakeSPIKernel()
        kernel.state.withLock { $0.interruptions = 2 }
        let spi = try LinuxSPIDevice(kernel: kernel)
        try spi.write([0x2C])
        #expect(kernel.state.withLock { $0.writes } == [[0x2C]])
    }

    @Test(arguments: [(ENOENT, BusError.Kind.noDevice), (ENODEV, .noDevice), (EACCES, .permission), (EBUSY, .other)])
    func openErrnoMapsToKind(_ code: Int32, _ kind: BusError.Kind) {
        let kernel = FakeSPIKernel()
        kernel.state.withLock { $0.failing["open"] = code }
        #expect {
            _ = try LinuxSPIDevice(path: "/dev/spidev0.1", kernel: kernel)
        } throws: { error in
            guard let e = error as? BusError else { return false }
            return e.kind == kind && e.errno == code && e.operation == "open(/dev/spidev0.1)"
        }
    }

    @Test func aMissingNodeSaysHowToEnableSPI() {
        let kernel = FakeSPIKernel()
        kernel.state.withLock { $0.failing["open"] = ENOENT }
        do {
            _ = try LinuxSPIDevice(path: "/dev/spidev0.1", kernel: kernel)
            Issue.record("no error")
        } catch {
            #expect(error.message.contains("do_spi 0"))
            #expect(error.message.contains("/dev/spidev0.1 does not exist"))
        }
        kernel.state.withLock { $0.failing["open"] = EACCES }
        do {
            _ = try LinuxSPIDevice(path: "/dev/spidev0.1", kernel: kernel)
            Issue.record("no error")
        } catch {
            #expect(error.message.contains("group 'spi'"))
        }
    }

    @Test func aFailedConfigurationClosesTheDevice() {
        let kernel = FakeSPIKernel()
        kernel.state.withLock { $0.failing["speed"] = EINVAL }
        do {
            _ = try LinuxSPIDevice(kernel: kernel)
            Issue.record("no error")
        } catch {
            #expect(error.operation == "ioctl(SPI_IOC_WR_MAX_SPEED_HZ)")
            #expect(error.kind == .other)
        }
        #expect(kernel.state.withLock { $0.closed } == [7])
    }

    @Test func writeFailuresAreBusErrors() throws {
        let kernel = FakeSPIKernel()
        let spi = try LinuxSPIDevice(kernel: kernel)
        kernel.state.withLock { $0.failing["write"] = EIO }
        #expect(throws: BusError.self) { try spi.write([1, 2, 3]) }
        do { try spi.write([1]) } catch { #expect(error.kind == .bus && error.errno == EIO && error.operation == "write(/dev/spidev0.1)") }
        kernel.state.withLock { $0.failing["write"] = nil; $0.shortBy = 1 }
        do {
            try spi.write([1, 2, 3])
            Issue.record("a short transfer passed")
        } catch {
            #expect(error.kind == .bus)
        }
    }

    @Test func invalidSettingsAreRefusedBeforeOpening() {
        let kernel = FakeSPIKernel()
        #expect(throws: BusError.self) { _ = try LinuxSPIDevice(mode: 4, kernel: kernel) }
        #expect(throws: BusError.self) { _ = try LinuxSPIDevice(maxTransferSize: 0, kernel: kernel) }
        #expect(kernel.state.withLock { $0.calls }.isEmpty)
    }

    /// The real kernel: a spidev node that does not exist is `.noDevice`, which the collector
    /// logs and carries on from.
    @Test func openingAMissingRealDeviceIsNoDevice() {
        do {
            _ = try LinuxSPIDevice(path: "/dev/spidev-opensensor-missing.9")
            Issue.record("opened a device that does not exist")
        } catch {
            #expect(error.kind == .noDevice)
            #expect(error.errno == ENOENT)
        }
    }
}
