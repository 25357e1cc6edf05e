import Collector
import Display
import Drivers
import HAL
import StationDisplay
import Testing

@Suite struct ReadingValuesTests {
    @Test func takesTheCompensatedColumnsOfAReading() {
        var board = BoardReading(timestamp: Timestamp(millisecondsSinceEpoch: 1_765_000_000_000))
        board.rawTemperature = 30; board.rawHumidity = 40; board.cpuTemperature = 50
        board.pressure = 1001.5; board.pm25 = 7; board.oxidised = 12.5; board.reducing = 300; board.nh3 = 80; board.lux = 250
        var compensator: CPUHeatCompensator? = CPUHeatCompensator(factor: 2.25)
        let reading = Reading(board, compensator: &compensator)
        let v = DisplayValues(reading)
        #expect(v.timestamp == 1_765_000_000_000)
        // 30 − (50 − 30)/2.25 = 21.11…: the compensated value, not the raw one.
        #expect(abs(v.temperature! - 21.111) < 0.01)
        #expect(v.humidity != nil && v.humidity != 40)
        #expect(v.pressure == 1001.5 && v.pm25 == 7 && v.oxidised == 12.5 && v.reducing == 300 && v.nh3 == 80 && v.lux == 250)
        #expect(DisplayValues(Reading(timestamp: 5, values: Array(repeating: nil, count: Reading.valueCount))) == DisplayValues(timestamp: 5))
    }
}
