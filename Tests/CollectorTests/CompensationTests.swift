import Foundation
import CivilTime
import Config
import DurableFiles
import TestSupport
import Testing
import Collector

/// Every case of the `compensation` section of the Enviro+ reference vectors (the file is a
/// copy of Tests/DriversTests/Fixtures/enviroplus-vectors.json; any file of the same format works).
@Suite struct CompensationVectorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var index: Int
        var rawTemperature: Double
        var rawHumidity: Double
        var cpuHistory: [Double]
        var cpuNow: Double
        var factor: Double
        var expected: [String: Double]
        var testDescription: String { "case \(index)" }
    }

    static func cases() throws -> [Case] {
        let url = try #require(Bundle.module.url(forResource: "enviroplus-vectors", withExtension: "json", subdirectory: "Fixtures"))
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let section = try #require(root["compensation"] as? [String: Any])
        let cases = try #require(section["cases"] as? [[String: Any]])
        return try cases.enumerated().map { i, c in
            let input = try #require(c["inputs"] as? [String: Any])
            let expected = try #require(c["expected"] as? [String: Double])
            return Case(index: i, rawTemperature: try #require(input["raw_temperature_degC"] as? Double),
                        rawHumidity: try #require(input["raw_humidity_pct_rh"] as? Double),
                        cpuHistory: try #require(input["cpu_temperature_history_degC"] as? [Double]),
                        cpuNow: try #require(input["cpu_temperature_now_degC"] as? Double),
                        factor: try #require(input["factor_dimensionless"] as? Double), expected: expected)
        }
    }

    static func close(_ a: Double?, _ b: Double?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        return abs(a - b) <= 1e-9 * max(1, abs(b))
    }

    @Test func theSectionHasCases() throws {
        #expect(try Self.cases().count >= 5)
    }

    @Test(arguments: try cases())
    func matchesTheReference(c: Case) throws {
        // The history holds the last 5 CPU readings, the newest being "now": feed them in order.
        #expect(c.cpuHistory.last == c.cpuNow)
        var compensator = CPUHeatCompensator(factor: c.factor)
        var result: CPUHeatCompensator.Result?
        for cpu in c.cpuHistory {
            result = compensator.compensate(rawTemperature: c.rawTemperature, rawHumidity: c.rawHumidity, cpuTemperature: cpu)
        }
        let r = try #require(result)
        #expect(Self.close(r.averageCPUTemperature, c.expected["avg_cpu_temperature_degC"]))
        #expect(Self.close(r.temperature, c.expected["compensated_temperature_degC"]))
        // We follow the Python collector (clamped to 0–100), not the Pimoroni example, whose
        // value is in the file as pimoroni_example_humidity_pct_rh_no_lower_clamp.
        #expect(Self.close(r.humidity, c.expected["compensated_humidity_pct_rh"]))
        let unclamped = try #require(c.expected["pimoroni_example_humidity_pct_rh_no_lower_clamp"])
        #expect(Self.close(r.humidity, min(100, max(0, unclamped))))
    }

    @Test func firstReadingFillsTheHistory() {
        var c = CPUHeatCompensator()
        let first = c.compensate(rawTemperature: 20, rawHumidity: nil, cpuTemperature: 50)
        #expect(first.averageCPUTemperature == 50 && first.humidity == nil)
        let second = c.compensate(rawTemperature: 20, rawHumidity: 50, cpuTemperature: 55)
        #expect(second.averageCPUTemperature == 51)
        for _ in 0..<10 { _ = c.compensate(rawTemperature: 20, rawHumidity: 50, cpuTemperature: 40) }
        #expect(c.compensate(rawTemperature: 20, rawHumidity: 50, cpuTemperature: 40).averageCPUTemperature == 40)
    }
}
