public enum NumberText {
    /// Fixed-point text with `decimals` places (0…17): "21.35", "-0.5", never "-0".
    ///
    /// Rounds half away from zero on the shortest decimal form of `v` (its `description`), so
    /// 0.15 → "0.2" as a reader expects, not "0.1" as its binary neighbour 0.1499… would give.
    /// Non-finite values give "NaN", "∞" or "-∞".
    public static func format(_ v: Double, decimals: Int) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(24)
        appendFixed(v, decimals: decimals, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static let powers: [Double] = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000]

    /// `format` without the String: tooltips call this thousands of times per chart.
    static func appendFixed(_ v: Double, decimals: Int, to out: inout [UInt8]) {
        let places = min(max(decimals, 0), 17)
        // Fast path: scale and round in binary. It agrees with the decimal rounding below except
        // when the scaled value sits within float error of a half, which takes the slow path.
        if places < powers.count && v.isFinite {
            let scaled = v.magnitude * powers[places]
            if scaled < 1e9 {
                let down = scaled.rounded(.down)
                let fraction = scaled - down
                if abs(fraction - 0.5) > 1e-6 {
                    let n = UInt64(fraction > 0.5 ? down + 1 : down)
                    if v < 0 && n != 0 { out.append(UInt8(ascii: "-")) }
                    if places == 0 {
                        appendUnsigned(n, to: &out)
                        return
                    }
                    let p = UInt64(powers[places])
                    appendUnsigned(n / p, to: &out)
                    out.append(UInt8(ascii: "."))
                    var frac = n % p
                    var divisor = p / 10
                    while divisor > 0 {
                        out.append(48 + UInt8(frac / divisor))
                        frac %= divisor
                        divisor /= 10
                    }
                    return
                }
            }
        }
        out.append(contentsOf: slowFormat(v, places: places).utf8)
    }

    static func slowFormat(_ v: Double, places: Int) -> String {
        guard v.isFinite else { return v.isNaN ? "NaN" : (v < 0 ? "-∞" : "∞") }
        var (digits, point) = shortestDigits(v.magnitude)
        let keep = point + places
        if keep < 0 {
            digits = []
        } else if keep < digits.count {
            let roundUp = digits[keep] >= 5
            digits.removeLast(digits.count - keep)
            if roundUp {
                var i = keep - 1
                while i >= 0 && digits[i] == 9 {
                    digits[i] = 0
                    i -= 1
                }
                if i < 0 {
                    digits.insert(1, at: 0)
                    point += 1
                } else {
                    digits[i] += 1
                }
            }
        }
        let nonZero = digits.contains { $0 != 0 }
        var out: [UInt8] = []
        out.reserveCapacity(max(point, 1) + places + 2)
        if v < 0 && nonZero { out.append(UInt8(ascii: "-")) }
        if point <= 0 {
            out.append(UInt8(ascii: "0"))
        } else {
            for i in 0..<point { out.append(48 + (i < digits.count ? digits[i] : 0)) }
        }
        if places > 0 {
            out.append(UInt8(ascii: "."))
            for j in 0..<places {
                let i = point + j
                out.append(48 + (i >= 0 && i < digits.count ? digits[i] : 0))
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decimal digits of a finite, non-negative `x` with leading zeros removed, and the position of
    /// the decimal point: x = 0.d₁d₂… × 10^point.
    static func shortestDigits(_ x: Double) -> (digits: [UInt8], point: Int) {
        var digits: [UInt8] = []
        var pointAt: Int? = nil
        var exponent = 0
        var exponentSign = 1
        var inExponent = false
        for b in x.description.utf8 {
            switch b {
            case UInt8(ascii: "e"), UInt8(ascii: "E"): inExponent = true
            case UInt8(ascii: "-") where inExponent: exponentSign = -1
            case UInt8(ascii: "+"): break
            case UInt8(ascii: "."): pointAt = digits.count
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if inExponent { exponent = exponent * 10 + Int(b - 48) } else { digits.append(b - 48) }
            default: break
            }
        }
        var point = (pointAt ?? digits.count) + exponentSign * exponent
        var lead = 0
        while lead < digits.count && digits[lead] == 0 { lead += 1 }
        digits.removeFirst(lead)
        point -= lead
        if digits.isEmpty { point = 0 }
        return (digits, point)
    }

    /// Appends `v` rounded to tenths ("12.3", "7", "-0.4") — the hot path for SVG coordinates,
    /// which are small numbers where a plain integer conversion is exact enough.
    @inline(__always)
    static func appendTenths(_ v: Double, to out: inout [UInt8]) {
        let clamped = v.isFinite ? min(max(v, -1e9), 1e9) : 0
        var n = Int((clamped * 10).rounded())
        if n < 0 {
            out.append(UInt8(ascii: "-"))
            n = -n
        }
        appendInt(n / 10, to: &out)
        let frac = n % 10
        if frac != 0 {
            out.append(UInt8(ascii: "."))
            out.append(48 + UInt8(frac))
        }
    }

    @inline(__always)
    static func appendInt<I: BinaryInteger>(_ value: I, to out: inout [UInt8]) {
        if value < 0 {
            out.append(UInt8(ascii: "-"))
            // magnitude of Int64.min does not fit; go through UInt64.
            appendUnsigned(UInt64(value.magnitude), to: &out)
        } else {
            appendUnsigned(UInt64(value), to: &out)
        }
    }

    @inline(__always)
    static func appendUnsigned(_ value: UInt64, to out: inout [UInt8]) {
        if value < 10 {
            out.append(48 + UInt8(value))
            return
        }
        var divisor: UInt64 = 10
        var digits = 1
        while digits < 20 && value / divisor > 0 {
            digits += 1
            if digits < 20 { divisor *= 10 }
        }
        // Most significant digit first, without a temporary buffer.
        var d = digits == 20 ? divisor : divisor / 10
        var rest = value
        while d > 0 {
            out.append(48 + UInt8(rest / d))
            rest %= d
            d /= 10
        }
    }
}
