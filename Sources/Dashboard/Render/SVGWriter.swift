/// A byte buffer for markup: appending bytes is much cheaper than growing a String through
/// interpolation, which matters for 9 series × 720 points.
struct SVGWriter {
    var bytes: [UInt8] = []

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    @inline(__always) mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    @inline(__always) mutating func raw(_ s: String) { bytes.append(contentsOf: s.utf8) }

    @inline(__always) mutating func text(_ s: String) { HTML.escape(s, into: &bytes) }

    @inline(__always) mutating func num(_ v: Double) { NumberText.appendTenths(v, to: &bytes) }

    @inline(__always) mutating func int<I: BinaryInteger>(_ v: I) { NumberText.appendInt(v, to: &bytes) }

    /// ` name="value"` with the value escaped.
    mutating func attr(_ name: StaticString, _ value: String) {
        raw(" ")
        raw(name)
        raw("=\"")
        text(value)
        raw("\"")
    }

    mutating func attr(_ name: StaticString, num value: Double) {
        raw(" ")
        raw(name)
        raw("=\"")
        num(value)
        raw("\"")
    }

    var string: String { String(decoding: bytes, as: UTF8.self) }
}

/// Okabe–Ito colours, ordered so the first series get the most distinct ones and yellow
/// (weak on white) comes last.
enum Palette {
    static let colours = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]

    static func colour(_ index: Int) -> String { colours[index % colours.count] }

    /// From the ninth series on, colours repeat, so those lines are dashed to stay distinguishable.
    static func dashed(_ index: Int) -> Bool { index >= colours.count }
}

/// Splits a series into runs of consecutive buckets with finite values — the subpaths.
enum Runs {
    /// Returns, for each finite point in order, whether it starts a new subpath, via `body`
    /// (point, startsRun). Also reports isolated points via the returned run lengths.
    static func forEach(_ points: [ChartPoint], step: Int64, _ body: (ChartPoint, Double, Bool, Bool) -> Void) {
        // Look one point ahead to know whether a point continues into the next bucket.
        var previousT: Int64? = nil   // t of the previous point if it had a finite value
        var i = 0
        let n = points.count
        while i < n {
            let p = points[i]
            guard let v = p.value, v.isFinite else {
                previousT = nil
                i += 1
                continue
            }
            let starts = previousT.map { p.t - $0 > step || p.t <= $0 } ?? true
            var continues = false
            if i + 1 < n, let nv = points[i + 1].value, nv.isFinite {
                let dt = points[i + 1].t - p.t
                continues = dt > 0 && dt <= step
            }
            body(p, v, starts, starts && !continues)
            previousT = p.t
            i += 1
        }
    }

    static func finiteCount(_ points: [ChartPoint]) -> Int {
        var n = 0
        for p in points { if let v = p.value, v.isFinite { n += 1 } }
        return n
    }
}
