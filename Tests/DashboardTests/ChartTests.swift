import Testing
@testable import Dashboard

private func spec(_ series: [ChartSeries], from: Int64 = chartJune3at1305, span: Int64 = chartDay, step: Int64 = 5 * chartMinute,
                  offset: Int = 0, unit: String = "°C", includeZero: Bool = false, title: String = "Temperature") -> ChartSpec {
    ChartSpec(id: "temp", title: title, unit: unit, series: series,
              axis: TimeAxis(from: from, to: from + span, step: step, zone: .fixed(minutes: offset)), includeZero: includeZero)
}

/// Points at consecutive buckets from `from`; nil entries stay present as nil.
private func series(_ values: [Double?], key: String = "temperature", label: String = "Temperature",
                    from: Int64 = chartJune3at1305, step: Int64 = 5 * chartMinute) -> ChartSeries {
    ChartSeries(key: key, label: label, points: values.enumerated().map { ChartPoint(t: from + Int64($0.offset) * step, value: $0.element) })
}

private func render(_ s: ChartSpec) throws -> ChartXMLNode { try ChartXML.parse(SVGChart.render(s)) }

private func paths(_ root: ChartXMLNode) -> [ChartXMLNode] { root.all("path", class: "series") }

private func count(_ d: String, _ letter: Character) -> Int { d.reduce(0) { $0 + ($1 == letter ? 1 : 0) } }

@Suite struct ChartTests {
    @Test func rootCarriesTheContractAttributes() throws {
        let s = spec([series([1, 2, 3])], offset: 60)
        let root = try render(s)
        #expect(root.name == "svg")
        #expect(root["xmlns"] == "http://www.w3.org/2000/svg")
        #expect(root["class"] == "chart")
        #expect(root["id"] == "chart-temp")
        #expect(root["role"] == "img")
        #expect(root["aria-labelledby"] == "chart-temp-title")
        #expect(root["data-from"] == String(s.axis.from))
        #expect(root["data-to"] == String(s.axis.to))
        #expect(root["data-step"] == String(s.axis.step))
        #expect(root["data-offset"] == "60")
        let title = try #require(root.children.first)
        #expect(title.name == "title")
        #expect(title["id"] == "chart-temp-title")
        #expect(title.text == "Temperature (°C)")
        let box = (root["viewBox"] ?? "").split(separator: " ").compactMap { Double($0) }
        #expect(box.count == 4 && box[2] <= 520)
        let unitless = try render(spec([series([1])], unit: "", title: "Proximity"))
        #expect(unitless.children.first?.text == "Proximity")
    }

    @Test func vertexCountsEqualDataPoints() throws {
        var rng = ChartRNG(state: 42)
        for round in 0..<20 {
            var all: [ChartSeries] = []
            var expected: [Int] = []
            for k in 0..<(1 + round % 9) {
                var points: [ChartPoint] = []
                var finite = 0
                for b in 0..<288 {
                    let roll = Int.random(in: 0..<10, using: &rng)
                    if roll == 0 { continue }  // missing bucket
                    let v: Double? = roll == 1 ? nil : (roll == 2 ? .nan : Double.random(in: -20...40, using: &rng))
                    if let v, v.isFinite { finite += 1 }
                    points.append(ChartPoint(t: chartJune3at1305 + Int64(b) * 5 * chartMinute, value: v))
                }
                all.append(ChartSeries(key: "k\(k)", label: "Series \(k)", points: points))
                expected.append(finite)
            }
            let root = try render(spec(all))
            let ps = paths(root)
            #expect(ps.count == all.count)
            for (i, p) in ps.enumerated() {
                let d = p["d"] ?? ""
                #expect(p["data-points"] == String(expected[i]))
                #expect(count(d, "M") + count(d, "L") == expected[i])
                #expect(p["data-series"] == "k\(i)")
                #expect(p["class"] == "series s\(i)")
                // Only absolute M and L.
                #expect(d.allSatisfy { !$0.isLetter || $0 == "M" || $0 == "L" })
                // Coordinates have at most one decimal.
                for part in d.split(whereSeparator: { $0 == "M" || $0 == "L" || $0 == " " }) {
                    #expect((part.split(separator: ".").dropFirst().first?.count ?? 0) <= 1, "coordinate \(part)")
                }
            }
        }
    }

    @Test func gapsSplitSubpaths() throws {
        let root = try render(spec([series([1, 2, nil, 3, 4, 5, nil, nil, 6, 7])]))
        let d = try #require(paths(root).first?["d"])
        #expect(count(d, "M") == 3)
        #expect(count(d, "L") == 4)
        let cmds = chartPathCommands(d)
        #expect(cmds.map(\.cmd) == ["M", "L", "M", "L", "L", "M", "L"])
        // x is ascending and placed at bucket centres: the spacing between neighbours is constant.
        let dx = cmds[1].x - cmds[0].x
        #expect(dx > 0)
        #expect(abs((cmds[3].x - cmds[2].x) - dx) <= 0.11)
    }

    @Test func nilNaNAndInfinityAreGaps() throws {
        let root = try render(spec([series([1, .nan, 2, .infinity, 3, -.infinity, 4, nil, 5])]))
        let p = try #require(paths(root).first)
        let d = p["d"] ?? ""
        #expect(p["data-points"] == "5")
        #expect(count(d, "M") == 5)
        #expect(count(d, "L") == 0)
        #expect(!d.contains("nan") && !d.contains("inf"))
        #expect(root.all("circle", class: "dot").count == 5)
    }

    @Test func missingBucketsAreGaps() throws {
        let step = 5 * chartMinute
        let pts = [0, 1, 3, 4, 5, 9].map { ChartPoint(t: chartJune3at1305 + Int64($0) * step, value: Double($0)) }
        let root = try render(spec([ChartSeries(key: "t", label: "T", points: pts)]))
        let d = try #require(paths(root).first?["d"])
        #expect(chartPathCommands(d).map(\.cmd) == ["M", "L", "M", "L", "L", "M"])
        // The bucket at index 9 is alone: one dot, at the path's last vertex.
        let dots = root.all("circle", class: "dot")
        #expect(dots.count == 1)
        let last = try #require(chartPathCommands(d).last)
        #expect(Double(dots[0]["cx"] ?? "") == last.x)
        #expect(Double(dots[0]["cy"] ?? "") == last.y)
    }

    @Test func pointsSitAtBucketCentres() throws {
        // Two points filling a 2-bucket axis: centres at 1/4 and 3/4 of the plot width.
        let step = chartHour
        let s = spec([series([10, 20], step: step)], span: 2 * step, step: step)
        let root = try render(s)
        let cmds = chartPathCommands(try #require(paths(root).first?["d"]))
        let grid = root.all("g", class: "y-axis").first?.all("line", class: "grid").first
        let left = try #require(Double(grid?["x1"] ?? ""))
        let right = try #require(Double(grid?["x2"] ?? ""))
        #expect(abs(cmds[0].x - (left + (right - left) / 4)) <= 0.1)
        #expect(abs(cmds[1].x - (left + 3 * (right - left) / 4)) <= 0.1)
        #expect(cmds[1].y < cmds[0].y)  // higher value is drawn higher
    }

    @Test func isolatedPointsGetDotsAndRunsDoNot() throws {
        let root = try render(spec([series([1, nil, 2, 3, nil, 4]), series([nil, 5, nil], key: "b", label: "B")]))
        let dots = root.all("circle", class: "dot")
        #expect(dots.count == 3)
        #expect(dots.filter { $0.classes.contains("s0") }.count == 2)
        #expect(dots.filter { $0.classes.contains("s1") }.count == 1)
    }

    @Test(arguments: [0, 60, -300, 330])
    func xTicksAtRoundLocalTimes(offset: Int) throws {
        let allowed: [Int64] = [10 * chartMinute, 15 * chartMinute, 30 * chartMinute, chartHour, 2 * chartHour, 3 * chartHour, 6 * chartHour,
                                12 * chartHour, chartDay, 2 * chartDay, 7 * chartDay]
        // An unaligned start (13:47:12.345 UTC) and one on a local midnight.
        let unaligned: Int64 = 1_780_494_432_345
        let localMidnight = (unaligned + Int64(offset) * chartMinute) / chartDay * chartDay - Int64(offset) * chartMinute
        for from in [unaligned, localMidnight] {
            for (span, expectedStep) in [(chartHour, 10 * chartMinute), (chartDay, 3 * chartHour), (7 * chartDay, chartDay), (30 * chartDay, 7 * chartDay)] {
                let s = spec([series([1, 2], from: from)], from: from, span: span, step: chartHour, offset: offset)
                let root = try render(s)
                let axis = try #require(root.all("g", class: "x-axis").first)
                let ticks = axis.all("text", class: "tick")
                let ts = ticks.compactMap { Int64($0["data-t"] ?? "") }
                #expect(ts.count == ticks.count)
                #expect((4...8).contains(ts.count), "span \(span) offset \(offset): \(ts.count) ticks")
                #expect(ts.allSatisfy { $0 >= from && $0 < from + span })
                let step = ts[1] - ts[0]
                #expect(step == expectedStep, "span \(span) offset \(offset)")
                #expect(allowed.contains(step))
                for (k, t) in ts.enumerated() {
                    if k > 0 { #expect(t - ts[k - 1] == step) }
                    let local = t + Int64(offset) * chartMinute
                    #expect(local % min(step, chartDay) == 0, "tick \(t) not round in local time")
                    // Weekly ticks fall on Mondays (1970-01-01 was a Thursday).
                    if step == 7 * chartDay { #expect((local / chartDay + 3) % 7 == 0) }
                    let label = ticks[k].text
                    if span <= chartDay {
                        let c = LocalTime.civil(local: t + Int64(offset) * chartMinute)
                        let hh = c.hour < 10 ? "0\(c.hour)" : "\(c.hour)"
                        let mm = c.minute < 10 ? "0\(c.minute)" : "\(c.minute)"
                        #expect(label == "\(hh):\(mm)")
                    } else {
                        let c = LocalTime.civil(local: t + Int64(offset) * chartMinute)
                        #expect(label == LocalTime.monthNames[c.month - 1] + " \(c.day)")
                        #expect(c.hour == 0 && c.minute == 0)
                    }
                }
                let zone = axis.all("text", class: "axis-label").first?.text
                #expect(zone == "time (" + LocalTime.offsetLabel(offset) + ")")
            }
        }
    }

    @Test func valueTicksAreNiceCoverTheDataAndHonourZero() throws {
        var rng = ChartRNG(state: 7)
        for _ in 0..<3000 {
            let magnitude = [0.001, 0.1, 1, 10, 1000, 1e6].randomElement(using: &rng)!
            let a = Double.random(in: -1...1, using: &rng) * magnitude * 3
            let b = a + Double.random(in: 0...1, using: &rng) * magnitude
            let includeZero = Bool.random(using: &rng)
            let c = ValueTicks.choose(min: a, max: b, includeZero: includeZero)
            #expect((4...6).contains(c.ticks.count), "\(a)…\(b): \(c.ticks)")
            #expect(c.ticks.first! <= a && c.ticks.last! >= b)
            if includeZero { #expect(c.ticks.first! <= 0 && c.ticks.last! >= 0) }
            // step = m × 10^k with m in {1, 2, 5}
            var m = c.step
            while m >= 10 { m /= 10 }
            while m < 1 { m *= 10 }
            #expect([1.0, 2.0, 5.0].contains { abs(m - $0) < 1e-9 }, "step \(c.step)")
            for t in c.ticks {
                let q = t / c.step
                #expect(abs(q - q.rounded()) < 1e-6)
            }
            // Labels need no more decimals than the step has.
            let labels = c.ticks.map { NumberText.format($0, decimals: c.decimals) }
            #expect(Set(labels).count == labels.count, "\(labels)")
        }
    }

    @Test func renderedYTicksCoverDataAndIncludeZero() throws {
        let root = try render(spec([series([12, 15, 31])], unit: "µg/m³", includeZero: true))
        let values = root.all("g", class: "y-axis").first!.all("text", class: "tick").compactMap { Double($0.text) }
        #expect((4...6).contains(values.count))
        #expect(values.first! <= 0 && values.last! >= 31)
        let unit = root.all("g", class: "y-axis").first?.all("text", class: "axis-label").first?.text
        #expect(unit == "µg/m³")
        let free = try render(spec([series([1012.5, 1013.25, 1014])], unit: "hPa"))
        let freeValues = free.all("g", class: "y-axis").first!.all("text", class: "tick").compactMap { Double($0.text) }
        #expect(freeValues.first! > 1000 && freeValues.first! <= 1012.5 && freeValues.last! >= 1014)
    }

    @Test(arguments: [21.5, 0, -3, 1013.25])
    func flatSeriesGetsAVisibleRange(value: Double) throws {
        let root = try render(spec([series(Array(repeating: value, count: 12))]))
        let values = root.all("g", class: "y-axis").first!.all("text", class: "tick").compactMap { Double($0.text) }
        #expect(values.count >= 4)
        #expect(values.first! < value && values.last! > value)
        let ys = chartPathCommands(try #require(paths(root).first?["d"])).map(\.y)
        #expect(ys.count == 12 && ys.allSatisfy { $0 == ys[0] && $0.isFinite })
    }

    @Test func noDataStillDrawsAxes() throws {
        for s in [[series([]), series([nil, nil], key: "b", label: "B")], [series([.nan])]] {
            let root = try render(spec(s))
            #expect(root.all("text", class: "empty").first?.text == "No data in this range")
            for p in paths(root) {
                #expect(p["data-points"] == "0")
                #expect(p["d"] == "")
            }
            #expect(paths(root).count == s.count)
            #expect(root.all("g", class: "x-axis").first!.all("text", class: "tick").count >= 4)
            #expect(root.all("g", class: "y-axis").first!.all("text", class: "tick").count >= 4)
            #expect(root.all("rect", class: "hover").isEmpty)
        }
        let withData = try render(spec([series([1])]))
        #expect(withData.all("text", class: "empty").isEmpty)
    }

    @Test func legendOnlyForSeveralSeries() throws {
        let one = try render(spec([series([1, 2])]))
        #expect(one.all("g", class: "legend").isEmpty)
        let labels = ["Temperature (compensated)", "Raw"]
        let two = try render(spec([series([1, 2], label: labels[0]), series([2, 3], key: "raw", label: labels[1])]))
        let legend = try #require(two.all("g", class: "legend").first)
        #expect(legend.all("text").map(\.text) == labels)
        #expect(legend.all("line", class: "swatch").count == 2)
    }

    @Test func tooltipsPerBucketInLocalTime() throws {
        let step = 5 * chartMinute
        let a = ChartSeries(key: "temperature", label: "Temperature (compensated)",
                            points: [ChartPoint(t: chartJune3at1305, value: 21.3), ChartPoint(t: chartJune3at1305 + step, value: nil)])
        let b = ChartSeries(key: "raw_temperature", label: "Raw",
                            points: [ChartPoint(t: chartJune3at1305, value: 23.1), ChartPoint(t: chartJune3at1305 + 3 * step, value: 22)])
        let root = try render(spec([a, b], span: chartHour, step: step, offset: 60))
        let hovers = root.all("rect", class: "hover")
        #expect(hovers.count == 2)
        #expect(hovers[0].children.first?.text == "Jun 3 14:05 — Temperature (compensated) 21.3 °C · Raw 23.1 °C")
        #expect(hovers[1].children.first?.text == "Jun 3 14:20 — Raw 22.0 °C")
        let w0 = try #require(Double(hovers[0]["width"] ?? ""))
        let x0 = try #require(Double(hovers[0]["x"] ?? ""))
        let x1 = try #require(Double(hovers[1]["x"] ?? ""))
        #expect(abs((x1 - x0) - 3 * w0) <= 0.2)
    }

    @Test func escapesTitlesLabelsKeysAndUnits() throws {
        let nasty = "<b>&\"'</b>"
        let s = ChartSpec(id: "x", title: "T " + nasty, unit: "u&<", series: [
            ChartSeries(key: "k\"'<", label: "L " + nasty, points: [ChartPoint(t: chartJune3at1305, value: 1)]),
            ChartSeries(key: "k2", label: "M", points: [ChartPoint(t: chartJune3at1305, value: 2)]),
        ], axis: TimeAxis(from: chartJune3at1305, to: chartJune3at1305 + chartHour, step: chartMinute, zone: .fixed(minutes: 0)), includeZero: false)
        let svg = SVGChart.render(s)
        #expect(!svg.contains(nasty))
        let root = try ChartXML.parse(svg)
        #expect(root.children.first?.text == "T " + nasty + " (u&<)")
        #expect(paths(root).first?["data-series"] == "k\"'<")
        #expect(root.all("g", class: "legend").first?.all("text").first?.text == "L " + nasty)
        #expect(root.all("rect", class: "hover").first?.children.first?.text.contains("L " + nasty + " 1 u&<") == true)
        #expect(root.all("g", class: "y-axis").first?.all("text", class: "axis-label").first?.text == "u&<")
    }

    @Test func wellFormedForManyShapes() throws {
        var rng = ChartRNG(state: 99)
        for offset in [0, 345, -720] {
            for span in [5 * chartMinute, chartHour, chartDay, 3 * chartDay, 7 * chartDay, 30 * chartDay, 400 * chartDay] {
                let step = max(5_000, span / 160)
                let labels = ["PM1", "PM2.5", "PM10", ">0.3 µm", ">0.5 µm", ">1.0 µm", ">2.5 µm", ">5.0 µm", ">10 µm"]
                let all = labels.enumerated().map { i, label in
                    ChartSeries(key: "s\(i)", label: label, points: (0..<160).map {
                        ChartPoint(t: chartJune3at1305 + Int64($0) * step,
                                   value: Int.random(in: 0..<20, using: &rng) == 0 ? nil : Double.random(in: 0...500, using: &rng))
                    })
                }
                let s = spec(all, span: span, step: step, offset: offset, unit: "/0.1 L", includeZero: true)
                let svg = SVGChart.render(s)
                let root = try ChartXML.parse(svg)
                #expect(paths(root).count == 9)
                let ticks = root.all("g", class: "x-axis").first!.all("text", class: "tick")
                #expect(ticks.count >= 2 && ticks.count <= 8, "span \(span): \(ticks.count)")
                // Text is never smaller than 14 units in a ≤ 520-unit-wide box.
                for t in root.all("text") { #expect(Double(t["font-size"] ?? "14")! >= 14) }
                #expect(root["font-size"] == "14")
            }
        }
    }

    @Test func paletteStrokesAreInline() throws {
        let root = try render(spec((0..<9).map { series([1, 2], key: "k\($0)") }))
        for (i, p) in paths(root).enumerated() {
            #expect(p["stroke"] == Palette.colour(i))
            #expect(p["fill"] == "none")
            #expect(p["stroke-linejoin"] == "round")
            let w = Double(p["stroke-width"] ?? "") ?? 0
            #expect(w >= 1.5 && w <= 2)
        }
        #expect(Set(paths(root).prefix(8).map { $0["stroke"] ?? "" }).count == 8)
    }

    @Test func renderIsQuickFor9SeriesOf720Points() {
        let step = chartHour
        let all = (0..<9).map { k in
            ChartSeries(key: "s\(k)", label: "Series \(k)", points: (0..<720).map { (b: Int) -> ChartPoint in
                let v: Double? = b % 97 == 0 ? nil : Double((b * 37 + k * 11) % 500) / 7
                return ChartPoint(t: chartJune3at1305 + Int64(b) * step, value: v)
            })
        }
        let s = spec(all, span: 720 * step, step: step)
        let clock = ContinuousClock()
        var size = 0
        let elapsed = clock.measure {
            for _ in 0..<5 { size = SVGChart.render(s).utf8.count }
        }
        // Generous: debug builds are ~10× slower than release (release: see the report).
        #expect(elapsed < .milliseconds(5 * 250), "\(elapsed) for 5 renders")
        #expect(size > 0)
    }
}
