/// ISO-8601 UTC text for lake timestamps.
public enum TimeFormat {
    /// `2025-06-01T00:00:05.048Z` for milliseconds since the epoch.
    public static func iso8601(millis: Int64) -> String {
        let (days, msOfDay) = millis.quotientAndRemainder(dividingBy: 86_400_000)
        let d = msOfDay < 0 ? days - 1 : days
        let ms = msOfDay < 0 ? msOfDay + 86_400_000 : msOfDay
        let (y, m, day) = civil(fromDays: Int(d))
        func pad(_ v: Int, _ n: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, n - s.count)) + s
        }
        let h = Int(ms / 3_600_000), mi = Int(ms / 60_000 % 60), s = Int(ms / 1000 % 60), f = Int(ms % 1000)
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(day, 2))T\(pad(h, 2)):\(pad(mi, 2)):\(pad(s, 2)).\(pad(f, 3))Z"
    }

    /// The proleptic Gregorian date of a day count since 1970-01-01 (inverse of
    /// `CSVImport.daysFromCivil`).
    public static func civil(fromDays z0: Int) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
