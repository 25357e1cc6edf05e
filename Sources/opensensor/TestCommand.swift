// `opensensor test`: read the board (or the simulated one) and show what it reads, like the
// Python collector's `test` command. A live table refreshed in place on a terminal, plain lines
// otherwise, or one JSON object per reading with --json.

import ArgumentParser
import CivilTime
import Drivers
import HAL
import JSONText
import Lake
import LinuxHAL
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

struct TestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Read the sensors and show the readings.",
        discussion: """
            Reads every sensor of the Enviro+ board every --interval seconds. On a terminal the \
            readings are shown as a table refreshed in place; otherwise one line per reading. \
            Temperature and humidity are the sensor's raw values (the collector compensates them \
            for the Pi's heat). The PMS5003 port comes from OPENSENSOR_PMS5003_DEVICE (default \
            /dev/serial0). Use --simulate on a machine without the board.
            """)

    @Flag(help: "Read a simulated board instead of the hardware.")
    var simulate = false

    @Flag(help: "Take one reading and exit.")
    var once = false

    @Option(help: "Take this many readings and exit.")
    var count: Int?

    @Flag(help: "Print one JSON object per reading.")
    var json = false

    @Option(help: "Seconds between readings (1-60).")
    var interval: Int = 5

    @Option(help: "Seed of the simulated board (with --simulate).")
    var seed: UInt64 = 1

    func validate() throws {
        if once, count != nil { throw ValidationError("--once and --count cannot be used together") }
        if let count, count < 1 { throw ValidationError("--count must be at least 1, got \(count)") }
        if !(1...60).contains(interval) { throw ValidationError("--interval must be 1-60 seconds, got \(interval)") }
    }

    /// Set by SIGINT/SIGTERM so the loop can turn the heater off before exiting.
    static let stopRequested = Atomic<Bool>(false)

    func run() async throws {
        let limit = once ? 1 : count
        let board: any SensorBoard
        let source: String
        if simulate {
            board = SimulatedBoard(seed: seed)
            source = "simulated board (seed \(seed))"
        } else {
            let i2c = "/dev/i2c-1"
            guard access(i2c, F_OK) == 0 else {
                Self.printError("""
                    No Enviro+ board found: \(i2c) does not exist (I2C is turned off, or this is not a \
                    Raspberry Pi). Turn I2C on with 'sudo raspi-config nonint do_i2c 0' and reboot, or \
                    run 'opensensor test --simulate' to see simulated readings.
                    """)
                throw ExitCode.failure
            }
            let serial = Self.environment("OPENSENSOR_PMS5003_DEVICE") ?? BoardDevices.defaultSerialPath
            board = EnviroPlus(devices: .linux(i2cPath: i2c, serialPath: serial), clock: SystemClock())
            source = "Enviro+ on \(i2c), PMS5003 on \(serial)"
        }

        signal(SIGINT) { _ in TestCommand.stopRequested.store(true, ordering: .relaxed) }
        signal(SIGTERM) { _ in TestCommand.stopRequested.store(true, ordering: .relaxed) }

        let live = !json && isatty(STDOUT_FILENO) == 1
        var taken = 0
        while !Self.stopRequested.load(ordering: .relaxed) {
            let reading = await board.read(at: Self.now())
            taken += 1
            if json {
                print(Self.json(reading))
            } else if live {
                print("\u{1B}[H\u{1B}[J" + Self.table(reading, source: source, number: taken, limit: limit), terminator: "")
            } else {
                print(Self.line(reading))
            }
            fflush(nil)  // all output streams; `stdout` itself is not concurrency-safe to name
            if !simulate, taken == 1, Set(reading.faults.map(\.sensor)).isSuperset(of: [.bme280, .ltr559, .mics6814, .pms5003]) {
                await board.shutdown()
                Self.printError("""
                    No sensor answered; is the Enviro+ board fitted? \
                    \(reading.faults.map(\.description).joined(separator: "; ")). \
                    Run 'opensensor test --simulate' on a machine without the board.
                    """)
                throw ExitCode.failure
            }
            if let limit, taken >= limit { break }
            // Sleep in short steps so Ctrl-C is noticed promptly.
            var waited = 0
            while waited < interval * 10, !Self.stopRequested.load(ordering: .relaxed) {
                try await Task.sleep(for: .milliseconds(100))
                waited += 1
            }
        }
        await board.shutdown()
    }

    // MARK: Output

    /// Rows of the table: sensor, quantity, value, unit.
    static func rows(_ r: BoardReading) -> [(String, String, Double?, String)] {
        [
            ("BME280", "temperature (raw)", r.rawTemperature, "°C"),
            ("", "pressure", r.pressure, "hPa"),
            ("", "humidity (raw)", r.rawHumidity, "%"),
            ("LTR559", "light", r.lux, "lux"),
            ("", "proximity", r.proximity, ""),
            ("MICS6814", "oxidising", r.oxidised, "kΩ"),
            ("", "reducing", r.reducing, "kΩ"),
            ("", "NH3", r.nh3, "kΩ"),
            ("PMS5003", "PM1.0", r.pm1, "µg/m³"),
            ("", "PM2.5", r.pm25, "µg/m³"),
            ("", "PM10", r.pm10, "µg/m³"),
            ("", "> 0.3 µm", r.particles03um, "/0.1 L"),
            ("", "> 0.5 µm", r.particles05um, "/0.1 L"),
            ("", "> 1.0 µm", r.particles10um, "/0.1 L"),
            ("", "> 2.5 µm", r.particles25um, "/0.1 L"),
            ("", "> 5.0 µm", r.particles50um, "/0.1 L"),
            ("", "> 10 µm", r.particles100um, "/0.1 L"),
            ("CPU", "temperature", r.cpuTemperature, "°C"),
        ]
    }

    static func table(_ r: BoardReading, source: String, number: Int, limit: Int?) -> String {
        var out = "opensensor test: \(source)\n"
        out += "reading \(number)\(limit.map { " of \($0)" } ?? "") at \(ISO8601.format(millis: r.timestamp.millisecondsSinceEpoch))\n\n"
        for (sensor, quantity, value, unit) in rows(r) {
            out += pad(sensor, 10) + pad(quantity, 20) + pad(format(value), 12, right: true) + "  " + unit + "\n"
        }
        out += "\n" + (r.faults.isEmpty ? "all sensors OK" : r.faults.map { "fault: \($0)" }.joined(separator: "\n")) + "\n"
        out += limit == nil ? "Ctrl-C to stop\n" : ""
        return out
    }

    static func line(_ r: BoardReading) -> String {
        var parts = [ISO8601.format(millis: r.timestamp.millisecondsSinceEpoch)]
        for (name, value) in zip(BoardReading.columnNames, r.columnValues) where value != nil {
            parts.append("\(name)=\(format(value))")
        }
        parts.append("cpu_temperature=\(format(r.cpuTemperature))")
        if !r.faults.isEmpty { parts.append("faults=" + r.faults.map(\.description).joined(separator: "; ")) }
        return parts.joined(separator: " ")
    }

    static func json(_ r: BoardReading) -> String {
        let j = JSONWriter()
        j.object {
            j.field("timestamp") { j.string(ISO8601.format(millis: r.timestamp.millisecondsSinceEpoch)) }
            // A missing value, NaN or infinity is null.
            for (name, value) in zip(BoardReading.columnNames, r.columnValues) { j.field(name) { j.number(value) } }
            j.field("cpu_temperature") { j.number(r.cpuTemperature) }
            j.field("faults") {
                j.array(r.faults) { f in
                    j.object {
                        j.field("sensor") { j.string(f.sensor.rawValue) }
                        j.field("message") { j.string(f.message) }
                        j.field("consecutive_failures") { j.number(f.consecutiveFailures) }
                    }
                }
            }
        }
        return j.out
    }

    /// Two decimals, or "-" for a missing value.
    static func format(_ v: Double?) -> String {
        guard let v, v.isFinite else { return "-" }
        let scaled = (v * 100).rounded()
        let sign = scaled < 0 ? "-" : ""
        let a = abs(scaled)
        let whole = Int(a / 100), frac = Int(a.truncatingRemainder(dividingBy: 100))
        return "\(sign)\(whole).\(frac < 10 ? "0" : "")\(frac)"
    }

    static func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - s.count))
        return right ? fill + s : s + fill
    }

    // MARK: System

    static func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(millisecondsSinceEpoch: Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000)
    }

    static func environment(_ name: String) -> String? {
        guard let v = getenv(name) else { return nil }
        let s = String(cString: v)
        return s.isEmpty ? nil : s
    }

    static func printError(_ message: String) {
        StderrText.write("opensensor test: " + message + "\n")
    }
}
