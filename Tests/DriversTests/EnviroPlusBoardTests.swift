import Drivers
import HAL
import HALTesting
import Synchronization
import Testing

/// Wraps a device so a test can unplug and replug it.
final class Pluggable: I2CDevice {
    let inner: any I2CDevice
    let present = Mutex(true)
    init(_ inner: any I2CDevice) { self.inner = inner }
    var address: UInt8 { inner.address }
    private func check() throws(BusError) {
        guard present.withLock({ $0 }) else {
            throw BusError(kind: .noDevice, operation: "ioctl(I2C_RDWR)", errno: 121, message: "no acknowledge from \(hex(address))")
        }
    }
    func write(_ bytes: [UInt8]) throws(BusError) { try check(); try inner.write(bytes) }
    func read(count: Int) throws(BusError) -> [UInt8] { try check(); return try inner.read(count: count) }
    func writeRead(_ bytes: [UInt8], readCount count: Int) throws(BusError) -> [UInt8] {
        try check()
        return try inner.writeRead(bytes, readCount: count)
    }
}

/// A whole fake Enviro+ built from the first case of each vector section.
final class FakeEnviroPlus: Sendable {
    let clock = VirtualClock()
    let gpio = FakeGPIOChip(label: "pinctrl-bcm2711")
    let bme: Pluggable
    let ltr: Pluggable
    let adc: Pluggable
    let port: ScriptedSerialPort
    let cpu = Mutex<Double?>(48.5)
    let opens = Mutex(0)
    let bmeCase = Vectors.cases("bme280")[0].json
    let ltrCase = Vectors.cases("ltr559")[0].json
    let adcCase = Vectors.cases("ads1x15_mics6814").first { $0.json["chip"].string == "ADS1015" && $0.json["read_all_immediately_after_setup"].bool == false }!.json
    let frame = bytes(hex: Vectors.cases("pms5003", list: "valid_frames")[0].json["frame_hex"].string!)

    init(serial steps: [ScriptedSerialPort.Step]? = nil) throws {
        bme = Pluggable(fakeBME280(image: image(bmeCase["register_image"]), clock: clock))
        ltr = Pluggable(fakeLTR559(image: image(ltrCase["register_image"])))
        adc = Pluggable(try ADS1x15VectorTests.fake(adcCase, clock: clock))
        // A frame every second, as the sensor sends them in active mode.
        let frame = self.frame
        let everySecond = (0..<60).flatMap { _ in [ScriptedSerialPort.Step.bytes(frame), .gap(.seconds(1))] }
        port = ScriptedSerialPort(steps ?? everySecond, clock: clock)
    }

    var devices: BoardDevices {
        let bus = FakeI2CBus([bme, ltr, adc])
        let fake = self
        return BoardDevices(
            openI2CBus: { () throws(BusError) -> any I2CBus in
                fake.opens.withLock { $0 += 1 }
                return bus
            },
            openSerialPort: { () throws(BusError) -> any SerialPort in fake.port },
            openGPIOChip: { () throws(BusError) -> any GPIOChip in fake.gpio },
            cpuTemperature: { () throws(BusError) -> Double in
                guard let c = fake.cpu.withLock({ $0 }) else { throw BusError(kind: .noDevice, operation: "open(thermal)", errno: 2, message: "missing") }
                return c
            })
    }
}

@Suite struct EnviroPlusBoardTests {
    @Test func readsEverySensorAndLeavesCompensationToTheCollector() async throws {
        let fake = try FakeEnviroPlus()
        let board = EnviroPlus(devices: fake.devices, clock: fake.clock, configuration: .init(adcModel: .ads1015))
        let r = await board.read(at: Timestamp(millisecondsSinceEpoch: 1_700_000_000_000))
        #expect(r.faults.isEmpty, "\(r.faults)")
        #expect(r.cpuTemperature == 48.5)
        #expect(r.temperature == nil && r.humidity == nil, "compensated values are the collector's job")
        let e = fake.bmeCase["expected"]
        #expect(r.rawTemperature.map { close($0, e["temperature_degC"].number!) } == true)
        #expect(r.pressure.map { close($0, e["pressure_hPa"].number!) } == true)
        #expect(r.rawHumidity.map { close($0, e["humidity_pct_rh"].number!) } == true)
        #expect(r.lux.map { close($0, fake.ltrCase["expected"]["lux_lx"].number!) } == true)
        #expect(r.proximity == fake.ltrCase["expected"]["proximity_counts"].number)
        let channels = fake.adcCase["channels"].array.map { $0["expected"]["opensensor_resistance_kohm"].number! }
        #expect([r.oxidised, r.reducing, r.nh3].enumerated().allSatisfy { i, v in v.map { close($0, channels[i]) } == true })
        let pm = Vectors.cases("pms5003", list: "valid_frames")[0].json["expected"]
        #expect(r.pm25 == pm["pm2_5_cf1_ug_per_m3"].number, "PM is reported as CF=1, like the Python collector")
        #expect(r.particles03um == pm["gt0_3um_per_0_1L_count"].number)
        #expect(r.columnValues.count == BoardReading.columnNames.count)
        #expect(r.columnValues.compactMap { $0 }.count == 17)
        // Heater on, PMS5003 enabled and out of reset.
        #expect(fake.gpio.levels == ["GPIO24": true, "GPIO22": true, "GPIO27": true])
        #expect(fake.gpio.events.contains(.request(line: "GPIO24", consumer: "EnviroPlus", initialHigh: true)))
        #expect(fake.gpio.events.contains(.request(line: "GPIO27", consumer: "PMS5003_rst", initialHigh: false)))
        // A second reading reuses the set-up drivers.
        let again = await board.read(at: Timestamp(millisecondsSinceEpoch: 1_700_000_005_000))
        #expect(again.faults.isEmpty)
        #expect(fake.opens.withLock { $0 } == 1)
        await board.shutdown()
        #expect(fake.gpio.levels.isEmpty, "all lines released")
        #expect(fake.gpio.events.contains(.set(line: "GPIO24", high: false)), "heater off at shutdown")
    }

    @Test func aFailingSensorGivesNullsAndIsReinitialisedWithBackoff() async throws {
        let fake = try FakeEnviroPlus()
        fake.ltr.present.withLock { $0 = false }
        let board = EnviroPlus(devices: fake.devices, clock: fake.clock, configuration: .init(adcModel: .ads1015))
        let t = Timestamp(millisecondsSinceEpoch: 0)

        let first = await board.read(at: t)
        #expect(first.lux == nil && first.proximity == nil)
        #expect(first.rawTemperature != nil && first.pm25 != nil && first.oxidised != nil, "the others carry on")
        let f1 = try #require(first.faults.first { $0.sensor == .ltr559 })
        #expect(f1.consecutiveFailures == 1 && !f1.isBackingOff && f1.kind == .bus(.noDevice))

        // Within the 5 s backoff the sensor is not tried again.
        let second = await board.read(at: t)
        let f2 = try #require(second.faults.first { $0.sensor == .ltr559 })
        #expect(f2.isBackingOff && f2.consecutiveFailures == 1)

        fake.clock.advance(by: .seconds(5))
        let third = await board.read(at: t)
        let f3 = try #require(third.faults.first { $0.sensor == .ltr559 })
        #expect(!f3.isBackingOff && f3.consecutiveFailures == 2)

        // The backoff doubled: 5 s later it is still backing off, 10 s later it is retried.
        fake.ltr.present.withLock { $0 = true }
        fake.clock.advance(by: .seconds(6))
        #expect(await board.read(at: t).faults.first { $0.sensor == .ltr559 }?.isBackingOff == true)
        fake.clock.advance(by: .seconds(5))
        let recovered = await board.read(at: t)
        #expect(recovered.faults.isEmpty, "\(recovered.faults)")
        #expect(recovered.lux != nil)
    }

    @Test func aSensorThatDiesAfterSetUpIsSetUpAgain() async throws {
        let fake = try FakeEnviroPlus()
        let board = EnviroPlus(devices: fake.devices, clock: fake.clock, configuration: .init(adcModel: .ads1015, initialBackoff: .seconds(1)))
        #expect(await board.read(at: Timestamp(millisecondsSinceEpoch: 0)).faults.isEmpty)
        fake.bme.present.withLock { $0 = false }
        let failed = await board.read(at: Timestamp(millisecondsSinceEpoch: 0))
        #expect(failed.rawTemperature == nil && failed.pressure == nil && failed.rawHumidity == nil)
        #expect(failed.faults.map(\.sensor) == [.bme280])
        fake.bme.present.withLock { $0 = true }
        fake.clock.advance(by: .seconds(2))
        let back = await board.read(at: Timestamp(millisecondsSinceEpoch: 0))
        #expect(back.faults.isEmpty)
        #expect(back.rawTemperature != nil)
    }

    @Test func particulateGarbageGivesNullsAndAFault() async throws {
        var garbage = try FakeEnviroPlus().frame
        garbage[31] &+= 1
        let fake = try FakeEnviroPlus(serial: [.bytes(garbage), .silence])
        let board = EnviroPlus(devices: fake.devices, clock: fake.clock, configuration: .init(adcModel: .ads1015))
        let r = await board.read(at: Timestamp(millisecondsSinceEpoch: 0))
        #expect(r.pm1 == nil && r.pm25 == nil && r.pm10 == nil && r.particles100um == nil)
        #expect(r.faults.map(\.sensor) == [.pms5003])
        #expect(r.faults.first?.kind == .invalidFrame)
        #expect(r.rawTemperature != nil && r.lux != nil)
    }

    @Test func missingCPUTemperatureIsAFault() async throws {
        let fake = try FakeEnviroPlus()
        fake.cpu.withLock { $0 = nil }
        let board = EnviroPlus(devices: fake.devices, clock: fake.clock, configuration: .init(adcModel: .ads1015))
        let r = await board.read(at: Timestamp(millisecondsSinceEpoch: 0))
        #expect(r.cpuTemperature == nil)
        #expect(r.faults.map(\.sensor) == [.cpu])
    }

    @Test func noBoardAtAllGivesAFaultPerSensor() async throws {
        let clock = VirtualClock()
        let absent = BusError(kind: .noDevice, operation: "open(/dev/i2c-1)", errno: 2, message: "missing")
        let devices = BoardDevices(
            openI2CBus: { () throws(BusError) -> any I2CBus in throw absent },
            openSerialPort: { () throws(BusError) -> any SerialPort in throw absent },
            openGPIOChip: { () throws(BusError) -> any GPIOChip in throw absent },
            cpuTemperature: { () throws(BusError) -> Double in throw absent })
        let board = EnviroPlus(devices: devices, clock: clock)
        let r = await board.read(at: Timestamp(millisecondsSinceEpoch: 0))
        #expect(Set(r.faults.map(\.sensor)) == Set(SensorID.allCases))
        #expect(r.columnValues.allSatisfy { $0 == nil })
    }
}
