import HAL
import HALTesting
import Testing

@Suite struct I2CPlaybackTests {
    @Test func replaysAScriptAndVerifies() throws {
        let playback = I2CPlayback(transactions: [
            .writeRead(address: 0x76, bytes: [0xD0], result: [0x60]),
            .write(address: 0x76, bytes: [0xE0, 0xB6]),
            .read(address: 0x76, result: [1, 2]),
        ])
        let d = playback.device(at: 0x76)
        #expect(try d.writeRead([0xD0], readCount: 1) == [0x60])
        try d.write([0xE0, 0xB6])
        #expect(try d.read(count: 2) == [1, 2])
        try playback.verify()
    }

    @Test func failsOnUnexpectedBytesAndKeepsFailing() throws {
        let playback = I2CPlayback(transactions: [.write(address: 0x76, bytes: [0xE0, 0xB6]), .write(address: 0x76, bytes: [0xF2, 0x05])])
        let d = playback.device(at: 0x76)
        #expect(throws: BusError.self) { try d.write([0xE0, 0xB7]) }
        // Even a correct call fails once the playback has failed.
        #expect(throws: BusError.self) { try d.write([0xE0, 0xB6]) }
        #expect(throws: FakeFailure.self) { try playback.verify() }
    }

    @Test func failsOnWrongAddressKindOrLength() {
        for call in [
            { (p: I2CPlayback) in _ = try p.device(at: 0x77).writeRead([0xD0], readCount: 1) },
            { (p: I2CPlayback) in _ = try p.device(at: 0x76).read(count: 1) },
            { (p: I2CPlayback) in _ = try p.device(at: 0x76).writeRead([0xD0], readCount: 2) },
        ] {
            let p = I2CPlayback(transactions: [.writeRead(address: 0x76, bytes: [0xD0], result: [0x60])])
            #expect(throws: BusError.self) { try call(p) }
            #expect(throws: FakeFailure.self) { try p.verify() }
        }
    }

    @Test func failsOnTransactionsBeyondTheScript() {
        let p = I2CPlayback(transactions: [])
        #expect(throws: BusError.self) { try p.device(at: 0x23).write([0x80, 0x02]) }
        #expect(throws: FakeFailure.self) { try p.verify() }
    }

    @Test func failsWhenExpectedTransactionsAreLeftUnused() throws {
        let p = I2CPlayback(transactions: [.write(address: 0x23, bytes: [0x80, 0x02]), .write(address: 0x23, bytes: [0x82, 0x1B])])
        try p.device(at: 0x23).write([0x80, 0x02])
        do {
            try p.verify()
            Issue.record("verify() passed with an unused transaction")
        } catch {
            #expect(error.message.contains("never happened"))
            #expect(error.message.contains("82 1B"))
        }
    }

    @Test func scriptedErrorsAreThrown() throws {
        let nack = BusError(kind: .noDevice, operation: "ioctl", errno: 6, message: "nack")
        let p = I2CPlayback([I2CExpectation(.write(address: 0x49, bytes: [1, 2, 3]), error: nack)])
        #expect(throws: nack) { try p.device(at: 0x49).write([1, 2, 3]) }
        try p.verify()
    }

    @Test func recorderTranscribesAPlayableScript() throws {
        let chip = RegisterFileDevice(address: 0x76, image: [0xD0: [0x60]])
        let recorder = I2CRecorder(FakeI2CBus([chip]))
        let d = recorder.device(at: 0x76)
        _ = try d.writeRead([0xD0], readCount: 1)
        try d.write([0xF2, 0x05])
        #expect(recorder.writes == [[0xF2, 0x05]])
        let replay = I2CPlayback(transactions: recorder.transactions)
        _ = try replay.device(at: 0x76).writeRead([0xD0], readCount: 1)
        try replay.device(at: 0x76).write([0xF2, 0x05])
        try replay.verify()
    }
}

@Suite struct RegisterFileDeviceTests {
    @Test func autoIncrementsAndRecordsWrites() throws {
        let d = RegisterFileDevice(address: 0x23, image: [0x88: [1, 2, 3, 4]])
        #expect(try d.writeRead([0x89], readCount: 3) == [2, 3, 4])
        try d.write([0x90, 0xFF, 0x0F])
        #expect(Array(d.registers[0x90...0x91]) == [0xFF, 0x0F])
        try d.write([0x88])  // pointer only: not a register write
        #expect(try d.read(count: 2) == [1, 2])
        #expect(d.writes == [[0x90, 0xFF, 0x0F]])
    }

    @Test func hooksModelBehaviour() throws {
        let d = RegisterFileDevice(
            address: 0x23, image: [0x80: [0x00]],
            onWrite: { regs, reg, data in if reg == 0x80, data[0] & 0x02 != 0 { regs[0x80] = 0 } },
            onRead: { regs, reg, _ in if reg == 0x8C { regs[0x8C] ^= 0x04 } })
        try d.write([0x80, 0x02])
        #expect(try d.writeRead([0x80], readCount: 1) == [0])
        #expect(try d.writeRead([0x8C], readCount: 1) == [0x04])
        #expect(try d.writeRead([0x8C], readCount: 1) == [0x00])
    }

    @Test func injectedFailuresAndAbsentDevices() throws {
        let d = RegisterFileDevice(address: 0x76)
        d.failNext(BusError(kind: .bus, operation: "x", message: "glitch"))
        #expect(throws: BusError.self) { try d.read(count: 1) }
        #expect(try d.read(count: 1) == [0])
        let bus = FakeI2CBus([d])
        #expect { try bus.device(at: 0x77).read(count: 1) } throws: { ($0 as? BusError)?.kind == .noDevice }
    }
}

@Suite struct ScriptedSerialPortTests {
    @Test func playsBytesSilencesAndFailures() throws {
        let clock = VirtualClock()
        let port = ScriptedSerialPort([.bytes([1, 2, 3]), .silence, .failure(BusError(kind: .bus, operation: "r", message: "x")), .bytes([4])], clock: clock)
        #expect(try port.read(maxCount: 2, timeout: .seconds(4)) == [1, 2])
        #expect(clock.now() == .microseconds(2084))
        #expect(try port.read(maxCount: 8, timeout: .seconds(4)) == [3])
        #expect(try port.read(maxCount: 8, timeout: .seconds(4)) == [])
        #expect(clock.now() == .microseconds(3126) + .seconds(4))
        #expect(throws: BusError.self) { try port.read(maxCount: 8, timeout: .seconds(4)) }
        #expect(try port.read(maxCount: 8, timeout: .seconds(1)) == [4])
        #expect(try port.read(maxCount: 8, timeout: .seconds(1)) == [])
        try port.write([0x42, 0x4D])
        try port.flushInput()
        #expect(port.written == [0x42, 0x4D])
        #expect(port.flushCount == 1)
    }

    @Test func gapsTakeTimeOnTheClock() throws {
        let clock = VirtualClock()
        let port = ScriptedSerialPort([.bytes([1]), .gap(.seconds(1)), .bytes([2])], clock: clock)
        #expect(try port.read(maxCount: 8, timeout: .zero) == [1])
        let t0 = clock.now()
        #expect(try port.read(maxCount: 8, timeout: .zero) == [], "a draining read does not wait out the gap")
        #expect(try port.read(maxCount: 8, timeout: .milliseconds(400)) == [])
        #expect(clock.now() - t0 == .milliseconds(400))
        #expect(try port.read(maxCount: 8, timeout: .seconds(4)) == [2], "the rest of the gap passes, then the byte")
        #expect(clock.now() - t0 == .seconds(1) + .microseconds(1042))
    }

    @Test func repeatsForever() throws {
        let port = ScriptedSerialPort([.bytes([7, 8])], repeatsForever: true)
        var got: [UInt8] = []
        for _ in 0..<5 { got += try port.read(maxCount: 1, timeout: .seconds(1)) }
        #expect(got == [7, 8, 7, 8, 7])
    }
}

@Suite struct FakeGPIOChipTests {
    @Test func recordsRequestsLevelsAndReleases() throws {
        let chip = FakeGPIOChip(label: "pinctrl-bcm2711")
        let heater = try chip.requestOutput(line: "GPIO24", consumer: "EnviroPlus", initialHigh: true)
        #expect(chip.levels == ["GPIO24": true])
        #expect(throws: BusError.self) { try chip.requestOutput(line: "GPIO24", consumer: "again", initialHigh: false) }
        try heater.set(false)
        try heater.release()
        #expect(throws: BusError.self) { try heater.set(true) }
        #expect(throws: BusError.self) { try heater.release() }
        #expect(chip.events == [
            .request(line: "GPIO24", consumer: "EnviroPlus", initialHigh: true), .set(line: "GPIO24", high: false),
            .release(line: "GPIO24"),
        ])
        #expect { try chip.requestOutput(line: "GPIO99", consumer: "x", initialHigh: false) } throws: { ($0 as? BusError)?.kind == .noDevice }
        chip.refuse("GPIO22", with: BusError(kind: .permission, operation: "request", message: "no"))
        #expect { try chip.requestOutput(line: "GPIO22", consumer: "x", initialHigh: true) } throws: { ($0 as? BusError)?.kind == .permission }
    }
}

@Suite struct VirtualClockTests {
    @Test func sleepingAdvancesTimeInstantly() async throws {
        let clock = VirtualClock(start: .seconds(10))
        try await clock.sleep(for: .milliseconds(100))
        clock.advance(by: .seconds(1))
        try await clock.sleep(for: .milliseconds(50))
        #expect(clock.now() == .seconds(11) + .milliseconds(150))
        #expect(clock.sleeps == [.milliseconds(100), .milliseconds(50)])
        #expect(clock.totalSlept == .milliseconds(150))
    }
}

@Suite struct RecordingSPIDeviceTests {
    @Test func recordsEachWriteWithTheDCLevelAtThatMoment() throws {
        let chip = FakeGPIOChip()
        let spi = RecordingSPIDevice(dataCommandLine: "GPIO9", on: chip)
        let dc = try chip.requestOutput(line: "GPIO9", consumer: "test", initialHigh: false)
        try spi.write([0x2A])
        try dc.set(true)
        try spi.write([0x00, 0x1A])
        try spi.write([0x00, 0x69])
        try dc.set(false)
        try spi.write([0x2C, 0x29])
        #expect(spi.writes == [
            .init(dataCommandHigh: false, bytes: [0x2A]), .init(dataCommandHigh: true, bytes: [0x00, 0x1A]),
            .init(dataCommandHigh: true, bytes: [0x00, 0x69]), .init(dataCommandHigh: false, bytes: [0x2C, 0x29]),
        ])
        // The request and the two level changes came before writes 1, 2–3 and 4.
        #expect(spi.chipEventsBeforeEachWrite == [1, 2, 2, 3])
        // Consecutive data writes merge; every command byte stands alone.
        #expect(try spi.segments() == [.command(0x2A), .data([0x00, 0x1A, 0x00, 0x69]), .command(0x2C), .command(0x29)])
        spi.reset()
        #expect(spi.writes.isEmpty)
    }

    @Test func aWriteWithoutTheDCLineHeldIsAFailure() throws {
        let chip = FakeGPIOChip()
        let spi = RecordingSPIDevice(dataCommandLine: "GPIO9", on: chip)
        try spi.write([0x01])
        #expect(spi.writes == [.init(dataCommandHigh: nil, bytes: [0x01])])
        #expect(throws: FakeFailure.self) { try spi.segments() }
    }

    @Test func failsWhenToldAndRecordsNothingThatFailed() throws {
        let chip = FakeGPIOChip()
        _ = try chip.requestOutput(line: "GPIO9", consumer: "test", initialHigh: true)
        let spi = RecordingSPIDevice(dataCommandLine: "GPIO9", on: chip)
        let error = BusError(kind: .noDevice, operation: "write(/dev/spidev0.1)", message: "gone")
        spi.fail(with: error)
        #expect(throws: error) { try spi.write([1]) }
        spi.fail(with: nil)
        try spi.write([2])
        spi.fail(with: error, afterWrites: 2)
        try spi.write([3])
        try spi.write([4])
        #expect(throws: error) { try spi.write([5]) }
        #expect(try spi.segments() == [.data([2, 3, 4])])
    }
}
