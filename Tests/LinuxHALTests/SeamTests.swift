import Foundation
import Glibc
import HAL
import LinuxHAL
import Synchronization
import Testing

/// A fake `/dev/i2c-N` kernel: records every transfer and answers reads from a register map,
/// or fails with a chosen errno.
final class FakeI2CKernel: I2CKernel {
    struct State {
        var transfers: [[I2CMessage]] = []
        var failWith: Int32?
        var openErrno: Int32?
        var closed: [Int32] = []
        var interruptions = 0
    }
    let state = Mutex(State())

    func open(_ path: String) -> Int32 {
        if let e = state.withLock({ $0.openErrno }) { errno = e; return -1 }
        return 42
    }

    func transfer(_ fd: Int32, _ messages: inout [I2CMessage]) -> Int32 {
        let (fail, interrupted) = state.withLock { s -> (Int32?, Bool) in
            if s.interruptions > 0 { s.interruptions -= 1; return (nil, true) }
            s.transfers.append(messages)
            return (s.failWith, false)
        }
        if interrupted { errno = EINTR; return -1 }
        if let fail { errno = fail; return -1 }
        for i in messages.indices where messages[i].isRead {
            messages[i].bytes = (0..<messages[i].bytes.count).map { UInt8($0 + 0x60) }
        }
        return Int32(messages.count)
    }

    func close(_ fd: Int32) { state.withLock { $0.closed.append(fd) } }
}

@Suite struct I2CSeamTests {
    @Test func writeReadIsOneCombinedTransferOfTwoMessages() throws {
        let kernel = FakeI2CKernel()
        let bus = try LinuxI2CBus(path: "/dev/i2c-1", kernel: kernel)
        let d = bus.device(at: 0x76)
        #expect(try d.writeRead([0xD0], readCount: 2) == [0x60, 0x61])
        try d.write([0xE0, 0xB6])
        #expect(try d.read(count: 1) == [0x60])
        let t = kernel.state.withLock { $0.transfers }
        #expect(t.count == 3)
        #expect(t[0] == [I2CMessage(address: 0x76, isRead: false, bytes: [0xD0]), I2CMessage(address: 0x76, isRead: true, bytes: [0, 0])])
        #expect(t[1] == [I2CMessage(address: 0x76, isRead: false, bytes: [0xE0, 0xB6])])
        #expect(t[2] == [I2CMessage(address: 0x76, isRead: true, bytes: [0])])
    }

    @Test func eintrIsRetried() throws {
        let kernel = FakeI2CKernel()
        kernel.state.withLock { $0.interruptions = 2 }
        let bus = try LinuxI2CBus(path: "/dev/i2c-1", kernel: kernel)
        try bus.device(at: 0x23).write([0x80, 0x02])
        #expect(kernel.state.withLock { $0.transfers.count } == 1)
    }

    @Test(arguments: [
        (ENXIO, BusError.Kind.noDevice), (EREMOTEIO, .noDevice), (EIO, .bus), (EAGAIN, .bus),
        (ETIMEDOUT, .timeout), (EINVAL, .other),
    ])
    func errnoMapsToKind(_ code: Int32, _ kind: BusError.Kind) throws {
        let kernel = FakeI2CKernel()
        kernel.state.withLock { $0.failWith = code }
        let bus = try LinuxI2CBus(path: "/dev/i2c-1", kernel: kernel)
        do {
            try bus.device(at: 0x49).write([0x01, 0x85, 0x83])
            Issue.record("no error for errno \(code)")
        } catch {
            #expect(error.kind == kind)
            #expect(error.errno == code)
            #expect(error.operation == "ioctl(I2C_RDWR)")
        }
    }

    @Test func permissionErrorNamesTheGroupAndTheFix() {
        let kernel = FakeI2CKernel()
        kernel.state.withLock { $0.openErrno = EACCES }
        #expect {
            _ = try LinuxI2CBus(path: "/dev/i2c-1", kernel: kernel)
        } throws: { error in
            guard let e = error as? BusError else { return false }
            return e.kind == .permission && e.message.contains("'i2c'") && e.message.contains("usermod -aG i2c")
        }
    }

    @Test func missingBusSaysHowToEnableI2C() {
        let kernel = FakeI2CKernel()
        kernel.state.withLock { $0.openErrno = ENOENT }
        #expect {
            _ = try LinuxI2CBus(path: "/dev/i2c-1", kernel: kernel)
        } throws: { ($0 as? BusError)?.message.contains("do_i2c 0") == true }
    }

    @Test func busClosesItsDescriptor() throws {
        let kernel = FakeI2CKernel()
        do { _ = try LinuxI2CBus(path: "/dev/i2c-1", kernel: kernel) }
        #expect(kernel.state.withLock { $0.closed } == [42])
    }
}

/// A fake GPIO character device with named lines.
final class FakeGPIOKernel: GPIOKernel {
    struct State {
        var requests: [(offset: UInt32, consumer: String, high: Bool)] = []
        var values: [Int32: [Bool]] = [:]
        var closed: [Int32] = []
        var nextFD: Int32 = 100
        var requestErrno: Int32?
    }
    let chips: [String: (label: String, lines: [String])]
    let state = Mutex(State())
    init(chips: [String: (label: String, lines: [String])]) { self.chips = chips }

    func open(_ path: String) -> Int32 {
        guard let i = chips.keys.sorted().firstIndex(of: path) else { errno = ENOENT; return -1 }
        return Int32(i)
    }
    func chip(_ fd: Int32) -> (label: String, lines: [String]) { chips[chips.keys.sorted()[Int(fd)]]! }
    func chipInfo(_ fd: Int32) -> (label: String, lines: UInt32)? { (chip(fd).label, UInt32(chip(fd).lines.count)) }
    func lineName(_ fd: Int32, offset: UInt32) -> String? { chip(fd).lines[Int(offset)] }
    func requestOutput(_ fd: Int32, offset: UInt32, consumer: String, initialHigh: Bool) -> Int32 {
        state.withLock { s in
            if let e = s.requestErrno { errno = e; return -1 }
            s.requests.append((offset, consumer, initialHigh))
            s.nextFD += 1
            s.values[s.nextFD] = [initialHigh]
            return s.nextFD
        }
    }
    func setValue(_ lineFD: Int32, high: Bool) -> Int32 {
        state.withLock { $0.values[lineFD, default: []].append(high) }
        return 0
    }
    func close(_ fd: Int32) { state.withLock { $0.closed.append(fd) } }
}

@Suite struct GPIOSeamTests {
    static let pi = FakeGPIOKernel(chips: [
        "/dev/gpiochip0": ("pinctrl-bcm2711", (0..<58).map { "GPIO\($0)" }),
        "/dev/gpiochip1": ("raspberrypi-exp-gpio", ["BT_ON", "WL_ON"]),
    ])

    @Test func findsTheChipByLabelOrByLineName() throws {
        let candidates = ["/dev/gpiochip0", "/dev/gpiochip1", "/dev/gpiochip2"]
        let byLabel = try LinuxGPIOChip.find(label: "raspberrypi-exp-gpio", kernel: Self.pi, candidates: candidates)
        #expect(byLabel.path == "/dev/gpiochip1")
        let byLine = try LinuxGPIOChip.find(label: nil, line: "GPIO24", kernel: Self.pi, candidates: candidates.reversed())
        #expect(byLine.label == "pinctrl-bcm2711")
        #expect(byLine.offset(of: "GPIO24") == 24)
        #expect {
            _ = try LinuxGPIOChip.find(label: "pinctrl-rp1", kernel: Self.pi, candidates: candidates)
        } throws: { error in
            guard let e = error as? BusError else { return false }
            return e.kind == .noDevice && e.message.contains("pinctrl-rp1") && e.message.contains("pinctrl-bcm2711")
        }
    }

    @Test func requestsSetsAndReleasesALineByName() throws {
        let kernel = FakeGPIOKernel(chips: ["/dev/gpiochip0": ("pinctrl-bcm2835", (0..<54).map { "GPIO\($0)" })])
        let chip = try LinuxGPIOChip(path: "/dev/gpiochip0", kernel: kernel)
        let line = try chip.requestOutput(line: "GPIO24", consumer: "EnviroPlus", initialHigh: true)
        try line.set(false)
        try line.release()
        #expect(throws: BusError.self) { try line.set(true) }
        let s = kernel.state.withLock { $0 }
        #expect(s.requests.count == 1)
        #expect(s.requests[0].offset == 24 && s.requests[0].consumer == "EnviroPlus" && s.requests[0].high)
        #expect(s.values[101] == [true, false])
        #expect(s.closed.contains(101))
        #expect { try chip.requestOutput(line: "GPIO99", consumer: "x", initialHigh: false) } throws: { ($0 as? BusError)?.kind == .noDevice }
    }

    @Test func busyOrForbiddenLinesReportErrno() throws {
        let kernel = FakeGPIOKernel(chips: ["/dev/gpiochip0": ("pinctrl-bcm2711", ["GPIO22"])])
        kernel.state.withLock { $0.requestErrno = EACCES }
        let chip = try LinuxGPIOChip(path: "/dev/gpiochip0", kernel: kernel)
        #expect {
            _ = try chip.requestOutput(line: "GPIO22", consumer: "PMS5003_en", initialHigh: true)
        } throws: { error in
            guard let e = error as? BusError else { return false }
            return e.kind == .permission && e.message.contains("'gpio'") && e.errno == EACCES
        }
    }
}

@Suite struct CPUTemperatureTests {
    func write(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "opensensor-thermal-\(UUID().uuidString)"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func parsesMillidegrees() throws {
        let path = try write("48312\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try readCPUTemperature(path: path) == 48.312)
    }

    @Test func rejectsGarbageAndMissingFiles() throws {
        let path = try write("hot\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect { try readCPUTemperature(path: path) } throws: { ($0 as? BusError)?.message.contains("hot") == true }
        #expect { try readCPUTemperature(path: path + ".missing") } throws: { ($0 as? BusError)?.kind == .noDevice }
    }

    @Test func boardDevicesOpenNothingUntilAsked() {
        // Creating the openers must not touch any device (this machine has none).
        let devices = BoardDevices.linux(i2cPath: "/dev/i2c-opensensor-none", serialPath: "/dev/tty-opensensor-none")
        #expect { try devices.openI2CBus() } throws: { ($0 as? BusError)?.kind == .noDevice }
        #expect { try devices.openSerialPort() } throws: { ($0 as? BusError)?.kind == .noDevice }
    }
}
