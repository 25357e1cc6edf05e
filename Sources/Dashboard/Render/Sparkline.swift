/// A tiny trend line next to a big number: same gap rules as `SVGChart`, no axes, no text.
public enum Sparkline {
    static let width = 120.0
    static let height = 32.0
    static let pad = 2.0

    public static func render(_ series: ChartSeries, axis: TimeAxis) -> String {
        let from = axis.from
        let span = Double(max(axis.to - axis.from, 1))
        let step = max(axis.step, 1)
        var lo = Double.infinity
        var hi = -Double.infinity
        var n = 0
        for p in series.points {
            if let v = p.value, v.isFinite {
                lo = min(lo, v)
                hi = max(hi, v)
                n += 1
            }
        }
        // A flat series sits in the middle instead of dividing by zero.
        let range = hi - lo
        let usable = height - 2 * pad
        var out = SVGWriter(capacity: 320 + n * 12)
        out.raw("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"spark\" viewBox=\"0 0 120 32\"")
        out.attr("data-series", series.key)
        out.raw(" data-points=\"")
        out.int(n)
        out.raw("\" preserveAspectRatio=\"none\" role=\"img\"")
        out.attr("aria-label", series.label)
        out.raw("><path class=\"series s0\" fill=\"none\"")
        out.attr("stroke", Palette.colour(0))
        // The box is stretched (preserveAspectRatio none), so keep the stroke width in screen pixels.
        out.raw(" stroke-width=\"1.5\" stroke-linejoin=\"round\" stroke-linecap=\"round\" vector-effect=\"non-scaling-stroke\" d=\"")
        Runs.forEach(series.points, step: step) { p, v, starts, _ in
            let x = Double(p.t + step / 2 - from) / span * width
            let y = range > 0 ? pad + (hi - v) / range * usable : height / 2
            out.bytes.append(starts ? UInt8(ascii: "M") : UInt8(ascii: "L"))
            out.num(x)
            out.bytes.append(UInt8(ascii: " "))
            out.num(y)
        }
        out.raw("\"/></svg>")
        return out.string
    }
}
