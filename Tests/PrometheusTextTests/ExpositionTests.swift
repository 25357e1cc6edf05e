import Lake
import PrometheusText
import Testing

@Suite struct ExpositionTests {
    @Test func rendersHelpTypeAndSamplesInOrder() throws {
        var page = Exposition()
        try page.add(MetricFamily("opensensor_readings_total", .counter, help: "Readings.", samples: [MetricSample(12)]))
        try page.add(MetricFamily(
            "opensensor_temperature_celsius", .gauge, help: "Air temperature.",
            samples: [MetricSample(float: 21.3, labels: [.init("station", "a")]), MetricSample(-4.25, labels: [.init("station", "b")])]))
        #expect(page.render() == """
            # HELP opensensor_readings_total Readings.
            # TYPE opensensor_readings_total counter
            opensensor_readings_total 12
            # HELP opensensor_temperature_celsius Air temperature.
            # TYPE opensensor_temperature_celsius gauge
            opensensor_temperature_celsius{station="a"} 21.3
            opensensor_temperature_celsius{station="b"} -4.25

            """)
    }

    @Test func escapesLabelValuesAndHelp() throws {
        #expect(Exposition.escapeLabelValue(#"a\b"c"# + "\nd") == #"a\\b\"c\nd"#)
        #expect(Exposition.escapeLabelValue("plain µg/m³") == "plain µg/m³")
        // HELP keeps quotes as they are: only backslash and line feed are escaped.
        #expect(Exposition.escapeHelp("say \"hi\"\\\nnext") == #"say "hi"\\\nnext"#)
        var page = Exposition()
        try page.add(MetricFamily("m", .gauge, help: "two\nlines", samples: [MetricSample(1, labels: [.init("l", "x\"y")])]))
        #expect(page.render() == "# HELP m two\\nlines\n# TYPE m gauge\nm{l=\"x\\\"y\"} 1\n")
    }

    @Test func formatsValuesAsPrometheusParsesThem() {
        #expect(Exposition.format(3) == "3")
        #expect(Exposition.format(-0.0) == "0")
        #expect(Exposition.format(0.1) == "0.1")
        #expect(Exposition.format(1.5e-7) == "1.5e-07")
        #expect(Exposition.format(.nan) == "NaN")
        #expect(Exposition.format(.infinity) == "+Inf")
        #expect(Exposition.format(-.infinity) == "-Inf")
        #expect(Exposition.format(1e20) == "1e+20")
        // A FLOAT keeps its own short spelling, scaled or not.
        #expect(Exposition.format(MetricSample(float: 21.3).value) == "21.3")
        #expect(Exposition.format(MetricSample(float: 1013.25, scale: 100).value) == "101325")
        #expect(Exposition.format(MetricSample(float: 45, scale: 0.01).value) == "0.45")
        #expect(Exposition.format(MetricSample(float: 5.2, scale: 1e-6).value) == "5.2e-06")
    }

    @Test func refusesInvalidNames() {
        var page = Exposition()
        #expect(throws: ExpositionError.invalidMetricName("1abc")) { try page.add(MetricFamily("1abc", .gauge, help: "", samples: [MetricSample(1)])) }
        #expect(throws: ExpositionError.invalidMetricName("a-b")) { try page.add(MetricFamily("a-b", .gauge, help: "", samples: [MetricSample(1)])) }
        #expect(throws: ExpositionError.invalidLabelName(metric: "m", label: "__name")) {
            try page.add(MetricFamily("m", .gauge, help: "", samples: [MetricSample(1, labels: [.init("__name", "x")])]))
        }
        #expect(throws: ExpositionError.invalidLabelName(metric: "m", label: "a:b")) {
            try page.add(MetricFamily("m", .gauge, help: "", samples: [MetricSample(1, labels: [.init("a:b", "x")])]))
        }
        #expect(Exposition.isValidMetricName("ns:sub_total"))
        #expect(!Exposition.isValidMetricName(""))
        #expect(Exposition.isValidLabelName("_x1"))
        #expect(page.families.isEmpty)
    }

    @Test func refusesDuplicateFamiliesAndSeries() throws {
        var page = Exposition()
        try page.add(MetricFamily("m", .gauge, help: "", samples: [MetricSample(1)]))
        #expect(throws: ExpositionError.duplicateFamily("m")) { try page.add(MetricFamily("m", .gauge, help: "", samples: [MetricSample(2)])) }
        // The same labels in another order are the same series.
        #expect(throws: ExpositionError.duplicateSeries(metric: "n", labels: #"a="1",b="2""#)) {
            try page.add(MetricFamily("n", .gauge, help: "", samples: [
                MetricSample(1, labels: [.init("a", "1"), .init("b", "2")]), MetricSample(2, labels: [.init("b", "2"), .init("a", "1")]),
            ]))
        }
        #expect(throws: ExpositionError.repeatedLabel(metric: "o", label: "a")) {
            try page.add(MetricFamily("o", .gauge, help: "", samples: [MetricSample(1, labels: [.init("a", "1"), .init("a", "2")])]))
        }
        // An empty family is left out rather than written as a HELP and TYPE with nothing under them.
        try page.add(MetricFamily("empty", .gauge, help: "", samples: []))
        #expect(page.families.map(\.name) == ["m"])
        #expect(page.render().hasSuffix("\n"))
    }

    @Test func everySensorColumnHasOneValidGauge() throws {
        let columns = LakeSchemas.sensor.columns.map(\.name).dropFirst()
        #expect(MeasurementGauge.all.map(\.column) == Array(columns))
        #expect(Set(MeasurementGauge.all.map(\.name)).count == MeasurementGauge.all.count)
        for g in MeasurementGauge.all { #expect(Exposition.isValidMetricName(g.name), "\(g.name)") }
    }

    @Test func gaugesOfStationsSkipMissingValues() throws {
        let rows: [String: [String: Float]] = [
            "s1": ["temperature": 20.5, "pressure": 1000.5, "humidity": 45],
            "s2": ["temperature": 19, "pm25": .nan],
        ]
        let families = MeasurementGauge.families(stations: ["s1", "s2"]) { rows[$0] ?? [:] }
        #expect(families.map(\.name) == ["opensensor_temperature_celsius", "opensensor_pressure_pascals", "opensensor_humidity_ratio"])
        #expect(families[0].samples.map(\.value) == [20.5, 19])
        #expect(families[1].samples == [MetricSample(100_050, labels: [.init("station", "s1")])])
        #expect(families[2].samples.map(\.value) == [0.45])
        var page = Exposition()
        for f in families { try page.add(f) }
    }

    @Test func residentMemoryFromStatm() {
        let resident: Int64? = ProcessMemory.residentBytes(statm: "5120 812 300 100 0 600 0\n", pageSize: 4096)
        #expect(resident == Int64(812 * 4096))
        #expect(ProcessMemory.residentBytes(statm: "garbage", pageSize: 4096) == nil)
        #expect(ProcessMemory.residentBytes(statm: "", pageSize: 4096) == nil)
        // This process has some.
        #expect((ProcessMemory.residentBytes() ?? 0) > 1 << 20)
    }
}
