import Testing
@testable import Dashboard

@Suite struct SparklineTests {
    let step = 5 * chartMinute

    func axis(_ buckets: Int) -> TimeAxis {
        TimeAxis(from: chartJune3at1305, to: chartJune3at1305 + Int64(buckets) * step, step: step, zone: .fixed(minutes: 60))
    }

    func series(_ values: [Double?]) -> ChartSeries {
        ChartSeries(key: "pm25", label: "PM2.5 <fine>", points: values.enumerated().map {
            ChartPoint(t: chartJune3at1305 + Int64($0.offset) * step, value: $0.element)
        })
    }

    @Test func followsTheGapRulesWithoutText() throws {
        let svg = Sparkline.render(series([1, 2, nil, 4, .nan, 5, 6, 7]), axis: axis(8))
        let root = try ChartXML.parse(svg)
        #expect(root["class"] == "spark")
        #expect(root["viewBox"] == "0 0 120 32")
        #expect(root["preserveAspectRatio"] == "none")
        #expect(root["data-series"] == "pm25")
        #expect(root["data-points"] == "6")
        #expect(root.all("text").isEmpty && root.all("g").isEmpty)
        let paths = root.all("path")
        #expect(paths.count == 1)
        let cmds = chartPathCommands(paths[0]["d"] ?? "")
        #expect(cmds.map(\.cmd) == ["M", "L", "M", "M", "L", "L"])
        #expect(cmds.allSatisfy { $0.x >= 0 && $0.x <= 120 && $0.y >= 0 && $0.y <= 32 })
        // Highest value at the top, lowest at the bottom, x at bucket centres.
        #expect(cmds.map(\.y).min() == cmds.last!.y)
        #expect(cmds.map(\.y).max() == cmds.first!.y)
        #expect(abs(cmds[0].x - 120.0 / 16) <= 0.1)
    }

    @Test func missingBucketsSplitAndFlatStaysInside() throws {
        let points = [0, 1, 2, 5, 6].map { ChartPoint(t: chartJune3at1305 + Int64($0) * step, value: 3) }
        let root = try ChartXML.parse(Sparkline.render(ChartSeries(key: "k", label: "K", points: points), axis: axis(7)))
        let cmds = chartPathCommands(root.all("path").first?["d"] ?? "")
        #expect(cmds.map(\.cmd) == ["M", "L", "L", "M", "L"])
        #expect(cmds.allSatisfy { $0.y == 16 })
    }

    @Test func emptySeries() throws {
        let root = try ChartXML.parse(Sparkline.render(series([nil, nil]), axis: axis(2)))
        #expect(root["data-points"] == "0")
        #expect(root.all("path").first?["d"] == "")
    }
}
