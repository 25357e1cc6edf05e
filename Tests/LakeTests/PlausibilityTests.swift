import Testing
@testable import Lake

@Suite struct PlausibilityTests {
    @Test func rangesIncludeTheirEndsAndNaNIsNotJudged() {
        #expect(Plausibility.plausible("temperature", -40) && Plausibility.plausible("temperature", 85))
        #expect(!Plausibility.plausible("temperature", 85.01) && !Plausibility.plausible("temperature", -40.5))
        #expect(!Plausibility.plausible("humidity", 100.1) && !Plausibility.plausible("humidity", -0.1))
        #expect(!Plausibility.plausible("pressure", 299.9) && Plausibility.plausible("pressure", 1100))
        #expect(!Plausibility.plausible("oxidised", -1) && !Plausibility.plausible("nh3", 10_000.5) && Plausibility.plausible("reducing", 10_000))
        #expect(!Plausibility.plausible("lux", 64_001) && !Plausibility.plausible("proximity", 2048) && Plausibility.plausible("proximity", 2047))
        #expect(Plausibility.plausible("temperature", .nan) && Plausibility.plausible("particles_03um", 1e9))
    }

    @Test func aStuckParticleSensorIsImplausibleButCleanAirIsNot() {
        #expect(Plausibility.particulateImplausible(7, 7, 7))
        #expect(!Plausibility.particulateImplausible(0, 0, 0), "clean air reads zero on all three")
        #expect(!Plausibility.particulateImplausible(3, 7, 7))
        #expect(Plausibility.particulateImplausible(3, 1001, 7) && Plausibility.particulateImplausible(nil, nil, 1500))
        #expect(!Plausibility.particulateImplausible(nil, 7, 7), "equal only when all three are there")
        #expect(Plausibility.implausibleColumns(["pm1": 5, "pm25": 5, "pm10": 5, "temperature": 20]) == ["pm1", "pm25", "pm10"])
        #expect(Plausibility.implausibleColumns(["pm25": 5, "temperature": 90, "lux": 10]) == ["temperature"])
    }
}

@Suite struct QueryPlausibilityTests {
    /// Six readings: a good one, a stuck particle sensor, a hot one, a broken gas heater, a
    /// PM10 of 5000, and a clean-air zero.
    func lake() throws -> TempLake {
        let lake = try TempLake()
        let ts = (0..<6).map { june1 + Int64($0) * 5000 }
        try lake.writeData(station: "s", times: ts, values: [
            "pm1": [2, 9, 2, 2, 2, 0], "pm25": [4, 9, 4, 4, 4, 0], "pm10": [6, 9, 6, 6, 5000, 0],
            "temperature": [20, 20, 90, 20, 20, 20], "oxidised": [50, 50, 50, -3, 50, 50],
        ])
        return lake
    }

    @Test func implausibleValuesAreLeftOutOfTheirColumnOnlyAndCounted() throws {
        let lake = try lake()
        let r = try QueryEngine(root: lake.root).run(LakeQuery(columns: ["pm25", "temperature", "oxidised"]))
        let g = try #require(r.groups.first)
        #expect(g.count == 6, "a reading with a value left out is still a reading")
        #expect(g.aggregates[0].count == 4 && g.aggregates[0].sum == 12, "rows 1 (stuck) and 4 (PM10 5000) leave PM2.5 out")
        #expect(g.aggregates[1].count == 5 && g.aggregates[1].maximum == 20)
        #expect(g.aggregates[2].count == 5 && g.aggregates[2].minimum == 50)
        #expect(g.implausible == 4 && r.implausible == 4)
    }

    @Test func onlyTheColumnsAskedForCount() throws {
        let lake = try lake()
        let r = try QueryEngine(root: lake.root).run(LakeQuery(columns: ["temperature"]))
        #expect(r.implausible == 1 && r.groups[0].aggregates[0].count == 5)
        // PM2.5 alone is judged with PM1 and PM10, which the question did not ask for.
        let pm = try QueryEngine(root: lake.root).run(LakeQuery(columns: ["pm25"]))
        #expect(pm.implausible == 2 && pm.groups[0].aggregates[0].count == 4)
    }

    @Test func keepImplausibleAndHealthKeepEverything() throws {
        let lake = try lake()
        let r = try QueryEngine(root: lake.root).run(LakeQuery(columns: ["pm25", "temperature"], keepImplausible: true))
        #expect(r.implausible == 0 && r.groups[0].aggregates[0].count == 6 && r.groups[0].aggregates[1].maximum == 90)
    }

    @Test func theDayCacheKeepsTheTwoAnswersApart() throws {
        let lake = try lake()
        let cache = QueryCache()
        let q = LakeQuery(from: june1, to: june1 + 86_400_000, columns: ["temperature"])
        var keep = q
        keep.keepImplausible = true
        for _ in 0..<2 {
            let judged = try QueryEngine(root: lake.root, cache: cache).run(q)
            let kept = try QueryEngine(root: lake.root, cache: cache).run(keep)
            #expect(judged.groups[0].aggregates[0].maximum == 20 && judged.implausible == 1)
            #expect(kept.groups[0].aggregates[0].maximum == 90 && kept.implausible == 0)
        }
        #expect(cache.count == 2)
    }
}

@Suite struct LiveReadingTests {
    /// A reading added to an answer counts as the same reading read from a file would.
    @Test func aReadingAddedEqualsTheSameReadingInAFile() throws {
        let lake = try TempLake()
        let ts = (0..<4).map { june1 + Int64($0) * 5000 }
        let pm25: [Float?] = [4, 9, nil, 7], pm1: [Float?] = [2, 9, 1, 1], pm10: [Float?] = [6, 9, 2, 8], t: [Float?] = [20, 21, 90, 22]
        try lake.writeData(station: "s", times: Array(ts.prefix(2)), values: ["pm1": Array(pm1.prefix(2)), "pm25": Array(pm25.prefix(2)),
                                                                            "pm10": Array(pm10.prefix(2)), "temperature": Array(t.prefix(2))])
        let q = LakeQuery(from: june1, to: june1 + 3_600_000, every: .quarterHour, columns: ["temperature", "pm25"])
        var merged = try QueryEngine(root: lake.root).run(q)
        for k in 2..<4 {
            var values: [String: Double] = [:]
            for (name, column) in [("pm1", pm1), ("pm25", pm25), ("pm10", pm10), ("temperature", t)] { values[name] = column[k].map(Double.init) }
            merged.add(reading: ts[k], values: values, station: "s")
        }
        merged.add(reading: june1 + 3_600_000, values: ["temperature": 1], station: "s")  // past `to`
        merged.add(reading: june1, values: ["temperature": 1], station: "other")
        let whole = try TempLake()
        try whole.writeData(station: "s", times: ts, values: ["pm1": pm1, "pm25": pm25, "pm10": pm10, "temperature": t])
        let reference = try QueryEngine(root: whole.root).run(q)
        #expect(merged.groups.filter { $0.station == "s" } == reference.groups)
        #expect(reference.implausible == 2, "row 1 stuck, row 2 hot")
        #expect(merged.groups.count == 2 && merged.groups[0].station == "other", "stations in order, as the engine sorts them")
    }
}
