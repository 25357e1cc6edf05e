public import HAL

/// Lite-On LTR-559ALS-01 ambient light and proximity sensor on I2C (fixed address 0x23).
///
/// Datasheet: LTR-559ALS-01 (register map §6, ALS_PS_STATUS §6.13, PS_DATA §6.14); lux from
/// the channel ratio with Lite-On's appendix coefficients. Facts and the reference driver's
/// behaviour: `docs/enviroplus-hardware.md` §4.
///
/// Like the Pimoroni driver (pimoroni/ltr559-python), so values agree with the Python
/// collector: the same set-up writes (LED 50 mA/100 %/30 kHz, 1 pulse, ALS gain 4× active, PS
/// active with saturation indicator, PS rate 100 ms, ALS 50 ms/50 ms, open thresholds), the
/// same ratio table and row boundaries, lux from the gain and integration time this driver
/// configured (not read back), and the previous values when the status register reports no
/// new data.
///
/// Deviations, and why:
/// - Proximity keeps 11 bits (PS_DATA_1 bits 2:0), as the datasheet defines PS_DATA. The
///   reference keeps bits 3:0 and so can report up to 4095 from a reserved bit.
/// - Writes are whole registers rather than read-modify-writes; after the soft reset the
///   reserved bits read 0, so the bytes on the wire are the reference's.
/// - The status gain field is not decoded, so codes 100/101 there do not fail a read.
/// - Set-up waits 100 ms after activation so the first read has data (the reference returns its
///   initial zeros when read straight away).
public actor LTR559 {
    /// The chip name used in errors.
    public static let name = "LTR559"
    /// The fixed I2C address.
    public static let defaultAddress: UInt8 = 0x23

    enum Register {
        static let alsControl: UInt8 = 0x80
        static let psControl: UInt8 = 0x81
        static let psLED: UInt8 = 0x82
        static let psPulses: UInt8 = 0x83
        static let psMeasRate: UInt8 = 0x84
        static let alsMeasRate: UInt8 = 0x85
        static let partID: UInt8 = 0x86
        static let alsData: UInt8 = 0x88
        static let status: UInt8 = 0x8C
        static let psData: UInt8 = 0x8D
        static let psThreshold: UInt8 = 0x90
        static let psOffset: UInt8 = 0x94
        static let alsThreshold: UInt8 = 0x97
    }

    /// ALS gain (ALS_CONTR bits 4:2).
    public enum Gain: Int, Sendable, CaseIterable {
        case x1 = 1, x2 = 2, x4 = 4, x8 = 8, x48 = 48, x96 = 96
        var code: UInt8 {
            switch self {
            case .x1: 0b000
            case .x2: 0b001
            case .x4: 0b010
            case .x8: 0b011
            case .x48: 0b110
            case .x96: 0b111
            }
        }
    }

    /// ALS integration time in ms (ALS_MEAS_RATE bits 5:3).
    public enum IntegrationTime: Int, Sendable, CaseIterable {
        case ms50 = 50, ms100 = 100, ms150 = 150, ms200 = 200, ms250 = 250, ms300 = 300, ms350 = 350, ms400 = 400
        var code: UInt8 {
            switch self {
            case .ms100: 0b000
            case .ms50: 0b001
            case .ms200: 0b010
            case .ms400: 0b011
            case .ms150: 0b100
            case .ms250: 0b101
            case .ms300: 0b110
            case .ms350: 0b111
            }
        }
    }

    /// One reading.
    public struct Measurement: Sendable, Equatable {
        /// Illuminance in lux.
        public var lux: Double
        /// Proximity, raw counts (0…2047).
        public var proximity: Int
        /// Visible+IR channel (CH0) and IR channel (CH1) counts behind `lux`.
        public var ch0: Int, ch1: Int
    }

    private let registers: RegisterAccess
    private let clock: any HALClock
    private var isSetUp = false
    /// The gain the lux formula uses: the one last written.
    public private(set) var gain: Gain = .x4
    /// The integration time the lux formula uses: the one last written.
    public private(set) var integrationTime: IntegrationTime = .ms50
    /// Repeat-rate code kept when the integration time is rewritten (000 = 50 ms).
    private var repeatRateCode: UInt8 = 0
    private var last = Measurement(lux: 0, proximity: 0, ch0: 0, ch1: 0)

    /// Creates a driver for the chip behind `device`. Nothing touches the bus until `setUp()`.
    public init(device: any I2CDevice, clock: any HALClock) {
        self.registers = RegisterAccess(device: device, sensor: Self.name)
        self.clock = clock
    }

    /// Checks the part id, soft-resets and configures the reference's defaults.
    public func setUp() async throws {
        isSetUp = false
        let id = try registers.read(Register.partID)
        guard id >> 4 == 0x9, id & 0x0F == 0x2 else {
            throw SensorError(
                sensor: Self.name, kind: .wrongChip,
                message: "part id at \(hex(registers.device.address)) is \(hex(id)), expected 0x92 (part 9, revision 2)")
        }
        // SW reset (ALS_CONTR bit 1); the chip clears the bit when done. Reference: 50 ms polls, 5 s.
        try registers.write(Register.alsControl, 0x02)
        let deadline = clock.now() + .seconds(5)
        while try registers.read(Register.alsControl) & 0x02 != 0 {
            guard clock.now() < deadline else {
                throw SensorError(sensor: Self.name, kind: .timeout, message: "soft reset did not finish within 5 s")
            }
            try await pause(clock, .milliseconds(50))
        }
        try registers.write(Register.psLED, 0b000_11_011)  // 30 kHz, 100 % duty, 50 mA
        try registers.write(Register.psPulses, 0x01)
        gain = .x4
        try registers.write(Register.alsControl, gain.code << 2 | 0x01)
        try registers.write(Register.psControl, 0x23)  // saturation indicator on, active
        try registers.write(Register.psMeasRate, 0x02)  // 100 ms
        integrationTime = .ms50
        repeatRateCode = 0
        try registers.write(Register.alsMeasRate, integrationTime.code << 3 | repeatRateCode)
        try registers.write(Register.alsThreshold, [0xFF, 0xFF, 0x00, 0x00])
        try registers.write(Register.psThreshold, [0xFF, 0x0F, 0x00, 0x00])
        try registers.write(Register.psOffset, [0x00, 0x00])
        last = Measurement(lux: 0, proximity: 0, ch0: 0, ch1: 0)
        isSetUp = true
        // Let one ALS integration (50 ms) and one PS measurement (100 ms) finish, so the first
        // read finds data instead of returning the initial zeros. The reference does not wait.
        try await pause(clock, .milliseconds(100))
    }

    /// Sets the ALS gain (ALS_CONTR, keeping the ALS active).
    public func setGain(_ gain: Gain) throws {
        try registers.write(Register.alsControl, gain.code << 2 | 0x01)
        self.gain = gain
    }

    /// Sets the ALS integration time (ALS_MEAS_RATE bits 5:3, keeping the repeat rate).
    public func setIntegrationTime(_ time: IntegrationTime) throws {
        try registers.write(Register.alsMeasRate, time.code << 3 | repeatRateCode)
        integrationTime = time
    }

    /// Reads the status and whatever new data it announces; without new data the previous
    /// values stand (lux 0 and proximity 0 before the first data).
    public func read() async throws -> Measurement {
        guard isSetUp else {
            throw SensorError(sensor: Self.name, kind: .notSetUp, message: "read before a successful setUp()")
        }
        let status = try registers.read(Register.status)
        if status & 0x03 != 0 {
            let ps = try registers.read(Register.psData, count: 2)
            last.proximity = Int(ps[0]) | Int(ps[1] & 0x07) << 8
        }
        if status & 0x0C != 0 {
            let d = try registers.read(Register.alsData, count: 4)
            let ch1 = Int(d[0]) | Int(d[1]) << 8
            let ch0 = Int(d[2]) | Int(d[3]) << 8
            last.ch0 = ch0
            last.ch1 = ch1
            last.lux = Self.lux(ch0: ch0, ch1: ch1, gain: gain.rawValue, integrationTimeMs: integrationTime.rawValue)
        }
        return last
    }

    /// Lux from the two channels (Lite-On appendix): the IR ratio picks a coefficient row
    /// (strict `<` at 45, 64 and 85 %), then the result is scaled by the integration time in
    /// 100 ms units and the gain. Evaluated in the reference's order.
    public static func lux(ch0: Int, ch1: Int, gain: Int, integrationTimeMs: Int) -> Double {
        let ratio: Double = ch0 + ch1 == 0 ? 101 : Double(ch1 * 100) / Double(ch0 + ch1)
        let (c0, c1): (Int, Int) =
            if ratio < 45 { (17743, -11059) }
            else if ratio < 64 { (42785, 19548) }
            else if ratio < 85 { (5926, -1185) }
            else { (0, 0) }
        let numerator = ch0 * c0 - ch1 * c1
        return Double(numerator) / (Double(integrationTimeMs) / 100) / Double(gain) / 10000
    }
}
