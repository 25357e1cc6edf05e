import CLinuxShims
import Glibc
import HAL
import LinuxHAL
import Testing

/// The serial code against a real pseudo-terminal: frames are written on the controller side
/// and read through `LinuxSerialPort` on the device side.
@Suite struct SerialPTYTests {
    final class PTY {
        let controller: Int32
        let device: Int32
        init() throws {
            var c: Int32 = -1, d: Int32 = -1
            guard cshim_openpty(&c, &d) == 0 else { throw BusError(kind: .other, operation: "openpty", errno: errno, message: "openpty failed") }
            controller = c
            device = d
        }
        func send(_ bytes: [UInt8]) {
            let n = bytes.withUnsafeBytes { write(controller, $0.baseAddress, bytes.count) }
            precondition(n == bytes.count)
        }
        func receive(_ max: Int) -> [UInt8] {
            var p = pollfd(fd: controller, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 1000) > 0 else { return [] }
            var buf = [UInt8](repeating: 0, count: max)
            let n = buf.withUnsafeMutableBytes { read(controller, $0.baseAddress, max) }
            return n > 0 ? Array(buf.prefix(n)) : []
        }
        deinit {
            close(controller)
            close(device)
        }
    }

    static let frame: [UInt8] = [
        0x42, 0x4D, 0x00, 0x1C, 0x00, 0x05, 0x00, 0x08, 0x00, 0x09, 0x00, 0x05, 0x00, 0x08, 0x00, 0x09,
        0x03, 0xFF, 0x01, 0x2D, 0x00, 0x34, 0x00, 0x04, 0x00, 0x01, 0x00, 0x00, 0x97, 0x00, 0x02, 0xD7,
    ]

    func readAll(_ port: LinuxSerialPort, _ count: Int) throws -> [UInt8] {
        var got: [UInt8] = []
        while got.count < count {
            let chunk = try port.read(maxCount: count - got.count, timeout: .seconds(2))
            if chunk.isEmpty { break }
            got += chunk
        }
        return got
    }

    @Test func configuresRawModeAndReadsAFrameExactly() throws {
        let pty = try PTY()
        let port = try LinuxSerialPort(descriptor: pty.device, path: "/dev/pts/test", owned: false)
        try port.configure(.nineSixHundred8N1)
        var t = termios()
        #expect(tcgetattr(pty.device, &t) == 0)
        #expect(cfgetispeed(&t) == speed_t(B9600))
        #expect(t.c_cflag & tcflag_t(CSIZE) == tcflag_t(CS8))
        #expect(t.c_cflag & tcflag_t(PARENB) == 0)
        #expect(t.c_cflag & tcflag_t(CSTOPB) == 0)
        #expect(t.c_lflag & tcflag_t(ICANON | ECHO) == 0, "raw mode: no line editing, no echo")
        // Raw mode: 0x0D and 0x0A pass untranslated, 0x03 is not a signal.
        let payload = Self.frame + [0x0D, 0x0A, 0x03, 0x11, 0x13]
        pty.send(payload)
        #expect(try readAll(port, payload.count) == payload)
    }

    @Test func readTimesOutWithNothingAndHonoursTheTimeout() throws {
        let pty = try PTY()
        let port = try LinuxSerialPort(descriptor: pty.device, path: "/dev/pts/test", owned: false)
        try port.configure(.nineSixHundred8N1)
        let clock = ContinuousClock()
        let start = clock.now
        #expect(try port.read(maxCount: 32, timeout: .milliseconds(50)) == [])
        let elapsed = clock.now - start
        #expect(elapsed >= .milliseconds(45) && elapsed < .seconds(2))
    }

    @Test func flushInputDiscardsPendingBytes() throws {
        let pty = try PTY()
        let port = try LinuxSerialPort(descriptor: pty.device, path: "/dev/pts/test", owned: false)
        try port.configure(.nineSixHundred8N1)
        pty.send([0xAA, 0xBB, 0xCC])
        // Let the bytes arrive before flushing them.
        var p = pollfd(fd: pty.device, events: Int16(POLLIN), revents: 0)
        _ = poll(&p, 1, 1000)
        try port.flushInput()
        pty.send(Self.frame)
        #expect(try readAll(port, 32) == Self.frame)
    }

    @Test func writesReachTheOtherSide() throws {
        let pty = try PTY()
        let port = try LinuxSerialPort(descriptor: pty.device, path: "/dev/pts/test", owned: false)
        try port.configure(.nineSixHundred8N1)
        let command: [UInt8] = [0x42, 0x4D, 0xE1, 0x00, 0x00, 0x01, 0x70]
        try port.write(command)
        var got: [UInt8] = []
        while got.count < command.count {
            let chunk = pty.receive(command.count - got.count)
            if chunk.isEmpty { break }
            got += chunk
        }
        #expect(got == command)
    }

    @Test func rejectsUnsupportedSettings() throws {
        let pty = try PTY()
        let port = try LinuxSerialPort(descriptor: pty.device, path: "/dev/pts/test", owned: false)
        #expect { try port.configure(SerialConfiguration(baudRate: 12345)) } throws: { ($0 as? BusError)?.message.contains("12345") == true }
    }

    @Test func missingDeviceSaysHowToEnableTheSerialPort() {
        #expect {
            _ = try LinuxSerialPort(path: "/dev/ttyNOPE-opensensor")
        } throws: { error in
            guard let e = error as? BusError else { return false }
            return e.kind == .noDevice && e.errno == ENOENT && e.message.contains("raspi-config") && e.operation.contains("open")
        }
    }
}
