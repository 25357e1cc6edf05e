/// Tick placement for both axes. Internal: the renderers are the API; tests reach these through
/// `@testable import` and through the `data-t` attributes of the markup.

enum TimeTicks {
    static let second: Int64 = 1000
    static let minute: Int64 = 60_000
    static let hour: Int64 = 3_600_000
    static let day: Int64 = 86_400_000
    static let week: Int64 = 7 * day

    /// Round local steps, smallest first. Weekly multiples are anchored on Mondays.
    static let steps: [Int64] = [
        5 * second, 10 * second, 15 * second, 30 * second,
        minute, 2 * minute, 5 * minute, 10 * minute, 15 * minute, 30 * minute,
        hour, 2 * hour, 3 * hour, 6 * hour, 12 * hour,
        day, 2 * day, week, 2 * week, 4 * week, 8 * week, 13 * week, 26 * week, 52 * week,
    ]

    /// 1970-01-05 was a Monday: four days after the epoch (a Thursday).
    static let mondayAnchor: Int64 = 4 * day

    struct Choice: Equatable {
        var step: Int64
        var style: LocalTime.Style
        var ticks: [Int64]
    }

    static func style(span: Int64, step: Int64) -> LocalTime.Style {
        if span <= day { return step < minute ? .timeSeconds : .time }
        return step >= day ? .day : .dayTime
    }

    /// Widest label of a style in characters ("Jun 30 14:05" is 12).
    static func labelChars(_ style: LocalTime.Style) -> Int {
        switch style {
        case .time: 5
        case .timeSeconds: 8
        case .day: 6
        case .dayTime: 12
        case .full: 16
        case .fullSeconds: 19
        }
    }

    /// The first multiple of `step` at or after `local`, anchored on Mondays for weekly steps.
    static func firstAligned(local: Int64, step: Int64) -> Int64 {
        let anchor = step >= week ? mondayAnchor : 0
        let aligned = (local - anchor).floorDiv(step) * step + anchor
        return aligned == local ? aligned : aligned + step
    }

    /// The smallest round step whose labels fit side by side in `plotWidth` user units
    /// (at most 8 ticks), every tick in [from, to).
    ///
    /// Ticks are round *local* times, found in local time and mapped back to UTC instants:
    /// across a daylight-saving change the labels stay round ("00:00", "06:00") while the
    /// instants between them are an hour longer or shorter. Local times skipped by clocks set
    /// forward map past the jump and are dropped when they land on a later tick; local times
    /// repeated by clocks set back get one tick, at their first occurrence.
    static func choose(from: Int64, to: Int64, zone: ViewerZone, plotWidth: Double, charWidth: Double) -> Choice {
        let span = max(to - from, 1)
        let localFrom = from + zone.offsetMillis(at: from)
        let localTo = to + zone.offsetMillis(at: to - 1)
        var step = steps[steps.count - 1]
        var found = false
        for candidate in steps {
            let style = style(span: span, step: candidate)
            let labelWidth = Double(labelChars(style)) * charWidth + 12
            let fit = max(2, min(8, Int(plotWidth / labelWidth)))
            if count(localFrom: localFrom, localTo: localTo, step: candidate) <= fit {
                step = candidate
                found = true
                break
            }
        }
        if !found {
            // Spans of decades: keep doubling the yearly step until it fits.
            while count(localFrom: localFrom, localTo: localTo, step: step) > 8 { step *= 2 }
        }
        var ticks: [Int64] = []
        var local = firstAligned(local: localFrom, step: step)
        while local < localTo {
            let t = zone.utc(fromLocal: local)
            if t >= from && t < to && t > (ticks.last ?? .min) { ticks.append(t) }
            local += step
        }
        return Choice(step: step, style: style(span: span, step: step), ticks: ticks)
    }

    /// How many round local times of `step` lie in [localFrom, localTo).
    static func count(localFrom: Int64, localTo: Int64, step: Int64) -> Int {
        let first = firstAligned(local: localFrom, step: step)
        if first >= localTo { return 0 }
        return Int((localTo - 1 - first) / step) + 1
    }
}

enum ValueTicks {
    struct Choice: Equatable {
        var ticks: [Double]
        var step: Double
        /// Decimals that show every tick exactly: 0 for steps ≥ 1, else the step's decimal places.
        var decimals: Int
        var low: Double { ticks.first ?? 0 }
        var high: Double { ticks.last ?? 1 }
    }

    /// 10^k, exact for the powers that are exact in binary and correctly rounded otherwise
    /// (repeated multiplication by 0.1 would drift).
    static func pow10(_ k: Int) -> Double {
        var p = 1.0
        for _ in 0..<min(abs(k), 308) { p *= 10 }
        return k >= 0 ? p : 1 / p
    }

    /// 4–6 ticks at multiples of 1, 2 or 5 × 10^k covering [min, max], padded by 5 % so lines do not
    /// touch the frame; a flat series gets a visible range; `includeZero` pulls 0 in.
    static func choose(min lo0: Double?, max hi0: Double?, includeZero: Bool) -> Choice {
        var lo: Double
        var hi: Double
        if let a = lo0, let b = hi0, a.isFinite, b.isFinite, a <= b {
            lo = a
            hi = b
        } else {
            lo = 0
            hi = 1
        }
        if lo0 == nil || hi0 == nil {
            // No data: a plain 0–1 frame, unpadded.
        } else if hi - lo <= max(abs(hi), abs(lo)) * 1e-12 {
            // Flat: open a band around the value (2 % of it, or ±1 around zero).
            let pad = lo == 0 ? 1 : abs(lo) * 0.02
            lo -= pad
            hi += pad
        } else {
            let pad = (hi - lo) * 0.05
            // Never pad across zero: a non-negative quantity should not get a negative axis.
            lo = (lo >= 0 && lo - pad < 0) ? 0 : lo - pad
            hi = (hi <= 0 && hi + pad > 0) ? 0 : hi + pad
        }
        if includeZero {
            lo = Swift.min(lo, 0)
            hi = Swift.max(hi, 0)
        }
        let range = hi - lo
        // Start one decade below the step that would give ~5 intervals and walk up 1-2-5.
        var k = 0
        let target = range / 5
        while pow10(k) > target && k > -300 { k -= 1 }
        while pow10(k + 1) <= target && k < 300 { k += 1 }
        k -= 1
        var best: (step: Double, first: Int64, count: Int, k: Int)? = nil
        search: for _ in 0..<6 {
            for m in [1.0, 2.0, 5.0] {
                let step = m * pow10(k)
                let first = Int64((lo / step).rounded(.down))
                let last = Int64((hi / step).rounded(.up))
                let count = Int(last - first) + 1
                if count <= 6 {
                    best = (step, first, count, k)
                    break search
                }
            }
            k += 1
        }
        var chosen = best ?? (range, Int64((lo / range).rounded(.down)), 2, 0)
        // 1-2-5 steps can jump from 7 ticks straight to 3; add a tick on the tighter side rather
        // than break the 4–6 rule, without crossing zero for one-signed data.
        while chosen.count < 4 {
            let first = Double(chosen.first) * chosen.step
            let last = Double(chosen.first + Int64(chosen.count - 1)) * chosen.step
            let roomBelow = lo - first
            let roomAbove = last - hi
            let below = first == 0 && lo >= 0 ? false : (last == 0 && hi <= 0 ? true : roomBelow <= roomAbove)
            if below { chosen.first -= 1 }
            chosen.count += 1
        }
        var ticks: [Double] = []
        ticks.reserveCapacity(chosen.count)
        for i in 0..<Int64(chosen.count) { ticks.append(Double(chosen.first + i) * chosen.step) }
        return Choice(ticks: ticks, step: chosen.step, decimals: Swift.max(0, -chosen.k))
    }
}
