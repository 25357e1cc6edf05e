// Contract: dates are proleptic Gregorian (the Gregorian rules extended before 1582, with a
// year 0 and negative years), times are UTC, days count from 1970-01-01 (day 0) and seconds
// and milliseconds from 1970-01-01T00:00:00Z, with no leap seconds (POSIX time). Every
// conversion here is exact, and each direction is the inverse of the other, for years within
// ±10^12 — beyond what any Int64 count of seconds reaches. This is the package's only calendar
// arithmetic; everything else asks these types.

/// A calendar date: year, month (1...12) and day of the month.
public struct CivilDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// The date, or nil when `month` is not 1...12 or `day` is not a day of that month.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= Self.daysInMonth(year: year, month: month) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// The date `days` days after 1970-01-01 (before it, for negative `days`).
    ///
    /// Howard Hinnant's `civil_from_days` ("chrono-Compatible Low-Level Date Algorithms"): the
    /// year is counted from March, so the leap day is the last day of its year, and in 400-year
    /// eras of 146,097 days, so the same arithmetic serves every era.
    public init(daysSince1970 days: Int) {
        let z = days + 719_468  // days from 0000-03-01
        let era = (z >= 0 ? z : z - (Self.daysPerEra - 1)) / Self.daysPerEra
        let dayOfEra = z - era * Self.daysPerEra  // 0...146_096
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365  // 0...399
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)  // 0...365, from March 1
        let shiftedMonth = (5 * dayOfYear + 2) / 153  // 0 = March ... 11 = February
        day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }

    /// Days since 1970-01-01: the inverse of `init(daysSince1970:)` (Hinnant's `days_from_civil`).
    public var daysSince1970: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * Self.daysPerEra + dayOfEra - 719_468
    }

    /// Days in 400 Gregorian years: the calendar, weekdays included, repeats with this period.
    static let daysPerEra = 146_097

    /// 0 = Sunday ... 6 = Saturday; 1970-01-01 was a Thursday.
    public var weekday: Int { Self.weekday(daysSince1970: daysSince1970) }

    /// The weekday of day `days` since 1970-01-01, 0 = Sunday.
    public static func weekday(daysSince1970 days: Int) -> Int {
        Int((Int64(days) + 4).floorMod(7))
    }

    public static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    /// Days in `month` (1...12) of `year`.
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    public static func < (a: CivilDate, b: CivilDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    /// `2025-06-01`.
    public var description: String {
        var out: [UInt8] = []
        out.reserveCapacity(10)
        appendISO8601(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `YYYY-MM-DD`, the year with at least four digits and a `-` before negative years.
    func appendISO8601(to out: inout [UInt8]) {
        appendDigits(year, width: 4, to: &out)
        out.append(UInt8(ascii: "-"))
        appendDigits(month, width: 2, to: &out)
        out.append(UInt8(ascii: "-"))
        appendDigits(day, width: 2, to: &out)
    }

    /// `YYYYMMDD`.
    func appendBasic(to out: inout [UInt8]) {
        appendDigits(year, width: 4, to: &out)
        appendDigits(month, width: 2, to: &out)
        appendDigits(day, width: 2, to: &out)
    }
}

/// A UTC date and time of day, down to the nanosecond.
public struct CivilDateTime: Sendable, Hashable, CustomStringConvertible {
    public let date: CivilDate
    /// 0...23
    public let hour: Int
    /// 0...59
    public let minute: Int
    /// 0...59
    public let second: Int
    /// 0..<1_000_000_000
    public let nanosecond: Int

    public var year: Int { date.year }
    public var month: Int { date.month }
    public var day: Int { date.day }
    public var millisecond: Int { nanosecond / 1_000_000 }

    /// The fields, or nil when one is out of its range.
    public init?(date: CivilDate, hour: Int, minute: Int, second: Int, nanosecond: Int = 0) {
        guard (0...23).contains(hour), (0...59).contains(minute), (0...59).contains(second),
              (0..<1_000_000_000).contains(nanosecond)
        else { return nil }
        self.date = date
        self.hour = hour
        self.minute = minute
        self.second = second
        self.nanosecond = nanosecond
    }

    /// The time `millis` ms after 1970-01-01T00:00:00Z (before it, for negative `millis`).
    public init(millisSince1970 millis: Int64) {
        let seconds = millis.floorDiv(1000)
        self.init(seconds, nanosecond: Int(millis - seconds * 1000) * 1_000_000)
    }

    /// The time `seconds` s after 1970-01-01T00:00:00Z.
    public init(secondsSince1970 seconds: Int64) {
        self.init(seconds, nanosecond: 0)
    }

    private init(_ seconds: Int64, nanosecond: Int) {
        let days = seconds.floorDiv(86_400)
        let secondOfDay = Int(seconds - days * 86_400)
        date = CivilDate(daysSince1970: Int(days))
        hour = secondOfDay / 3600
        minute = secondOfDay / 60 % 60
        second = secondOfDay % 60
        self.nanosecond = nanosecond
    }

    /// Whole seconds since 1970-01-01T00:00:00Z (the fraction dropped).
    public var secondsSince1970: Int64 {
        Int64(date.daysSince1970) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    /// Milliseconds since 1970-01-01T00:00:00Z (finer digits dropped).
    public var millisSince1970: Int64 {
        secondsSince1970 * 1000 + Int64(millisecond)
    }

    /// `2025-06-01T00:00:05.048Z` (ISO 8601 with milliseconds).
    public var description: String { ISO8601.format(self, fraction: .millis) }
}

/// Fixed-width decimal digits, zero-padded; a `-` before negative values. Writes in place (no
/// temporary array): query output formats a timestamp per row.
@inline(__always)
func appendDigits(_ value: Int, width: Int, to out: inout [UInt8]) {
    if value < 0 { out.append(UInt8(ascii: "-")) }
    var v = value.magnitude
    var count = 1
    var rest = v
    while rest >= 10 {
        rest /= 10
        count += 1
    }
    if count < width { out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width - count)) }
    let start = out.count
    out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: count))
    var i = start + count - 1
    while i >= start {
        out[i] = UInt8(ascii: "0") + UInt8(v % 10)
        v /= 10
        i -= 1
    }
}

// Module-internal: Lake has the public pair, and this leaf may not import it.
extension Int64 {
    /// Division rounding toward negative infinity, so times before 1970 stay in their own day.
    func floorDiv(_ d: Int64) -> Int64 {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }

    /// The remainder that goes with `floorDiv`: the sign of `d`.
    func floorMod(_ d: Int64) -> Int64 {
        let r = self % d
        return r != 0 && (r < 0) != (d < 0) ? r + d : r
    }
}
