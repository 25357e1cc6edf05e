#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// The two forms of the signing time SigV4 uses: `20150830T123600Z` and `20150830`.
///
/// Computed with integer civil-calendar arithmetic (UTC, proleptic Gregorian) so no formatter or
/// locale is involved.
public struct SigningDate: Sendable, Equatable {
    /// `YYYYMMDD'T'HHMMSS'Z'`, the value of `x-amz-date` / `X-Amz-Date`.
    public let timestamp: String
    /// `YYYYMMDD`, the first element of the credential scope.
    public let day: String

    /// The signing time for `date`, truncated to whole seconds.
    public init(_ date: Date) {
        let seconds = Int64((date.timeIntervalSince1970).rounded(.down))
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let (year, month, dayOfMonth) = Self.civil(fromDays: days)
        let hour = secondOfDay / 3600
        let minute = (secondOfDay % 3600) / 60
        let second = secondOfDay % 60
        day = Self.pad(year, 4) + Self.pad(month, 2) + Self.pad(dayOfMonth, 2)
        timestamp = day + "T" + Self.pad(hour, 2) + Self.pad(minute, 2) + Self.pad(second, 2) + "Z"
    }

    /// Days since 1970-01-01 to (year, month, day); Howard Hinnant's `civil_from_days` algorithm.
    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
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

    static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
