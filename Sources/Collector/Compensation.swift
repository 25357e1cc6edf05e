// CPU-heat compensation of the BME280's temperature and humidity (docs/ARCHITECTURE.md §6; the facts in
// docs/enviroplus-hardware.md §7). The BME280 sits next to the Pi's CPU, which warms it:
//
//   T_comp   = T_raw − (avg_cpu − T_raw) / factor          (factor 2.25 by default)
//   dewpoint = T_raw − (100 − RH_raw) / 5
//   RH_comp  = clamp(100 − 5 · (T_comp − dewpoint), 0, 100)
//
// As the Python collector does (and unlike Pimoroni's examples), the CPU average is over the
// last 5 readings with the history filled by copies of the first one, and humidity is clamped
// below as well as above, so a hot dry day never reports a negative humidity.

import CivilTime
import Config
import DurableFiles

/// Averages the CPU temperature and compensates raw BME280 values against it.
public struct CPUHeatCompensator: Sendable {
    /// How many CPU readings the average spans.
    public static let historyLength = 5

    public let factor: Double
    private var history: [Double] = []
    private var next = 0

    /// `factor` must be > 0 (OPENSENSOR_TEMP_COMPENSATION_FACTOR, default 2.25).
    public init(factor: Double = 2.25) {
        precondition(factor > 0, "compensation factor must be > 0")
        self.factor = factor
    }

    /// The compensated values for one reading.
    public struct Result: Sendable, Equatable {
        public var averageCPUTemperature: Double
        public var temperature: Double
        /// nil when the raw humidity is unknown.
        public var humidity: Double?
    }

    /// Adds `cpuTemperature` to the history and compensates the raw values against the average.
    public mutating func compensate(rawTemperature: Double, rawHumidity: Double?, cpuTemperature: Double) -> Result {
        if history.isEmpty {
            history = Array(repeating: cpuTemperature, count: Self.historyLength)
        } else {
            history[next] = cpuTemperature
            next = (next + 1) % Self.historyLength
        }
        let average = history.reduce(0, +) / Double(Self.historyLength)
        let temperature = rawTemperature - (average - rawTemperature) / factor
        return Result(averageCPUTemperature: average, temperature: temperature,
                      humidity: rawHumidity.map { Self.humidity(rawTemperature: rawTemperature, rawHumidity: $0, compensatedTemperature: temperature) })
    }

    /// The dew-point correction of humidity, clamped to 0–100 % RH.
    public static func humidity(rawTemperature: Double, rawHumidity: Double, compensatedTemperature: Double) -> Double {
        let dewpoint = rawTemperature - (100 - rawHumidity) / 5
        return min(100, max(0, 100 - 5 * (compensatedTemperature - dewpoint)))
    }
}
