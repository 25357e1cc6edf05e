import Drivers
import HAL
import HALTesting
import Synchronization
import Testing

/// An ADS1015/ADS1115 with OS semantics on a virtual clock: writing OS=1 while idle starts a
/// conversion that takes 1/data-rate; while converting OS reads 0 and further starts are
/// ignored; 1-byte config writes are ignored (fact sheet §5, vector `fake_device_note`).
final class FakeADS1x15: I2CDevice {
    struct State {
        var pointer: UInt8 = 0
        var config: UInt16 = 0x8583
        var conversion: UInt16 = 0
        var running: (mux: UInt8, until: Duration)?
        var starts: [UInt16] = []
        var configWrites: [UInt16] = []
    }
    let address: UInt8 = 0x49
    let model: ADS1x15.Model
    let clock: VirtualClock
    /// Conversion register value per MUX code (as the register reads).
    let results: [UInt8: UInt16]
    let state = Mutex(State())

    init(model: ADS1x15.Model, clock: VirtualClock, results: [UInt8: UInt16]) {
        self.model = model
        self.clock = clock
        self.results = results
    }

    var starts: [UInt16] { state.withLock { $0.starts } }
    var configWrites: [UInt16] { state.withLock { $0.configWrites } }

    /// Starts a conversion as a previous config write with OS=1 would have.
    func startConversion(mux: UInt8) {
        state.withLock { s in
            s.running = (mux, clock.now() + conversionTime(s.config))
            s.config &= 0x7FFF
        }
    }

    private func conversionTime(_ config: UInt16) -> Duration {
        let code = Int(config >> 5 & 0x7)
        let sps =
            model == .ads1015
            ? [128, 250, 490, 920, 1600, 2400, 3300, 3300][code]
            : [8, 16, 32, 64, 128, 250, 475, 860][code]
        return .nanoseconds(Int64(1e9 / Double(sps)))
    }

    private func settle(_ s: inout State) {
        if let r = s.running, clock.now() >= r.until {
            s.conversion = results[r.mux] ?? 0
            s.running = nil
            s.config |= 0x8000
        }
    }

    func write(_ bytes: [UInt8]) throws(BusError) {
        state.withLock { s in
            settle(&s)
            guard let p = bytes.first else { return }
            s.pointer = p
            guard p == 0x01, bytes.count == 3 else { return }  // 1-byte config writes: ignored
            let word = UInt16(bytes[1]) << 8 | UInt16(bytes[2])
            s.configWrites.append(word)
            if s.running != nil {
                s.config = (word & 0x7FFF)
            } else if word & 0x8000 != 0 {
                s.config = word & 0x7FFF
                s.starts.append(word)
                s.running = (UInt8(word >> 12 & 0x7), clock.now() + conversionTime(word))
            } else {
                s.config = word | 0x8000
            }
        }
    }

    func read(count: Int) throws(BusError) -> [UInt8] {
        state.withLock { s in
            settle(&s)
            let w = s.pointer == 0 ? s.conversion : s.config
            return Array([UInt8(w >> 8), UInt8(w & 0xFF)].prefix(count))
        }
    }

    func writeRead(_ bytes: [UInt8], readCount count: Int) throws(BusError) -> [UInt8] {
        try write(bytes)
        return try read(count: count)
    }
}

@Suite struct ADS1x15VectorTests {
    static let channels: [String: ADS1x15.Channel] = ["in0/gnd": .in0, "in1/gnd": .in1, "in2/gnd": .in2, "in3/gnd": .in3]
    /// What the fake returns for the in0−in1 differential conversion (the reference's stale
    /// value in the `*-first-read-immediately-after-setup` cases).
    static let differential: UInt16 = 0x88DC

    static func fake(_ c: JSON, clock: VirtualClock) throws -> FakeADS1x15 {
        let model = try #require(ADS1x15.Model(rawValue: c["chip"].string ?? ""), "unknown chip \(c["chip"])")
        // An ADS1015's conversion register holds a 12-bit code shifted left by 4.
        var results: [UInt8: UInt16] = [0: model == .ads1015 ? differential & 0xFFF0 : differential]
        for ch in c["channels"].array {
            let channel = try #require(channels[ch["channel"].string ?? ""])
            let b = bytes(hex: ch["conversion_register_bytes"].string ?? "")
            results[channel.rawValue] = UInt16(b[0]) << 8 | UInt16(b[1])
        }
        return FakeADS1x15(model: model, clock: clock, results: results)
    }

    @Test(arguments: Vectors.cases("ads1x15_mics6814"))
    func explicitModel(_ vector: VectorCase) async throws {
        try await run(vector.json, detect: false)
    }

    @Test(arguments: Vectors.cases("ads1x15_mics6814"))
    func detectedModel(_ vector: VectorCase) async throws {
        try await run(vector.json, detect: true)
    }

    private func run(_ c: JSON, detect: Bool) async throws {
        let clock = VirtualClock()
        let chip = try Self.fake(c, clock: clock)
        let driver = ADS1x15(device: chip, model: detect ? nil : chip.model, clock: clock)
        try await driver.setUp()
        #expect(await driver.model?.rawValue == c["detected_as"].string)
        #expect(chip.configWrites.last == 0x0183, "set-up leaves the chip idle at the gas settings")
        if c["read_all_immediately_after_setup"].bool == true {
            // The reference's set-up leaves an in0−in1 conversion running; reproduce that.
            chip.startConversion(mux: 0)
        } else {
            try await clock.sleep(for: .milliseconds(50))
        }
        for ch in c["channels"].array {
            let channel = try #require(Self.channels[ch["channel"].string ?? ""])
            let e = ch["expected"]
            let startsBefore = chip.starts.count
            let v = try await driver.voltage(channel)
            #expect(chip.starts.count == startsBefore + 1, "one conversion per reading")
            #expect(chip.starts.last.map { "0x" + String($0, radix: 16, uppercase: true) } == ch["config_register_written"].string)
            let volts = try #require(e["voltage_V"].number)
            #expect(close(v, volts), "\(ch["channel"]): \(v) V, expected \(volts) V")
            let kohm = try #require(e["opensensor_resistance_kohm"].number)
            let ohm = try #require(e["resistance_ohm"].number)
            let ours = MICS6814.resistanceKiloOhms(voltage: v)
            if volts >= MICS6814.supply || volts < 0 {
                // Pimoroni/collector bug (fact sheet §5.5): 0 Ω at exactly 3.3 V and negative
                // resistances outside 0…3.3 V. The divider cannot produce those; we give none.
                #expect(ours == nil, "\(ch["channel"]): \(volts) V is outside the divider's range")
            } else if c["read_all_immediately_after_setup"].bool == true, !close(kohm, volts * 56000 / (3.3 - volts) / 1000) {
                // Pimoroni bug (fact sheet §5.4 QUIRK): the reference returns the stale in0−in1
                // result here. We wait for the running conversion and read in0 itself, so the
                // datasheet-correct resistance is the one of this channel's own voltage.
                #expect(ours.map { close($0, volts * 56000 / (3.3 - volts) / 1000) } == true)
            } else {
                #expect(ours.map { close($0, kohm) } == true, "kΩ \(String(describing: ours)), expected \(kohm)")
                #expect(MICS6814.resistance(voltage: v).map { close($0, ohm) } == true)
            }
        }
    }

    @Test func conversionThatNeverEndsTimesOut() async throws {
        let clock = VirtualClock()
        let chip = RegisterFileDevice(address: 0x49, image: [0x01: [0x05, 0x83]])  // OS stuck at 0
        let driver = ADS1x15(device: chip, model: .ads1015, clock: clock)
        await #expect { try await driver.setUp() } throws: { ($0 as? SensorError)?.kind == .timeout }
    }

    @Test func readBeforeSetUpFails() async throws {
        let clock = VirtualClock()
        let chip = FakeADS1x15(model: .ads1015, clock: clock, results: [:])
        let driver = ADS1x15(device: chip, model: .ads1015, clock: clock)
        await #expect { try await driver.voltage(.in0) } throws: { ($0 as? SensorError)?.kind == .notSetUp }
    }

    @Test(arguments: [3.3, 3.31, -0.001, .nan, .infinity])
    func resistanceOutsideTheDividerIsNil(_ volts: Double) {
        #expect(MICS6814.resistance(voltage: volts) == nil)
    }

    @Test func resistanceInverseOfDivider() throws {
        // V = 3.3·R/(R+56k) for R = 20 kΩ.
        let v = 3.3 * 20_000 / (20_000 + 56_000)
        #expect(close(try #require(MICS6814.resistance(voltage: v)), 20_000, relative: 1e-12))
        #expect(MICS6814.resistance(voltage: 0) == 0)
    }
}
