import Testing
@testable import Dashboard

// Expected values were worked out by hand and checked with `date -u -d '<time> UTC' +%s`.
@Suite struct LocalTimeTests {
    /// 2026-06-03 14:05:05 UTC
    let t1: Int64 = 1_780_495_505_000

    @Test func stylesAtUTC() {
        #expect(LocalTime.format(t1, zone: .fixed(minutes: 0), .time) == "14:05")
        #expect(LocalTime.format(t1, zone: .fixed(minutes: 0), .timeSeconds) == "14:05:05")
        #expect(LocalTime.format(t1, zone: .fixed(minutes: 0), .dayTime) == "Jun 3 14:05")
        #expect(LocalTime.format(t1, zone: .fixed(minutes: 0), .day) == "Jun 3")
        #expect(LocalTime.format(t1, zone: .fixed(minutes: 0), .full) == "2026-06-03 14:05")
        #expect(LocalTime.format(t1, zone: .fixed(minutes: 0), .fullSeconds) == "2026-06-03 14:05:05")
    }

    @Test func offsets() {
        #expect(LocalTime.format(t1, zone: .fixed(minutes: 60), .fullSeconds) == "2026-06-03 15:05:05")
        #expect(LocalTime.format(t1, zone: .fixed(minutes: -300), .fullSeconds) == "2026-06-03 09:05:05")
        #expect(LocalTime.format(t1, zone: .fixed(minutes: 330), .fullSeconds) == "2026-06-03 19:35:05")
        // 2026-06-03 20:00 UTC is already tomorrow in India.
        #expect(LocalTime.format(1_780_516_800_000, zone: .fixed(minutes: 330), .full) == "2026-06-04 01:30")
        #expect(LocalTime.format(t1, zone: .fixed(minutes: -720), .full) == "2026-06-03 02:05")
        #expect(LocalTime.format(t1, zone: .fixed(minutes: 840), .full) == "2026-06-04 04:05")
    }

    @Test func negativeOffsetAcrossMidnightAndYear() {
        // 2027-01-01 02:30 UTC
        let t: Int64 = 1_798_770_600_000
        #expect(LocalTime.format(t, zone: .fixed(minutes: 0), .full) == "2027-01-01 02:30")
        #expect(LocalTime.format(t, zone: .fixed(minutes: -300), .full) == "2026-12-31 21:30")
        #expect(LocalTime.format(t, zone: .fixed(minutes: -300), .dayTime) == "Dec 31 21:30")
        #expect(LocalTime.format(t, zone: .fixed(minutes: -150), .full) == "2027-01-01 00:00")
        #expect(LocalTime.format(t, zone: .fixed(minutes: -151), .full) == "2026-12-31 23:59")
    }

    @Test func leapDays() {
        // 2028-02-29 23:30 UTC
        let t: Int64 = 1_835_479_800_000
        #expect(LocalTime.format(t, zone: .fixed(minutes: 0), .day) == "Feb 29")
        #expect(LocalTime.format(t, zone: .fixed(minutes: 60), .full) == "2028-03-01 00:30")
        // 2028-02-29 12:00 UTC
        #expect(LocalTime.format(1_835_438_400_000, zone: .fixed(minutes: -300), .full) == "2028-02-29 07:00")
        // 2100-03-01 00:30 UTC: 2100 is not a leap year, so an hour earlier is Feb 28.
        #expect(LocalTime.format(4_107_544_200_000, zone: .fixed(minutes: -60), .full) == "2100-02-28 23:30")
        // 2000 is a leap year (divisible by 400): 2000-02-29 00:00 UTC = 951782400.
        #expect(LocalTime.format(951_782_400_000, zone: .fixed(minutes: 0), .full) == "2000-02-29 00:00")
    }

    @Test func beforeTheEpoch() {
        #expect(LocalTime.format(-1, zone: .fixed(minutes: 0), .fullSeconds) == "1969-12-31 23:59:59")
        #expect(LocalTime.format(-1000, zone: .fixed(minutes: 0), .fullSeconds) == "1969-12-31 23:59:59")
        #expect(LocalTime.format(-1001, zone: .fixed(minutes: 0), .fullSeconds) == "1969-12-31 23:59:58")
        #expect(LocalTime.format(0, zone: .fixed(minutes: -60), .fullSeconds) == "1969-12-31 23:00:00")
        #expect(LocalTime.format(0, zone: .fixed(minutes: 0), .fullSeconds) == "1970-01-01 00:00:00")
    }

    @Test func everyDayRoundTripsAgainstACountingCalendar() {
        // Walk 1968…2104 one day at a time with an independent month-length table.
        var y = 1968, m = 1, d = 1
        let start: Int64 = -731 * chartDay  // 1968-01-01
        func leap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }
        for k in 0..<(137 * 366) {
            let c = LocalTime.civil(local: start + Int64(k) * chartDay + 12 * chartHour)
            #expect(c.year == y && c.month == m && c.day == d, "day \(k)")
            if c.year != y || c.month != m || c.day != d { return }
            let lengths = [31, leap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
            d += 1
            if d > lengths[m - 1] { d = 1; m += 1 }
            if m > 12 { m = 1; y += 1 }
        }
    }

    @Test func offsetLabels() {
        #expect(LocalTime.offsetLabel(0) == "UTC")
        #expect(LocalTime.offsetLabel(60) == "UTC+01:00")
        #expect(LocalTime.offsetLabel(-300) == "UTC-05:00")
        #expect(LocalTime.offsetLabel(-330) == "UTC-05:30")
        #expect(LocalTime.offsetLabel(330) == "UTC+05:30")
        #expect(LocalTime.offsetLabel(345) == "UTC+05:45")
        #expect(LocalTime.offsetLabel(-570) == "UTC-09:30")
        #expect(LocalTime.offsetLabel(840) == "UTC+14:00")
    }
}
