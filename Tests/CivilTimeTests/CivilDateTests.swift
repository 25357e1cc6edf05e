import Testing
@testable import CivilTime

@Suite struct CivilDateTests {
    /// Day counts from Python's `datetime.date` (proleptic Gregorian), minus 1970-01-01.
    @Test(arguments: [
        (1, 1, 1, -719_162), (9999, 12, 31, 2_932_896), (1970, 1, 1, 0), (1969, 12, 31, -1),
        (1900, 2, 28, -25_509), (1900, 3, 1, -25_508), (2000, 2, 29, 11_016), (2000, 3, 1, 11_017),
        (1600, 2, 29, -135_081), (2025, 6, 1, 20_240),
    ])
    func knownDays(year: Int, month: Int, day: Int, days: Int) throws {
        let date = try #require(CivilDate(year: year, month: month, day: day))
        #expect(date.daysSince1970 == days)
        #expect(CivilDate(daysSince1970: days) == date)
    }

    /// Every day from 0001-01-01 to 9999-12-31, against a calendar that only counts: its own
    /// month lengths, one day at a time.
    @Test func everyDayOfYears1To9999MatchesACountingCalendar() {
        func leap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }
        var y = 1, m = 1, d = 1
        var mismatches = 0
        for days in -719_162...2_932_896 {
            let date = CivilDate(daysSince1970: days)
            if date.year != y || date.month != m || date.day != d || date.daysSince1970 != days {
                mismatches += 1
                if mismatches <= 3 { Issue.record("day \(days): got \(date), expected \(y)-\(m)-\(d)") }
            }
            let lengths = [31, leap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
            d += 1
            if d > lengths[m - 1] { d = 1; m += 1 }
            if m > 12 { m = 1; y += 1 }
        }
        #expect(mismatches == 0)
        #expect((y, m, d) == (10_000, 1, 1))
    }

    @Test func leapYears() {
        #expect(!CivilDate.isLeapYear(1900) && !CivilDate.isLeapYear(2100) && !CivilDate.isLeapYear(2025))
        #expect(CivilDate.isLeapYear(2000) && CivilDate.isLeapYear(1600) && CivilDate.isLeapYear(2024) && CivilDate.isLeapYear(0))
        #expect(CivilDate(year: 1900, month: 2, day: 29) == nil)
        #expect(CivilDate(year: 2000, month: 2, day: 29) != nil)
        #expect(CivilDate(year: 2025, month: 2, day: 29) == nil)
        #expect(CivilDate(year: 2024, month: 2, day: 30) == nil)
        #expect(CivilDate(year: 2025, month: 4, day: 31) == nil)
        #expect(CivilDate(year: 2025, month: 0, day: 1) == nil)
        #expect(CivilDate(year: 2025, month: 13, day: 1) == nil)
        #expect(CivilDate(year: 2025, month: 1, day: 0) == nil)
        #expect(CivilDate.daysInMonth(year: 2100, month: 2) == 28)
        #expect(CivilDate.daysInMonth(year: 2400, month: 2) == 29)
        // 400 Gregorian years are 146,097 days, whatever the era.
        for year in [-800, -1, 0, 1, 1970, 9999] {
            let a = CivilDate(year: year, month: 3, day: 1)!.daysSince1970
            #expect(CivilDate(year: year + 400, month: 3, day: 1)!.daysSince1970 - a == 146_097, "\(year)")
        }
    }

    /// The contract's range: far beyond any Int64 count of seconds, and negative years.
    @Test func farYearsRoundTrip() {
        for days in [Int(Int64.max / 86_400), Int(Int64.min / 86_400), 365_242_500_000_000, -365_242_500_000_000, -719_529, -1] {
            let date = CivilDate(daysSince1970: days)
            #expect(date.daysSince1970 == days, "\(days)")
            #expect(CivilDate(year: date.year, month: date.month, day: date.day) == date)
        }
        #expect(CivilDate(daysSince1970: -719_528) == CivilDate(year: 0, month: 1, day: 1))
        #expect(CivilDate(daysSince1970: -719_529) == CivilDate(year: -1, month: 12, day: 31))
        let far = CivilDate(year: 1_000_000_000_000, month: 12, day: 31)!
        #expect(CivilDate(daysSince1970: far.daysSince1970) == far)
    }

    @Test func weekdays() {
        #expect(CivilDate(year: 1970, month: 1, day: 1)!.weekday == 4)  // Thursday
        #expect(CivilDate(year: 2025, month: 6, day: 1)!.weekday == 0)  // Sunday
        #expect(CivilDate(year: 1969, month: 12, day: 29)!.weekday == 1)  // Monday
        #expect(CivilDate(year: 1, month: 1, day: 1)!.weekday == 1)  // Monday
    }

    @Test func orderAndText() {
        #expect(CivilDate(year: 2025, month: 1, day: 31)! < CivilDate(year: 2025, month: 2, day: 1)!)
        #expect(CivilDate(year: 2024, month: 12, day: 31)! < CivilDate(year: 2025, month: 1, day: 1)!)
        #expect(CivilDate(year: 2025, month: 6, day: 1)!.description == "2025-06-01")
        #expect(CivilDate(year: 7, month: 6, day: 1)!.description == "0007-06-01")
        #expect(CivilDate(year: -7, month: 6, day: 1)!.description == "-0007-06-01")
    }

    @Test func timesOfDayFromMillisAndSeconds() {
        let t = CivilDateTime(millisSince1970: 1_748_736_005_048)
        #expect((t.year, t.month, t.day) == (2025, 6, 1))
        #expect((t.hour, t.minute, t.second, t.millisecond, t.nanosecond) == (0, 0, 5, 48, 48_000_000))
        #expect(t.millisSince1970 == 1_748_736_005_048)
        #expect(t.secondsSince1970 == 1_748_736_005)
        // Before 1970 the fraction still counts forward from the whole second before.
        let before = CivilDateTime(millisSince1970: -1)
        #expect((before.year, before.month, before.day) == (1969, 12, 31))
        #expect((before.hour, before.minute, before.second, before.millisecond) == (23, 59, 59, 999))
        #expect(before.millisSince1970 == -1)
        #expect(CivilDateTime(secondsSince1970: -86_401).description == "1969-12-30T23:59:59.000Z")
        for ms: Int64 in [0, -1, -999, -1000, -1001, 86_399_999, 86_400_000, -62_135_596_800_000, 253_402_300_799_999] {
            #expect(CivilDateTime(millisSince1970: ms).millisSince1970 == ms, "\(ms)")
        }
        let date = CivilDate(year: 2025, month: 6, day: 1)!
        #expect(CivilDateTime(date: date, hour: 24, minute: 0, second: 0) == nil)
        #expect(CivilDateTime(date: date, hour: 0, minute: 60, second: 0) == nil)
        #expect(CivilDateTime(date: date, hour: 0, minute: 0, second: 60) == nil)
        #expect(CivilDateTime(date: date, hour: 0, minute: 0, second: 0, nanosecond: 1_000_000_000) == nil)
        #expect(CivilDateTime(date: date, hour: 23, minute: 59, second: 59, nanosecond: 999_999_999)?.secondsSince1970
            == 1_748_822_399)
    }
}
