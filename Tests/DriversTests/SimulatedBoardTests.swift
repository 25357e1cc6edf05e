import Drivers
import HAL
import Testing

@Suite struct SimulatedBoardTests {
    /// 2026-06-01 00:00 UTC.
    static let midnight: Int64 = 1_780_272_000_000

    static func day(_ board: SimulatedBoard, start: Int64 = midnight, step: Int64 = 300_000) -> [BoardReading] {
        (0..<Int(86_400_000 / step)).map { board.reading(at: Timestamp(millisecondsSinceEpoch: start + Int64($0) * step)) }
    }

    @Test func sameSeedAndTimeGiveTheSameReadingInAnyOrder() async {
        let a = SimulatedBoard(seed: 42, faultProbability: 0.05)
        let b = SimulatedBoard(seed: 42, faultProbability: 0.05)
        let times = (0..<50).map { Timestamp(millisecondsSinceEpoch: Self.midnight + Int64($0) * 5_000) }
        let forward = times.map { a.reading(at: $0) }
        var backward: [BoardReading] = []
        for t in times.reversed() { backward.append(await b.read(at: t)) }
        #expect(forward == backward.reversed())
        let other = times.map { SimulatedBoard(seed: 43, faultProbability: 0.05).reading(at: $0) }
        #expect(forward != other)
    }

    @Test func valuesArePlausible() {
        let board = SimulatedBoard(seed: 7, faultProbability: 0)
        for r in Self.day(board) {
            #expect(r.faults.isEmpty)
            let raw = try! #require(r.rawTemperature), cpu = try! #require(r.cpuTemperature)
            let air = raw - (cpu - raw) / SimulatedBoard.compensationFactor
            #expect((-15...45).contains(air), "air \(air) °C")
            #expect(cpu > raw && raw > air, "the sensor sits between the air and the CPU")
            #expect((0...100).contains(r.rawHumidity!))
            #expect((975...1050).contains(r.pressure!))
            #expect(r.lux! >= 0 && r.proximity! >= 0)
            #expect((5...60).contains(r.oxidised!) && (100...700).contains(r.reducing!) && (30...200).contains(r.nh3!))
            #expect(r.pm1! <= r.pm25! && r.pm25! <= r.pm10!)
            #expect(r.particles03um! >= r.particles05um! && r.particles05um! >= r.particles10um!)
            #expect(r.temperature == nil && r.humidity == nil)
        }
    }

    @Test func dailyCyclesOfTemperatureAndLight() {
        for seed: UInt64 in [1, 2, 3] {
            let readings = Self.day(SimulatedBoard(seed: seed, faultProbability: 0))
            // Readings every 5 minutes: index 12 per hour.
            let night = readings[(2 * 12)..<(5 * 12)], afternoon = readings[(13 * 12)..<(16 * 12)]
            let mean = { (s: ArraySlice<BoardReading>, k: KeyPath<BoardReading, Double?>) in s.map { $0[keyPath: k]! }.reduce(0, +) / Double(s.count) }
            #expect(mean(afternoon, \.rawTemperature) > mean(night, \.rawTemperature) + 3)
            #expect(mean(night, \.lux) < 5)
            #expect(mean(readings[(11 * 12)..<(13 * 12)], \.lux) > 2_000)
        }
    }

    @Test func humidityFallsAsTemperatureRises() {
        let readings = Self.day(SimulatedBoard(seed: 11, faultProbability: 0))
        let t = readings.map { $0.rawTemperature! }, h = readings.map { $0.rawHumidity! }
        let mt = t.reduce(0, +) / Double(t.count), mh = h.reduce(0, +) / Double(h.count)
        let cov = zip(t, h).map { ($0 - mt) * ($1 - mh) }.reduce(0, +)
        let r = cov / (sqrt(t.map { ($0 - mt) * ($0 - mt) }.reduce(0, +)) * sqrt(h.map { ($0 - mh) * ($0 - mh) }.reduce(0, +)))
        #expect(r < -0.5, "correlation \(r)")
    }

    @Test func pressureDriftsSlowly() {
        let readings = Self.day(SimulatedBoard(seed: 5, faultProbability: 0))
        let steps = zip(readings, readings.dropFirst()).map { abs($1.pressure! - $0.pressure!) }
        #expect(steps.max()! < 0.5, "no jumps between 5-minute readings")
    }

    @Test func particulateEpisodesHappen() {
        let board = SimulatedBoard(seed: 3, faultProbability: 0)
        var high = 0, total = 0
        for d in 0..<20 {
            for r in Self.day(board, start: Self.midnight + Int64(d) * 86_400_000, step: 600_000) {
                total += 1
                if r.pm25! > 25 { high += 1 }
            }
        }
        #expect(high > 0 && Double(high) / Double(total) < 0.2, "\(high) of \(total) readings in episodes")
    }

    @Test func faultsOccurAtTheConfiguredRate() {
        let board = SimulatedBoard(seed: 9, faultProbability: 0.05)
        let readings = (0..<2000).map { board.reading(at: Timestamp(millisecondsSinceEpoch: Self.midnight + Int64($0) * 5_000)) }
        let bmeFaults = readings.filter { r in r.faults.contains { $0.sensor == .bme280 } }
        #expect((50...150).contains(bmeFaults.count), "\(bmeFaults.count) BME280 faults in 2000 readings")
        #expect(bmeFaults.allSatisfy { $0.rawTemperature == nil && $0.pressure == nil && $0.lux != nil || $0.faults.contains { $0.sensor == .ltr559 } })
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
