import Testing
@testable import Dashboard
import Lake

@Suite struct ViewRangeTests {
    let now = june1 + 12 * 3_600_000 + 125_000  // 12:02:05

    @Test func presetsEndWithTheCurrentBucketAndSpanTheirLength() throws {
        for p in ViewRange.presets {
            let r = try ViewRange.parse(range: p.name, from: nil, to: nil, now: now, zone: .fixed(minutes: 0))
            #expect(r.to - r.from == p.span)
            #expect(r.to > now && r.to - r.every.millis <= now)
            #expect(r.from % r.every.millis == 0)
            #expect(r.every.description == p.every)
        }
        #expect(try ViewRange.parse(range: nil, from: nil, to: nil, now: now, zone: .fixed(minutes: 0)).name == "24h")
    }

    @Test func customRangesReadLocalTimesAndPickAWidthOfAtMost400Buckets() throws {
        // 08:00 in UTC+02:00 is 06:00 UTC.
        let r = try ViewRange.parse(range: "custom", from: "2026-06-01T08:00", to: "2026-06-01T20:00", now: now, zone: .fixed(minutes: 120))
        #expect(r.from == june1 + 6 * 3_600_000)
        #expect(r.to == june1 + 18 * 3_600_000)
        #expect(r.every.description == "2m")  // 12 h: 1m would be 720 buckets.
        let utc = try ViewRange.parse(range: nil, from: "2026-06-01T00:00:00Z", to: "2026-09-01", now: now, zone: .fixed(minutes: 120))
        #expect(utc.name == "custom" && utc.from == june1)
        #expect(utc.every.description == "6h")  // 92 days: 3h would be 736 buckets.
        // Ends are widened to whole buckets.
        let odd = try ViewRange.parse(range: "custom", from: "2026-06-01T00:00:30Z", to: "2026-06-01T01:00:10Z", now: now, zone: .fixed(minutes: 0))
        #expect(odd.from == june1 && odd.to == june1 + 3_660_000 && odd.every.description == "1m")
    }

    @Test func badRangesNameTheParameter() {
        func message(_ range: String?, _ from: String?, _ to: String?) -> String {
            do {
                _ = try ViewRange.parse(range: range, from: from, to: to, now: now, zone: .fixed(minutes: 0))
                return "no error"
            } catch {
                #expect(error.status == 400)
                return error.message
            }
        }
        #expect(message("week", nil, nil).hasPrefix("range:"))
        #expect(message("custom", nil, "2026-06-02").hasPrefix("from:"))
        #expect(message("custom", "2026-06-01", nil).hasPrefix("to:"))
        #expect(message("custom", "2026-06-01", "June 2").hasPrefix("to: expected"))
        #expect(message("custom", "2026-06-02", "2026-06-01").contains("must be after"))
        #expect(message("custom", "2000-01-01", "2026-06-01").contains("at most 366 days"))
        // A leap year and a day is the most; one more day is refused, naming the span.
        #expect(message("custom", "2028-01-01", "2029-01-01") == "no error")
        #expect(message("custom", "2028-01-01", "2029-01-02").contains("spans 367 days; a custom range may span at most 366 days"))
    }
}
