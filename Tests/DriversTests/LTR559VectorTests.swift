import Drivers
import HAL
import HALTesting
import Testing

/// A register-file LTR559 whose soft reset restores the datasheet defaults the vector file lists
/// (and reads back 0 at once, as the reference's fake does).
func fakeLTR559(image extra: [UInt8: [UInt8]]) -> RegisterFileDevice {
    let defaults = image(Vectors.file["ltr559"]["fake_device_defaults"])
    var start = defaults
    for (k, v) in extra { start[k] = v }
    return RegisterFileDevice(
        address: 0x23, image: start,
        onWrite: { regs, reg, data in
            if reg == 0x80, let v = data.first, v & 0x02 != 0 {
                for (r, b) in defaults { for (i, x) in b.enumerated() { regs[Int(r) + i] = x } }
            }
        })
}

@Suite struct LTR559VectorTests {
    static let section = Vectors.file["ltr559"]

    @Test(arguments: Vectors.cases("ltr559"))
    func vector(_ vector: VectorCase) async throws {
        let c = vector.json
        let clock = VirtualClock()
        let chip = fakeLTR559(image: image(c["register_image"]))
        let driver = LTR559(device: chip, clock: clock)
        try await driver.setUp()
        #expect(chip.writes == writes(Self.section["setup"]["writes"]), "set-up writes must equal the reference's")
        chip.clearWrites()

        let config = c["configuration"]
        let gainX = try #require(config["gain_x"].number)
        let timeMs = try #require(config["integration_time_ms"].number)
        let gain = try #require(LTR559.Gain(rawValue: Int(gainX)), "unsupported gain \(gainX)")
        let time = try #require(LTR559.IntegrationTime(rawValue: Int(timeMs)), "unsupported integration time \(timeMs)")
        let extra = writes(config["extra_writes_after_init"])
        if extra.contains(where: { $0.first == 0x80 }) { try await driver.setGain(gain) }
        if extra.contains(where: { $0.first == 0x85 }) { try await driver.setIntegrationTime(time) }
        #expect(chip.writes == extra, "configuration writes must equal the reference's")
        #expect(await driver.gain == gain)
        #expect(await driver.integrationTime == time)

        let m = try await driver.read()
        let e = c["expected"]
        let lux = try #require(e["lux_lx"].number)
        #expect(close(m.lux, lux, relative: 1e-9), "lux \(m.lux), expected \(lux)")
        #expect(Double(m.ch0) == e["ch0_as_read_counts"].number)
        #expect(Double(m.ch1) == e["ch1_as_read_counts"].number)
        // Pimoroni bug (fact sheet §4.3 QUIRK): the reference keeps 4 bits of PS_DATA_1 and can
        // report 12-bit values from a reserved bit. PS data is 11 bits in the datasheet, so the
        // datasheet-correct value is the reference's with bit 11 cleared.
        let proximity = Int(try #require(e["proximity_counts"].number)) & 0x7FF
        #expect(m.proximity == proximity)
        #expect(chip.writes == extra, "reading must not write")
    }

    @Test func luxUsesConfiguredGainAndTime() async throws {
        // Same counts, different settings: lux scales by 1/gain and by 100 ms / integration time.
        let a = LTR559.lux(ch0: 4660, ch1: 1110, gain: 4, integrationTimeMs: 50)
        let b = LTR559.lux(ch0: 4660, ch1: 1110, gain: 48, integrationTimeMs: 400)
        #expect(close(a / b, 12 * 8, relative: 1e-12))
    }

    @Test func wrongPartIDIsRefused() async throws {
        let chip = RegisterFileDevice(address: 0x23, image: [0x86: [0x91]])
        let driver = LTR559(device: chip, clock: VirtualClock())
        await #expect { try await driver.setUp() } throws: { ($0 as? SensorError)?.kind == .wrongChip }
        #expect(chip.writes.isEmpty)
    }

    @Test func softResetThatNeverFinishesTimesOut() async throws {
        let chip = RegisterFileDevice(address: 0x23, image: [0x86: [0x92]])  // bit 1 stays set
        let clock = VirtualClock()
        let driver = LTR559(device: chip, clock: clock)
        await #expect { try await driver.setUp() } throws: { ($0 as? SensorError)?.kind == .timeout }
        #expect(clock.now() >= .seconds(5))
    }

    @Test func readBeforeSetUpFails() async throws {
        let driver = LTR559(device: fakeLTR559(image: [0x86: [0x92]]), clock: VirtualClock())
        await #expect { try await driver.read() } throws: { ($0 as? SensorError)?.kind == .notSetUp }
    }
}
