public import HAL

/// TI ADS1015 (12-bit) or ADS1115 (16-bit) ADC on I2C, as wired to the MICS6814 on the Enviro+
/// (address 0x49, single-ended inputs in0–in2, ±6.144 V range).
///
/// Datasheets: TI SBAS473 (ADS1015) and SBAS444 (ADS1115), config register §8.6.3 (OS, MUX,
/// PGA, MODE, DR, comparator). Facts and the reference driver's behaviour:
/// `docs/enviroplus-hardware.md` §5.
///
/// Deviations from the Pimoroni driver (pimoroni/ads1015-python + enviroplus gas.py), and why:
/// - Every config write is a whole 16-bit word built here (0xC183/0xD183/0xE183 per channel,
///   the same words the reference ends up writing) instead of a read-modify-write. The
///   reference's RMW echoes OS=1, so merely changing settings starts conversions; its set-up
///   leaves one running and on an ADS1115 the first gas reading is that stale differential
///   result. This driver waits for any running conversion to finish before starting its own,
///   then waits for that one — a result is never stale.
/// - Set-up writes an idle config (OS=0) and starts nothing.
/// - The model can be given; when it is not, detection does not rely on timing averages
///   alone: a conversion at the default rate still running after 2 ms (ADS1115: 7.8 ms at
///   128 SPS, ADS1015: 0.625 ms at 1600 SPS) or any non-zero low nibble in the result (the
///   ADS1015's are always 0) means ADS1115. The reference's detection writes a 1-byte config
///   (a bug) and times ten conversions.
/// - Both models use data-rate code 100 (ADS1015 1600 SPS, ADS1115 128 SPS), the rates the
///   reference asks for; its ADS1115 rate table is wrong above 128 SPS, which is avoided.
public actor ADS1x15 {
    /// The chip name used in errors.
    public static let name = "ADS1x15"
    /// The Enviro+ address (ADDR to VDD).
    public static let enviroPlusAddress: UInt8 = 0x49

    /// Which part.
    public enum Model: String, Sendable, CaseIterable {
        case ads1015 = "ADS1015"
        case ads1115 = "ADS1115"

        /// Conversion time at data-rate code 100.
        var conversionTime: Duration {
            switch self {
            case .ads1015: .microseconds(625)  // 1600 SPS
            case .ads1115: .microseconds(7813)  // 128 SPS
            }
        }

        /// Volts from the conversion register at ±6.144 V, in the reference's order.
        func volts(_ register: UInt16) -> Double {
            let fsr = ADS1x15.fullScale
            switch self {
            case .ads1015:
                var code = Int((register & 0xFFF0) >> 4)
                if code & 0x800 != 0 { code -= 4096 }
                return Double(code) / 2048 * (fsr * 1000) / 1000
            case .ads1115:
                return Double(Int16(bitPattern: register)) / 32768 * (fsr * 1000) / 1000
            }
        }
    }

    /// Single-ended inputs (MUX codes 100…111).
    public enum Channel: UInt8, Sendable, CaseIterable {
        case in0 = 0b100, in1 = 0b101, in2 = 0b110, in3 = 0b111
    }

    /// ±6.144 V (PGA 000): the Enviro+ divider needs the range above 3.3 V.
    public static let fullScale = 6.144

    enum Register {
        static let conversion: UInt8 = 0x00
        static let config: UInt8 = 0x01
    }

    private let device: any I2CDevice
    private let clock: any HALClock
    /// The model in use: given, or found by `setUp()`.
    public private(set) var model: Model?
    private var isSetUp = false

    /// Creates a driver. `model` nil means detect it at set-up.
    public init(device: any I2CDevice, model: Model? = nil, clock: any HALClock) {
        self.device = device
        self.model = model
        self.clock = clock
    }

    /// The config word for a single-shot conversion of `mux` (OS=1 starts it): PGA 000, MODE 1,
    /// DR 100, comparator disabled (COMP_QUE 11).
    static func configWord(mux: UInt8, start: Bool) -> UInt16 {
        (start ? 0x8000 : 0) | UInt16(mux & 0x7) << 12 | 0b000 << 9 | 1 << 8 | 0b100 << 5 | 0b11
    }

    /// Detects the model if needed and leaves the chip idle at the Enviro+ settings.
    public func setUp() async throws {
        isSetUp = false
        try await waitIdle()
        if model == nil { model = try await detect() }
        try writeConfig(Self.configWord(mux: 0, start: false))
        isSetUp = true
    }

    /// The voltage at `channel` against ground, from a fresh single-shot conversion.
    public func voltage(_ channel: Channel) async throws -> Double {
        guard isSetUp, let model else {
            throw SensorError(sensor: Self.name, kind: .notSetUp, message: "read before a successful setUp()")
        }
        let raw = try await convert(mux: channel.rawValue, model: model)
        return model.volts(raw)
    }

    private func convert(mux: UInt8, model: Model?) async throws -> UInt16 {
        try await waitIdle()
        try writeConfig(Self.configWord(mux: mux, start: true))
        try await pause(clock, model?.conversionTime ?? Model.ads1115.conversionTime)
        try await waitIdle()
        return try readWord(Register.conversion)
    }

    private func detect() async throws -> Model {
        for _ in 0..<3 {
            try await waitIdle()
            try writeConfig(Self.configWord(mux: 0, start: true))
            try await pause(clock, .milliseconds(2))
            let stillConverting = try readWord(Register.config) & 0x8000 == 0
            try await waitIdle()
            let result = try readWord(Register.conversion)
            if stillConverting || result & 0x000F != 0 { return .ads1115 }
        }
        return .ads1015
    }

    /// Polls OS until it reads 1 (no conversion running), every 1 ms, for at most 100 ms —
    /// ten times the slowest conversion used here.
    private func waitIdle() async throws {
        let deadline = clock.now() + .milliseconds(100)
        while try readWord(Register.config) & 0x8000 == 0 {
            guard clock.now() < deadline else {
                throw SensorError(sensor: Self.name, kind: .timeout, message: "conversion still running after 100 ms; expected at most 8 ms")
            }
            try await pause(clock, .milliseconds(1))
        }
    }

    private func writeConfig(_ word: UInt16) throws {
        do throws(BusError) {
            try device.write([Register.config, UInt8(word >> 8), UInt8(word & 0xFF)])
        } catch {
            throw SensorError(sensor: Self.name, during: "writing config at \(hex(device.address))", error)
        }
    }

    private func readWord(_ register: UInt8) throws -> UInt16 {
        do throws(BusError) {
            let b = try device.writeRead([register], readCount: 2)
            guard b.count == 2 else {
                throw BusError(kind: .bus, operation: "I2C read", message: "got \(b.count) bytes, expected 2")
            }
            return UInt16(b[0]) << 8 | UInt16(b[1])
        } catch {
            throw SensorError(sensor: Self.name, during: "reading register \(hex(register)) at \(hex(device.address))", error)
        }
    }
}
