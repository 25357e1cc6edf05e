public import HAL

/// Bosch BME280 temperature, pressure and humidity sensor on I2C.
///
/// Datasheet: Bosch BST-BME280-DS002 (registers §5.3–5.4, compensation §4.2.3 and appendix
/// §8.1, measurement time §9.1). Facts and the reference driver's behaviour:
/// `docs/enviroplus-hardware.md` §3.
///
/// What this driver does like the Pimoroni driver (pimoroni/bme280-python), so values agree
/// with the Python collector: the same set-up writes (soft reset, humidity ×16, T/P ×16, IIR
/// filter field 2, standby 500 ms), the double-precision compensation evaluated in the same
/// order, `t_fine` kept as a double, and the Bosch-API humidity form with its extra `k3`
/// factor.
///
/// Where it deviates, and why:
/// - `dig_H4`/`dig_H5` are sign-extended as the datasheet's 12-bit two's complement values. The
///   reference computes `(r − 1) << 12` for negative values (an operator-precedence bug), which
///   turns humidity into 0 or 100 % on such chips.
/// - A blank calibration (`dig_T1 = 0`), `dig_P1 = 0`, or a skipped-measurement marker
///   (0x80000 for T/P, 0x8000 for H) gives an error for the quantities that depend on it
///   instead of a division by zero or a value computed from a marker. Pressure and humidity
///   depend on temperature through `t_fine`.
/// - One 8-byte burst per `read()` gives T, P and H together (the reference re-reads per
///   getter, three forced conversions per triple in forced mode).
/// - Forced mode waits the datasheet's maximum measurement time, then polls `measuring` with a
///   deadline; the reference polls forever. Normal-mode set-up also waits one measurement time,
///   so the first read is not the reset values.
public actor BME280 {
    /// The chip name used in errors.
    public static let name = "BME280"
    /// The Enviro+ address (SDO to GND); 0x77 is the alternative.
    public static let defaultAddress: UInt8 = 0x76
    /// Chip id register 0xD0 of a BME280 (a BMP280 reads 0x56–0x58).
    public static let chipID: UInt8 = 0x60

    enum Register {
        static let chipID: UInt8 = 0xD0
        static let reset: UInt8 = 0xE0
        static let ctrlHum: UInt8 = 0xF2
        static let status: UInt8 = 0xF3
        static let ctrlMeas: UInt8 = 0xF4
        static let config: UInt8 = 0xF5
        static let data: UInt8 = 0xF7
        static let calibration1: UInt8 = 0x88
        static let calibration2: UInt8 = 0xE1
    }

    /// Power mode (ctrl_meas bits 1:0).
    public enum Mode: Sendable, Equatable {
        /// Continuous conversions with a standby gap; reads return the latest result.
        case normal
        /// One conversion per read, sleeping in between.
        case forced
    }

    /// Oversampling setting (osrs_x fields: datasheet Table 20, 23, 24).
    public enum Oversampling: UInt8, Sendable, CaseIterable {
        case skipped = 0, x1 = 1, x2 = 2, x4 = 3, x8 = 4, x16 = 5
        /// The number of samples, used for the measurement time.
        public var samples: Int { self == .skipped ? 0 : 1 << Int(rawValue - 1) }
    }

    /// Standby time between normal-mode conversions (t_sb, datasheet Table 27).
    public enum Standby: UInt8, Sendable, CaseIterable {
        case ms0_5 = 0, ms62_5 = 1, ms125 = 2, ms250 = 3, ms500 = 4, ms1000 = 5, ms10 = 6, ms20 = 7
    }

    /// Settings written at set-up.
    public struct Settings: Sendable, Equatable {
        public var mode: Mode
        public var temperatureOversampling: Oversampling
        public var pressureOversampling: Oversampling
        public var humidityOversampling: Oversampling
        /// Raw IIR filter field (config bits 4:2). The reference writes 2 (coefficient 4).
        public var filter: UInt8
        public var standby: Standby

        /// Creates settings.
        public init(
            mode: Mode = .normal, temperatureOversampling: Oversampling = .x16,
            pressureOversampling: Oversampling = .x16, humidityOversampling: Oversampling = .x16,
            filter: UInt8 = 2, standby: Standby = .ms500
        ) {
            self.mode = mode
            self.temperatureOversampling = temperatureOversampling
            self.pressureOversampling = pressureOversampling
            self.humidityOversampling = humidityOversampling
            self.filter = filter & 0x7
            self.standby = standby
        }

        /// The reference driver's defaults, which the Enviro+ code keeps.
        public static let reference = Settings()

        /// The datasheet's maximum measurement time (§9.1) for these oversampling settings.
        public var maximumMeasurementTime: Duration {
            var ms = 1.25 + 2.3 * Double(temperatureOversampling.samples)
            if pressureOversampling != .skipped { ms += 2.3 * Double(pressureOversampling.samples) + 0.575 }
            if humidityOversampling != .skipped { ms += 2.3 * Double(humidityOversampling.samples) + 0.575 }
            return .microseconds(Int64((ms * 1000).rounded(.up)))
        }
    }

    /// The raw ADC values of one burst read.
    public struct RawSample: Sendable, Equatable {
        public var temperature: Int32
        public var pressure: Int32
        public var humidity: Int32

        /// Decodes the 8 bytes read from 0xF7 (datasheet Table 29): 20-bit P and T, 16-bit H.
        /// The low nibbles of 0xF9 and 0xFC are dropped, as the reference does.
        public init(burst b: [UInt8]) {
            precondition(b.count == 8)
            pressure = Int32(b[0]) << 12 | Int32(b[1]) << 4 | Int32(b[2] >> 4)
            temperature = Int32(b[3]) << 12 | Int32(b[4]) << 4 | Int32(b[5] >> 4)
            humidity = Int32(b[6]) << 8 | Int32(b[7])
        }

        /// Creates a sample from ADC values.
        public init(temperature: Int32, pressure: Int32, humidity: Int32) {
            self.temperature = temperature
            self.pressure = pressure
            self.humidity = humidity
        }

        /// The value a skipped T or P measurement reads as (datasheet §4: 0x80000).
        public static let skipped20Bit: Int32 = 0x80000
        /// The value a skipped H measurement reads as (0x8000).
        public static let skipped16Bit: Int32 = 0x8000
    }

    /// One compensated measurement; each quantity is a value or the reason there is none.
    public struct Measurement: Sendable, Equatable {
        /// Temperature in °C (uncompensated for board heat).
        public var temperature: Result<Double, SensorError>
        /// Pressure in hPa.
        public var pressure: Result<Double, SensorError>
        /// Relative humidity in %, clamped to 0…100.
        public var humidity: Result<Double, SensorError>
        /// The fine temperature shared by the formulas, when temperature could be computed.
        public var tFine: Double?
    }

    private let registers: RegisterAccess
    private let clock: any HALClock
    /// The settings this driver writes.
    public let settings: Settings
    /// The calibration read at set-up, if set-up succeeded.
    public private(set) var calibration: BME280Calibration?

    /// Creates a driver for the chip behind `device`. Nothing touches the bus until `setUp()`.
    public init(device: any I2CDevice, clock: any HALClock, settings: Settings = .reference) {
        self.registers = RegisterAccess(device: device, sensor: Self.name)
        self.clock = clock
        self.settings = settings
    }

    /// Checks the chip id, soft-resets, writes the settings and reads the calibration.
    public func setUp() async throws {
        calibration = nil
        let id = try registers.read(Register.chipID)
        guard id == Self.chipID else {
            let hint = (0x56...0x58).contains(id) ? " (a BMP280, which has no humidity sensor)" : ""
            throw SensorError(
                sensor: Self.name, kind: .wrongChip,
                message: "chip id at \(hex(registers.device.address)) is \(hex(id))\(hint), expected \(hex(Self.chipID))")
        }
        // Soft reset (datasheet §5.4.2), then the reference's 100 ms; the NVM copy takes ~2 ms.
        try registers.write(Register.reset, 0xB6)
        try await pause(clock, .milliseconds(100))
        // ctrl_hum only takes effect when ctrl_meas is written next (datasheet §5.4.3).
        try registers.write(Register.ctrlHum, settings.humidityOversampling.rawValue)
        try registers.write(Register.ctrlMeas, ctrlMeas(mode: settings.mode == .normal ? 0b11 : 0b00))
        try registers.write(Register.config, settings.standby.rawValue << 5 | settings.filter << 2)
        let block1 = try registers.read(Register.calibration1, count: 26)
        let block2 = try registers.read(Register.calibration2, count: 7)
        calibration = BME280Calibration(block1: block1, block2: block2)
        if settings.mode == .normal {
            // Until the first conversion after the reset completes, the data registers hold the
            // skipped markers; wait one conversion so the first read has data. (The reference
            // does not wait; its first values right after set-up are computed from the markers.)
            try await pause(clock, settings.maximumMeasurementTime)
        }
    }

    /// Reads one burst (triggering a conversion first in forced mode) and compensates it.
    public func read() async throws -> Measurement {
        guard let calibration else {
            throw SensorError(sensor: Self.name, kind: .notSetUp, message: "read before a successful setUp()")
        }
        if settings.mode == .forced {
            // Mode 10 = forced, as the reference writes (01 is the same mode).
            try registers.write(Register.ctrlMeas, ctrlMeas(mode: 0b10))
            try await pause(clock, settings.maximumMeasurementTime)
            let deadline = clock.now() + .seconds(1)
            while try registers.read(Register.status) & 0x08 != 0 {
                guard clock.now() < deadline else {
                    throw SensorError(sensor: Self.name, kind: .timeout, message: "still measuring 1 s after a forced conversion was started")
                }
                try await pause(clock, .milliseconds(1))
            }
        }
        let raw = RawSample(burst: try registers.read(Register.data, count: 8))
        return Self.compensate(raw, calibration: calibration)
    }

    private func ctrlMeas(mode: UInt8) -> UInt8 {
        settings.temperatureOversampling.rawValue << 5 | settings.pressureOversampling.rawValue << 2 | mode
    }

    /// Compensates a raw sample with the double-precision formulas (datasheet §8.1 with the
    /// Bosch-API humidity form), evaluated left to right in the reference's order so results
    /// agree bit for bit. Never traps: impossible inputs give errors for what depends on them.
    public static func compensate(_ raw: RawSample, calibration c: BME280Calibration) -> Measurement {
        func failure(_ kind: SensorError.Kind, _ message: String) -> Result<Double, SensorError> {
            .failure(SensorError(sensor: name, kind: kind, message: message))
        }
        let temperatureProblem: Result<Double, SensorError>? =
            if c.t1 == 0 {
                failure(.invalidCalibration, "calibration dig_T1 is 0 (blank NVM?); expected a non-zero factory value")
            } else if raw.temperature == RawSample.skipped20Bit {
                failure(.measurementSkipped, "temperature reads the skipped marker 0x80000; expected a measurement")
            } else { nil }
        if let problem = temperatureProblem {
            let dependent = problem.mapError {
                SensorError(sensor: name, kind: $0.kind, message: "needs temperature: " + $0.message)
            }
            return Measurement(temperature: problem, pressure: dependent, humidity: dependent, tFine: nil)
        }

        let adcT = Double(raw.temperature)
        let t1 = Double(c.t1), t2 = Double(c.t2), t3 = Double(c.t3)
        let a = (adcT / 16384 - t1 / 1024) * t2
        var b = adcT / 131072 - t1 / 8192
        b = b * b * t3
        let tFine = a + b
        let temperature = tFine / 5120

        let pressure: Result<Double, SensorError>
        if c.p1 == 0 {
            pressure = failure(.invalidCalibration, "calibration dig_P1 is 0, the pressure divisor; expected a non-zero factory value")
        } else if raw.pressure == RawSample.skipped20Bit {
            pressure = failure(.measurementSkipped, "pressure reads the skipped marker 0x80000; expected a measurement")
        } else {
            let p1 = Double(c.p1), p2 = Double(c.p2), p3 = Double(c.p3), p4 = Double(c.p4), p5 = Double(c.p5)
            let p6 = Double(c.p6), p7 = Double(c.p7), p8 = Double(c.p8), p9 = Double(c.p9)
            var x = tFine / 2 - 64000
            var y = x * x * p6 / 32768
            y = y + x * p5 * 2
            y = y / 4 + p4 * 65536
            x = (p3 * x * x / 524288 + p2 * x) / 524288
            x = (1 + x / 32768) * p1
            if x == 0 {
                pressure = failure(.invalidCalibration, "pressure divisor is 0 at this temperature; calibration is inconsistent")
            } else {
                var p = 1048576 - Double(raw.pressure)
                p = (p - y / 4096) * 6250 / x
                x = p9 * p * p / 2147483648
                y = p * p8 / 32768
                let pascal = p + (x + y + p7) / 16
                pressure = pascal.isFinite ? .success(pascal / 100) : failure(.outOfRange, "pressure is not a finite number")
            }
        }

        let humidity: Result<Double, SensorError>
        if raw.humidity == RawSample.skipped16Bit {
            humidity = failure(.measurementSkipped, "humidity reads the skipped marker 0x8000; expected a measurement")
        } else {
            let x = tFine - 76800
            let r = Double(raw.humidity) - (Double(c.h4) * 64 + (Double(c.h5) / 16384) * x)
            let g = Double(c.h2) / 65536
            let k3 = 1 + (Double(c.h3) / 67108864) * x
            let k6 = 1 + (Double(c.h6) / 67108864) * x * k3
            var h = r * g * (k3 * k6)
            h = h * (1 - Double(c.h1) * h / 524288)
            humidity = h.isNaN ? failure(.outOfRange, "humidity is not a number") : .success(min(max(h, 0), 100))
        }
        return Measurement(temperature: .success(temperature), pressure: pressure, humidity: humidity, tFine: tFine)
    }
}

/// The factory calibration of one BME280 (datasheet Table 16).
public struct BME280Calibration: Sendable, Equatable {
    public var t1: UInt16, t2: Int16, t3: Int16
    public var p1: UInt16, p2: Int16, p3: Int16, p4: Int16, p5: Int16, p6: Int16, p7: Int16, p8: Int16, p9: Int16
    public var h1: UInt8, h2: Int16, h3: UInt8, h4: Int16, h5: Int16, h6: Int8

    /// Parses the 26 bytes from 0x88 and the 7 bytes from 0xE1.
    public init(block1 a: [UInt8], block2 b: [UInt8]) {
        precondition(a.count >= 26 && b.count >= 7)
        func u16(_ i: Int) -> UInt16 { UInt16(a[i]) | UInt16(a[i + 1]) << 8 }
        func s16(_ i: Int) -> Int16 { Int16(bitPattern: u16(i)) }
        t1 = u16(0); t2 = s16(2); t3 = s16(4)
        p1 = u16(6); p2 = s16(8); p3 = s16(10); p4 = s16(12); p5 = s16(14)
        p6 = s16(16); p7 = s16(18); p8 = s16(20); p9 = s16(22)
        h1 = a[25]
        h2 = Int16(bitPattern: UInt16(b[0]) | UInt16(b[1]) << 8)
        h3 = b[2]
        // dig_H4 = 0xE4[7:0] → bits 11:4, 0xE5[3:0] → bits 3:0; dig_H5 = 0xE6[7:0] → bits 11:4,
        // 0xE5[7:4] → bits 3:0. Both are 12-bit two's complement: r − 4096 when bit 11 is set.
        h4 = Self.signExtend12(Int16(b[3]) << 4 | Int16(b[4] & 0x0F))
        h5 = Self.signExtend12(Int16(b[5]) << 4 | Int16(b[4] >> 4))
        h6 = Int8(bitPattern: b[6])
    }

    static func signExtend12(_ r: Int16) -> Int16 { r & 0x800 != 0 ? r - 4096 : r }
}
