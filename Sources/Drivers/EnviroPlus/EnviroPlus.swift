public import HAL

/// The Pimoroni Enviro+ board: BME280 (0x76), LTR559 (0x23) and ADS1015/ADS1115 (0x49, with
/// the MICS6814 heater on GPIO24) on one I2C bus, and a PMS5003 on a serial port with enable
/// on GPIO22 and reset on GPIO27 (`docs/enviroplus-hardware.md` §1).
///
/// Each sensor is set up on first use. A sensor that fails gives nil fields and a fault; it is
/// then dropped and set up again on a later reading, after a backoff that doubles from
/// `Configuration.initialBackoff` to `maximumBackoff` on the injected clock. The other sensors
/// carry on.
public actor EnviroPlus: SensorBoard {
    /// Board settings.
    public struct Configuration: Sendable {
        /// The ADC model, or nil to detect it.
        public var adcModel: ADS1x15.Model?
        /// The BME280 address (0x76 on the Enviro+).
        public var bme280Address: UInt8
        /// Backoff after the first failure of a sensor.
        public var initialBackoff: Duration
        /// Backoff ceiling.
        public var maximumBackoff: Duration

        /// Creates a configuration.
        public init(
            adcModel: ADS1x15.Model? = nil, bme280Address: UInt8 = BME280.defaultAddress,
            initialBackoff: Duration = .seconds(5), maximumBackoff: Duration = .seconds(300)
        ) {
            self.adcModel = adcModel
            self.bme280Address = bme280Address
            self.initialBackoff = initialBackoff
            self.maximumBackoff = maximumBackoff
        }
    }

    /// GPIO line names and consumer labels, as the reference code requests them.
    public enum Lines {
        public static let heater = "GPIO24", pmsEnable = "GPIO22", pmsReset = "GPIO27"
        static let heaterConsumer = "EnviroPlus", enableConsumer = "PMS5003_en", resetConsumer = "PMS5003_rst"
    }

    private struct Health {
        var failures = 0
        var retryAt: Duration?
        var lastError = ""
        var lastKind: SensorError.Kind?
    }

    private let devices: BoardDevices
    private let clock: any HALClock
    private let configuration: Configuration
    private var bus: (any I2CBus)?
    private var gpio: (any GPIOChip)?
    private var bme: BME280?
    private var ltr: LTR559?
    private var adc: ADS1x15?
    private var pms: PMS5003?
    private var lines: [String: any GPIOOutputLine] = [:]
    private var health: [SensorID: Health] = [:]

    /// Creates a board over `devices`; nothing is opened until the first reading.
    public init(devices: BoardDevices, clock: any HALClock, configuration: Configuration = .init()) {
        self.devices = devices
        self.clock = clock
        self.configuration = configuration
    }

    public func read(at time: Timestamp) async -> BoardReading {
        var r = BoardReading(timestamp: time)
        do throws(BusError) { r.cpuTemperature = try devices.cpuTemperature() } catch {
            r.faults.append(SensorFault(sensor: .cpu, message: "\(error)", kind: .bus(error.kind), consecutiveFailures: 1))
        }
        await attempt(.bme280, into: &r) { r in try await self.readBME280(into: &r) }
        await attempt(.ltr559, into: &r) { r in try await self.readLTR559(into: &r) }
        await attempt(.mics6814, into: &r) { r in try await self.readGas(into: &r) }
        await attempt(.pms5003, into: &r) { r in try await self.readPMS5003(into: &r) }
        return r
    }

    public func shutdown() async {
        // The reference drives the heater low at exit; the PMS5003 lines are just released.
        if let heater = lines[Lines.heater] { try? heater.set(false) }
        for line in lines.values { try? line.release() }
        lines.removeAll()
        bme = nil; ltr = nil; adc = nil; pms = nil; bus = nil; gpio = nil
    }

    /// Runs one sensor's read (setting it up first when needed), keeping its health.
    private func attempt(_ id: SensorID, into r: inout BoardReading, _ body: (inout BoardReading) async throws -> Void) async {
        var h = health[id] ?? Health()
        if let retryAt = h.retryAt, clock.now() < retryAt {
            r.faults.append(SensorFault(sensor: id, message: h.lastError, kind: h.lastKind, consecutiveFailures: h.failures, isBackingOff: true))
            return
        }
        var partial = r
        do {
            try await body(&partial)
            r = partial
            h = Health()
        } catch {
            var error: any Error = error
            if let p = error as? PartialReading {
                // Some quantities were fine: keep them; the failed ones stay nil.
                r = partial
                error = p.error
            } else {
                r.faults.append(contentsOf: partial.faults.dropFirst(r.faults.count))
            }
            h.failures += 1
            h.lastError = "\(error)"
            h.lastKind = (error as? SensorError)?.kind
            let exponent = min(h.failures - 1, 20)
            let backoff = min(configuration.initialBackoff * (1 << exponent), configuration.maximumBackoff)
            h.retryAt = clock.now() + backoff
            drop(id)
            r.faults.append(SensorFault(sensor: id, message: h.lastError, kind: h.lastKind, consecutiveFailures: h.failures))
        }
        health[id] = h
    }

    /// Thrown by a sensor read that filled some fields but failed others.
    private struct PartialReading: Error {
        let error: SensorError
    }

    private func drop(_ id: SensorID) {
        switch id {
        case .bme280: bme = nil
        case .ltr559: ltr = nil
        case .mics6814: adc = nil
        case .pms5003: pms = nil
        case .cpu: break
        }
    }

    private func i2c() throws -> any I2CBus {
        if let bus { return bus }
        do throws(BusError) {
            let b = try devices.openI2CBus()
            bus = b
            return b
        } catch {
            throw SensorError(sensor: "I2C", during: "opening the bus", error)
        }
    }

    private func line(_ name: String, consumer: String, initialHigh: Bool, for sensor: String) throws -> any GPIOOutputLine {
        if let l = lines[name] { return l }
        do throws(BusError) {
            let chip: any GPIOChip
            if let gpio { chip = gpio } else {
                chip = try devices.openGPIOChip()
                gpio = chip
            }
            let l = try chip.requestOutput(line: name, consumer: consumer, initialHigh: initialHigh)
            lines[name] = l
            return l
        } catch {
            throw SensorError(sensor: sensor, during: "requesting \(name)", error)
        }
    }

    private func readBME280(into r: inout BoardReading) async throws {
        let driver: BME280
        if let bme { driver = bme } else {
            driver = BME280(device: try i2c().device(at: configuration.bme280Address), clock: clock)
            try await driver.setUp()
            bme = driver
        }
        let m = try await driver.read()
        r.rawTemperature = try? m.temperature.get()
        r.pressure = try? m.pressure.get()
        r.rawHumidity = try? m.humidity.get()
        // A quantity the chip could not give counts as a failure, so calibration is read again.
        for case .failure(let e) in [m.temperature, m.pressure, m.humidity] { throw PartialReading(error: e) }
    }

    private func readLTR559(into r: inout BoardReading) async throws {
        let driver: LTR559
        if let ltr { driver = ltr } else {
            driver = LTR559(device: try i2c().device(at: LTR559.defaultAddress), clock: clock)
            try await driver.setUp()
            ltr = driver
        }
        let m = try await driver.read()
        r.lux = m.lux
        r.proximity = Double(m.proximity)
    }

    private func readGas(into r: inout BoardReading) async throws {
        let driver: ADS1x15
        if let adc { driver = adc } else {
            driver = ADS1x15(device: try i2c().device(at: ADS1x15.enviroPlusAddress), model: configuration.adcModel, clock: clock)
            try await driver.setUp()
            // The heater goes on once the ADC answers, as enviroplus gas.setup() does.
            _ = try line(Lines.heater, consumer: Lines.heaterConsumer, initialHigh: true, for: "MICS6814")
            adc = driver
        }
        var outOfRange: [String] = []
        for (channel, name) in [(ADS1x15.Channel.in0, "oxidised"), (.in1, "reducing"), (.in2, "nh3")] {
            let v = try await driver.voltage(channel)
            let kohm = MICS6814.resistanceKiloOhms(voltage: v)
            switch channel {
            case .in0: r.oxidised = kohm
            case .in1: r.reducing = kohm
            default: r.nh3 = kohm
            }
            if kohm == nil { outOfRange.append("\(name) \(v) V") }
        }
        if !outOfRange.isEmpty {
            r.faults.append(SensorFault(
                sensor: .mics6814, message: "outside the 0…3.3 V divider range: " + outOfRange.joined(separator: ", "),
                kind: .outOfRange, consecutiveFailures: 0))
        }
    }

    private func readPMS5003(into r: inout BoardReading) async throws {
        let driver: PMS5003
        if let pms { driver = pms } else {
            let enable = try line(Lines.pmsEnable, consumer: Lines.enableConsumer, initialHigh: true, for: PMS5003.name)
            let reset = try line(Lines.pmsReset, consumer: Lines.resetConsumer, initialHigh: false, for: PMS5003.name)
            let port: any SerialPort
            do throws(BusError) { port = try devices.openSerialPort() } catch {
                throw SensorError(sensor: PMS5003.name, during: "opening the serial port", error)
            }
            driver = PMS5003(port: port, enable: enable, reset: reset, clock: clock)
            try await driver.setUp()
            pms = driver
        }
        r.apply(try await driver.readLatest())
    }
}
