public import Drivers
public import Parquet
import CivilTime
import Config
import DurableFiles
import Lake

/// One row of the sensor schema (docs/ARCHITECTURE.md §2): a UTC millisecond timestamp and the 19 sensor
/// values in column order, as FLOAT — the precision the files keep.
public struct Reading: Sendable, Equatable {
    public var timestamp: Int64
    public var values: [Float?]

    public static let valueCount = 19

    /// Where the sensor schema's column `name` sits in `values` (the timestamp is not among them).
    /// For names written in the code: an unknown one is a programming error.
    public static func valueIndex(_ name: String) -> Int {
        guard let i = LakeSchemas.sensor.index(of: name), i > 0 else {
            preconditionFailure("the sensor schema has no value column \(name)")
        }
        return i - 1
    }

    public init(timestamp: Int64, values: [Float?]) {
        precondition(values.count == Self.valueCount, "a reading has \(Self.valueCount) values")
        self.timestamp = timestamp
        self.values = values
    }

    /// A board reading with temperature and humidity filled in: compensated against the CPU
    /// temperature when `compensator` is given (and left null when the CPU temperature is
    /// unknown, rather than compensating against a guess), the raw values when it is nil
    /// (compensation switched off).
    public init(_ board: BoardReading, compensator: inout CPUHeatCompensator?) {
        var r = board
        if compensator == nil {
            r.temperature = r.rawTemperature
            r.humidity = r.rawHumidity
        } else if var c = compensator, let raw = r.rawTemperature, let cpu = r.cpuTemperature {
            let result = c.compensate(rawTemperature: raw, rawHumidity: r.rawHumidity, cpuTemperature: cpu)
            r.temperature = result.temperature
            r.humidity = result.humidity
            compensator = c
        }
        self.init(timestamp: board.timestamp.millisecondsSinceEpoch, values: r.columnValues.map { $0.map(Float.init) })
    }

    /// The columns of `readings` in schema order, for `ParquetWriter(schema: LakeSchemas.sensor)`.
    public static func columns(_ readings: [Reading]) -> [ColumnValues] {
        var out: [ColumnValues] = [.int64(readings.map(\.timestamp))]
        for i in 0..<valueCount { out.append(.float(readings.map { $0.values[i] })) }
        return out
    }
}
