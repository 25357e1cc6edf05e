public import HAL

// The C math library only (sin, cos, exp, pow) — no devices: Drivers stays platform-free.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A board that needs no hardware: plausible Enviro+ readings computed from a seed and the
/// (virtual) time alone, so the same seed and time always give the same reading, in any order
/// and on any machine.
///
/// What it models (UTC used as local solar time, shifted by `utcOffsetHours`):
/// - temperature: a seasonal mean, a daily cycle peaking mid-afternoon, day-to-day weather
///   offsets and small noise; the BME280 reads warmer than the air because of the Pi's heat,
///   exactly as the collector's compensation (factor 2.25) expects;
/// - humidity: falls as the air warms (anti-correlated), varies with the weather;
/// - pressure: slow drift of a few hPa over days;
/// - light: daylight with passing clouds, darkness at night; proximity mostly near zero;
/// - gas: resistances in the MICS6814's usual ranges, the reducing and NH3 ones dropping at
///   rush hours;
/// - particulates: a clean background with occasional episodes (cooking, traffic, smoke) that
///   rise and decay over tens of minutes; counts consistent with the masses;
/// - faults: now and then a sensor gives no data for one reading, as a real one does.
public struct SimulatedBoard: SensorBoard {
    /// The seed; different seeds give different weather.
    public let seed: UInt64
    /// Probability that a given sensor fails a given reading.
    public let faultProbability: Double
    /// Offset of local time from UTC, hours, for the daily cycles.
    public let utcOffsetHours: Double
    /// The factor the collector's compensation divides by (docs/ARCHITECTURE.md §6).
    public static let compensationFactor = 2.25

    /// Creates a simulated board.
    public init(seed: UInt64, faultProbability: Double = 0.002, utcOffsetHours: Double = 0) {
        self.seed = seed
        self.faultProbability = faultProbability
        self.utcOffsetHours = utcOffsetHours
    }

    public func read(at time: Timestamp) async -> BoardReading { reading(at: time) }

    public func shutdown() async {}

    /// The reading at `time`, synchronously.
    public func reading(at time: Timestamp) -> BoardReading {
        var r = BoardReading(timestamp: time)
        let t = time.secondsSinceEpoch + utcOffsetHours * 3600
        let day = t / 86400
        let hour = (t.truncatingRemainder(dividingBy: 86400) + 86400).truncatingRemainder(dividingBy: 86400) / 3600
        let dayOfYear = (day.truncatingRemainder(dividingBy: 365.2425) + 365.2425).truncatingRemainder(dividingBy: 365.2425)
        let slot = Int64((time.secondsSinceEpoch / 5).rounded(.down))  // one "reading slot" per 5 s

        // Air temperature: seasonal mean (coldest mid-January), daily swing (peak 15:00),
        // weather offsets interpolated between days, jitter.
        let seasonal = 12 + 8 * -cos(2 * .pi * (dayOfYear - 15) / 365.2425)
        let weather = 3 * smooth(.weather, t / 86400)
        let swing = (5 + 2 * smooth(.cloud, t / 86400)) * cos(2 * .pi * (hour - 15) / 24)
        let air = seasonal + weather + swing + 0.08 * noise(.jitterT, slot)

        // The Pi's CPU warms with the room and wanders with load.
        let cpu = 44 + 0.5 * (air - 15) + 3 * smooth(.load, t / 900) + 0.3 * noise(.jitterCPU, slot)
        r.cpuTemperature = cpu
        // Compensation computes air = raw − (cpu − raw)/f, so raw = (f·air + cpu)/(f + 1).
        let f = Self.compensationFactor
        let raw = (f * air + cpu) / (f + 1)

        // Relative humidity of the air: drier when warmer than the day's mean, wetter weather.
        let airRH = clamp(62 - 2.2 * (air - seasonal - weather) + 12 * smooth(.humid, t / 86400) + 0.3 * noise(.jitterH, slot), 12, 99)
        // The warmer sensor sees a lower RH; the collector's dew-point correction adds 5 %/°C back.
        let rawRH = clamp(airRH - 5 * (raw - air), 0, 100)

        let pressure = 1013 + 7 * smooth(.pressureSlow, t / (4 * 86400)) + 2.5 * smooth(.pressureFast, t / 43200)
            + 0.04 * noise(.jitterP, slot)

        // Daylight between 06:00 and 18:00 (plus dawn/dusk), clouds cutting it down.
        let sun = max(0, sin(.pi * (hour - 6) / 12))
        let cloud = 0.35 + 0.65 * (0.5 + 0.5 * smooth(.cloud, t / 5400))
        let lux = sun > 0 ? 25_000 * pow(sun, 1.6) * cloud * (1 + 0.02 * noise(.jitterL, slot)) : 0.4 + 0.1 * unit(.jitterL, slot)
        let proximity = unit(.proximity, slot) < 0.01 ? 200 + 1500 * unit(.proximityLevel, slot) : (3 * unit(.proximityLevel, slot)).rounded(.down)

        // Gas: rush hours around 08:00 and 18:00 lower the reducing and NH3 resistances.
        let rush = exp(-pow((hour - 8) / 1.5, 2)) + exp(-pow((hour - 18) / 2, 2))
        let oxidised = 18 * (1 + 0.25 * smooth(.gasOx, t / 7200)) * (1 + 0.3 * rush) + 0.2 * noise(.jitterGas, slot)
        let reducing = 380 * (1 + 0.2 * smooth(.gasRed, t / 7200)) * (1 - 0.35 * rush) + 2 * noise(.jitterGas, slot &+ 1)
        let nh3 = 95 * (1 + 0.2 * smooth(.gasNH3, t / 7200)) * (1 - 0.25 * rush) + 0.8 * noise(.jitterGas, slot &+ 2)

        // Particulates: background plus episodes.
        let background = 4 + 2.5 * (1 + smooth(.pmBackground, t / 21600))
        let pm25 = max(0, (background + episodes(t) + 0.6 * noise(.jitterPM, slot)).rounded())
        let pm1 = max(0, (pm25 * 0.68 + 0.4 * noise(.jitterPM, slot &+ 1)).rounded())
        let pm10 = max(pm25, (pm25 * 1.25 + 1 + 0.6 * noise(.jitterPM, slot &+ 2)).rounded())
        let n03 = (pm1 * 135 + 90 + 20 * unit(.jitterCounts, slot)).rounded()
        let n05 = (n03 * 0.30).rounded()
        let n10 = (pm1 * 4.2 + 2 * unit(.jitterCounts, slot &+ 1)).rounded()
        let n25 = ((pm10 - pm25) * 0.9 + unit(.jitterCounts, slot &+ 2)).rounded()
        let n50 = (n25 * 0.3).rounded(.down)
        let n100 = (n50 * 0.3).rounded(.down)

        let faulty: (SensorID) -> Bool = { unit(.fault, slot &* 8 &+ Int64(SensorID.allCases.firstIndex(of: $0)!)) < faultProbability }
        if faulty(.bme280) {
            r.faults.append(SensorFault(sensor: .bme280, message: "simulated I2C error (no acknowledge)", kind: .bus(.noDevice)))
        } else {
            r.rawTemperature = raw
            r.rawHumidity = rawRH
            r.pressure = pressure
        }
        if faulty(.ltr559) {
            r.faults.append(SensorFault(sensor: .ltr559, message: "simulated I2C error (bus)", kind: .bus(.bus)))
        } else {
            r.lux = lux
            r.proximity = proximity
        }
        if faulty(.mics6814) {
            r.faults.append(SensorFault(sensor: .mics6814, message: "simulated conversion timeout", kind: .timeout))
        } else {
            r.oxidised = oxidised
            r.reducing = reducing
            r.nh3 = nh3
        }
        if faulty(.pms5003) {
            r.faults.append(SensorFault(sensor: .pms5003, message: "simulated checksum mismatch", kind: .invalidFrame))
        } else {
            r.pm1 = pm1; r.pm25 = pm25; r.pm10 = pm10
            r.particles03um = n03; r.particles05um = n05; r.particles10um = n10
            r.particles25um = n25; r.particles50um = n50; r.particles100um = n100
        }
        return r
    }

    // MARK: Deterministic noise

    /// Independent noise streams.
    enum Stream: UInt64 {
        case weather = 1, cloud, load, humid, pressureSlow, pressureFast, gasOx, gasRed, gasNH3, pmBackground
        case jitterT, jitterCPU, jitterH, jitterP, jitterL, jitterGas, jitterPM, jitterCounts
        case proximity, proximityLevel, fault, episode, episodePeak, episodeTime, episodeWidth
    }

    /// A uniform value in [0, 1) for (stream, index).
    func unit(_ stream: Stream, _ index: Int64) -> Double {
        var z = seed &+ stream.rawValue &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(bitPattern: index) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z = z ^ (z >> 31)
        return Double(z >> 11) / Double(1 << 53)
    }

    /// Uniform noise in [-1, 1).
    func noise(_ stream: Stream, _ index: Int64) -> Double { 2 * unit(stream, index) - 1 }

    /// Smooth noise in [-1, 1]: random values at integer `x`, cosine-interpolated between.
    func smooth(_ stream: Stream, _ x: Double) -> Double {
        let i = x.rounded(.down)
        let w = (1 - cos(.pi * (x - i))) / 2
        let a = noise(stream, Int64(i)), b = noise(stream, Int64(i) + 1)
        return a + (b - a) * w
    }

    /// PM2.5 added by episodes: each hour has a 6 % chance of one, peaking 15–150 µg/m³ at a
    /// random minute, rising in about a third of its width and decaying over it.
    func episodes(_ t: Double) -> Double {
        let hourIndex = Int64((t / 3600).rounded(.down))
        var total = 0.0
        for h in (hourIndex - 3)...hourIndex where unit(.episode, h) < 0.06 {
            let peakTime = Double(h) * 3600 + 3600 * unit(.episodeTime, h)
            let width = 900 + 2700 * unit(.episodeWidth, h)
            let peak = 15 + 135 * pow(unit(.episodePeak, h), 2)
            let dt = t - peakTime
            if dt < 0 {
                total += peak * exp(-pow(dt / (width / 3), 2))
            } else {
                total += peak * exp(-dt / width)
            }
        }
        return total
    }

    private func clamp(_ x: Double, _ lo: Double, _ hi: Double) -> Double { min(max(x, lo), hi) }
}
