/// A line chart as standalone SVG markup (also valid inline in HTML5). See the markup contract in
/// the dashboard brief: class names, ids and data-* attributes are relied on by pages and tests.
public enum SVGChart {
    // Sized so that at 340 px wide (a phone) 14-unit text is still ≥ 9 px.
    static let width = 520.0
    static let fontSize = 14.0
    /// Average advance of a digit or lowercase letter at 14 units, rounded up.
    static let charWidth = 8.0
    static let plotHeight = 180.0
    static let rightMargin = 14.0

    public static func render(_ spec: ChartSpec) -> String {
        let axis = spec.axis
        let from = axis.from
        let to = max(axis.to, axis.from + 1)
        let step = max(axis.step, 1)
        let zone = axis.zone

        // Y range from every finite value.
        var lo = Double.infinity
        var hi = -Double.infinity
        var total = 0
        var allIntegral = true
        for s in spec.series {
            for p in s.points {
                if let v = p.value, v.isFinite {
                    lo = min(lo, v)
                    hi = max(hi, v)
                    total += 1
                    if allIntegral && v.rounded() != v { allIntegral = false }
                }
            }
        }
        let y = ValueTicks.choose(min: total > 0 ? lo : nil, max: total > 0 ? hi : nil, includeZero: spec.includeZero)
        let yLabels = y.ticks.map { NumberText.format($0, decimals: y.decimals) }
        let widestY = yLabels.reduce(0) { max($0, $1.unicodeScalars.count) }

        // Layout, top to bottom: title, legend rows, unit label, plot, tick labels, axis label.
        let plotLeft = max(36, Double(widestY) * charWidth + 14)
        let plotRight = width - rightMargin
        let plotWidth = plotRight - plotLeft
        var legend: [(x: Double, y: Double, index: Int)] = []
        var cursorY = 26.0
        if spec.series.count > 1 {
            cursorY += 18
            var x = 8.0
            for (i, s) in spec.series.enumerated() {
                let w = 20 + Double(s.label.unicodeScalars.count) * charWidth * 0.95 + 14
                if x > 8 && x + w > width - 8 {
                    x = 8
                    cursorY += 20
                }
                legend.append((x, cursorY, i))
                x += w
            }
        }
        let unitY = cursorY + 22
        let plotTop = unitY + 10
        let plotBottom = plotTop + plotHeight
        let height = plotBottom + 46

        let span = Double(to - from)
        @inline(__always) func xOf(_ t: Int64) -> Double { plotLeft + Double(t - from) / span * plotWidth }
        let yLow = y.low
        let yRange = y.high - y.low
        @inline(__always) func yOf(_ v: Double) -> Double { plotBottom - (v - yLow) / yRange * plotHeight }

        let seriesCount = spec.series.count
        var out = SVGWriter(capacity: 4096 + total * 14 + total * 40)
        let chartID = "chart-" + spec.id
        let titleText = spec.unit.isEmpty ? spec.title : spec.title + " (" + spec.unit + ")"

        // Root.
        out.raw("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\"")
        out.attr("id", chartID)
        out.raw(" viewBox=\"0 0 ")
        out.num(width)
        out.raw(" ")
        out.num(height)
        out.raw("\" role=\"img\"")
        out.attr("aria-labelledby", chartID + "-title")
        out.raw(" data-from=\"")
        out.int(axis.from)
        out.raw("\" data-to=\"")
        out.int(axis.to)
        out.raw("\" data-step=\"")
        out.int(axis.step)
        // The offset at the range's end (the one now, on a live range), and the zone's name.
        out.raw("\" data-offset=\"")
        out.int(Int64(zone.offsetMinutes(at: to - 1)))
        out.raw("\"")
        out.attr("data-zone", zone.name)
        out.raw(" font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\" font-size=\"14\">")
        out.raw("<title")
        out.attr("id", chartID + "-title")
        out.raw(">")
        out.text(titleText)
        out.raw("</title>")
        out.raw("<defs><clipPath")
        out.attr("id", chartID + "-clip")
        out.raw("><rect")
        out.attr("x", num: plotLeft)
        out.attr("y", num: plotTop - 3)
        out.attr("width", num: plotWidth)
        out.attr("height", num: plotHeight + 6)
        out.raw("/></clipPath></defs>")

        // Visible title, so a standalone image explains itself.
        out.raw("<text class=\"chart-title\" x=\"8\" y=\"20\" font-size=\"15\" font-weight=\"600\" fill=\"#222\">")
        out.text(titleText)
        out.raw("</text>")

        // Y axis: grid, tick labels, unit.
        out.raw("<g class=\"y-axis\" fill=\"#555\">")
        for (i, v) in y.ticks.enumerated() {
            let py = yOf(v)
            out.raw("<line class=\"grid\"")
            out.attr("x1", num: plotLeft)
            out.attr("x2", num: plotRight)
            out.attr("y1", num: py)
            out.attr("y2", num: py)
            out.raw(i == 0 ? " stroke=\"#999\"/>" : " stroke=\"#e3e3e3\"/>")
            out.raw("<text class=\"tick\" text-anchor=\"end\"")
            out.attr("x", num: plotLeft - 6)
            out.attr("y", num: py + 5)
            out.raw(" data-v=\"")
            out.text(yLabels[i])
            out.raw("\">")
            out.text(yLabels[i])
            out.raw("</text>")
        }
        out.raw("<text class=\"axis-label\" x=\"8\"")
        out.attr("y", num: unitY)
        out.raw(">")
        out.text(spec.unit.isEmpty ? spec.title : spec.unit)
        out.raw("</text></g>")

        // X axis: ticks at round local times, and the time zone.
        let xTicks = TimeTicks.choose(from: from, to: to, zone: zone, plotWidth: plotWidth, charWidth: charWidth)
        let labelHalf = Double(TimeTicks.labelChars(xTicks.style)) * charWidth / 2
        out.raw("<g class=\"x-axis\" fill=\"#555\">")
        for t in xTicks.ticks {
            let px = xOf(t)
            out.raw("<line class=\"grid\"")
            out.attr("x1", num: px)
            out.attr("x2", num: px)
            out.attr("y1", num: plotTop)
            out.attr("y2", num: plotBottom + 4)
            out.raw(" stroke=\"#eee\"/>")
            out.raw("<text class=\"tick\"")
            // Keep the last label inside the frame instead of clipping it.
            if px + labelHalf > width - 2 {
                out.raw(" text-anchor=\"end\"")
                out.attr("x", num: width - 2)
            } else {
                out.raw(" text-anchor=\"middle\"")
                out.attr("x", num: px)
            }
            out.attr("y", num: plotBottom + 20)
            out.raw(" data-t=\"")
            out.int(t)
            out.raw("\">")
            LocalTime.append(t, zone: zone, xTicks.style, to: &out.bytes)
            out.raw("</text>")
        }
        out.raw("<text class=\"axis-label\" text-anchor=\"middle\"")
        out.attr("x", num: plotLeft + plotWidth / 2)
        out.attr("y", num: plotBottom + 40)
        out.raw(">time (")
        out.text(zone.label(from: from, to: to))
        out.raw(")</text></g>")

        // Series.
        var dots: [(x: Double, y: Double, index: Int)] = []
        out.raw("<g class=\"plot\"")
        out.attr("clip-path", "url(#" + chartID + "-clip)")
        out.raw(">")
        for (i, s) in spec.series.enumerated() {
            out.raw("<path class=\"series s")
            out.int(i)
            out.raw("\"")
            out.attr("data-series", s.key)
            out.raw(" data-points=\"")
            out.int(Runs.finiteCount(s.points))
            out.raw("\" fill=\"none\"")
            out.attr("stroke", Palette.colour(i))
            out.raw(" stroke-width=\"1.75\" stroke-linejoin=\"round\" stroke-linecap=\"round\"")
            if Palette.dashed(i) { out.raw(" stroke-dasharray=\"6 3\"") }
            out.raw(" d=\"")
            Runs.forEach(s.points, step: step) { p, v, starts, isolated in
                let px = xOf(p.t + step / 2)
                let py = yOf(v)
                out.bytes.append(starts ? UInt8(ascii: "M") : UInt8(ascii: "L"))
                out.num(px)
                out.bytes.append(UInt8(ascii: " "))
                out.num(py)
                if isolated { dots.append((px, py, i)) }
            }
            out.raw("\"/>")
        }
        for d in dots {
            out.raw("<circle class=\"dot s")
            out.int(d.index)
            out.raw("\"")
            out.attr("cx", num: d.x)
            out.attr("cy", num: d.y)
            out.raw(" r=\"2.5\"")
            out.attr("fill", Palette.colour(d.index))
            out.raw("/>")
        }
        out.raw("</g>")

        // Legend.
        if !legend.isEmpty {
            out.raw("<g class=\"legend\" fill=\"#222\">")
            for item in legend {
                // A short stroke like the series' own, dashes included.
                out.raw("<line class=\"swatch s")
                out.int(item.index)
                out.raw("\"")
                out.attr("x1", num: item.x)
                out.attr("x2", num: item.x + 16)
                out.attr("y1", num: item.y - 5)
                out.attr("y2", num: item.y - 5)
                out.attr("stroke", Palette.colour(item.index))
                out.raw(" stroke-width=\"4\"")
                if Palette.dashed(item.index) { out.raw(" stroke-dasharray=\"6 3\"") }
                out.raw("/><text")
                out.attr("x", num: item.x + 20)
                out.attr("y", num: item.y)
                out.raw(">")
                out.text(spec.series[item.index].label)
                out.raw("</text>")
            }
            out.raw("</g>")
        }

        if total == 0 {
            out.raw("<text class=\"empty\" text-anchor=\"middle\" fill=\"#777\"")
            out.attr("x", num: plotLeft + plotWidth / 2)
            out.attr("y", num: plotTop + plotHeight / 2)
            out.raw(">No data in this range</text>")
        } else {
            // Whole counts read best as whole numbers; measurements get at least one decimal.
            let tooltipDecimals = allIntegral ? 0 : min(max(y.decimals, 1), 4)
            writeHover(spec, into: &out, step: step, decimals: tooltipDecimals, x: xOf,
                       plotLeft: plotLeft, plotRight: plotRight, plotTop: plotTop, seriesCount: seriesCount)
        }
        out.raw("</svg>")
        return out.string
    }

    /// One transparent column per bucket that has data, carrying a native tooltip.
    private static func writeHover(_ spec: ChartSpec, into out: inout SVGWriter, step: Int64, decimals: Int,
                                   x xOf: (Int64) -> Double, plotLeft: Double, plotRight: Double,
                                   plotTop: Double, seriesCount: Int) {
        var buckets: [Int64] = []
        for s in spec.series {
            for p in s.points { if let v = p.value, v.isFinite { buckets.append(p.t) } }
        }
        buckets.sort()
        let style: LocalTime.Style = step < TimeTicks.minute ? .fullSeconds : (step >= TimeTicks.day ? .day : .dayTime)
        let unitSuffix = spec.unit.isEmpty ? "" : " " + spec.unit
        // Escape each label once, not once per bucket.
        let labels: [[UInt8]] = spec.series.map { s in
            var b: [UInt8] = []
            HTML.escape(s.label, into: &b)
            b.append(UInt8(ascii: " "))
            return b
        }
        var suffix: [UInt8] = []
        HTML.escape(unitSuffix, into: &suffix)
        var cursors = [Int](repeating: 0, count: seriesCount)
        var previous: Int64? = nil
        // Transparent but painted, so the columns catch the pointer; set once on the group.
        out.raw("<g class=\"hovers\" fill=\"#000\" fill-opacity=\"0\">")
        for t in buckets {
            if t == previous { continue }
            previous = t
            let x0 = max(plotLeft, xOf(t))
            let x1 = min(plotRight, xOf(t + step))
            out.raw("<rect class=\"hover\"")
            out.attr("x", num: x0)
            out.attr("y", num: plotTop)
            out.attr("width", num: max(x1 - x0, 0))
            out.attr("height", num: plotHeight)
            out.raw("><title>")
            LocalTime.append(t, zone: spec.axis.zone, style, to: &out.bytes)
            out.raw(" — ")
            var first = true
            for (i, s) in spec.series.enumerated() {
                // Each series is ascending, so a cursor per series finds the bucket in one pass.
                var c = cursors[i]
                while c < s.points.count && s.points[c].t < t { c += 1 }
                cursors[i] = c
                var k = c
                while k < s.points.count && s.points[k].t == t {
                    if let v = s.points[k].value, v.isFinite {
                        if !first { out.raw(" · ") }
                        first = false
                        out.bytes.append(contentsOf: labels[i])
                        NumberText.appendFixed(v, decimals: decimals, to: &out.bytes)
                        out.bytes.append(contentsOf: suffix)
                        break
                    }
                    k += 1
                }
            }
            out.raw("</title></rect>")
        }
        out.raw("</g>")
    }
}
