import CivilTime

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// The two forms of the signing time SigV4 uses: `20150830T123600Z` and `20150830` (UTC, from
/// the package's civil calendar: no formatter or locale is involved).
public struct SigningDate: Sendable, Equatable {
    /// `YYYYMMDD'T'HHMMSS'Z'`, the value of `x-amz-date` / `X-Amz-Date`.
    public let timestamp: String
    /// `YYYYMMDD`, the first element of the credential scope.
    public let day: String

    /// The signing time for `date`, truncated to whole seconds.
    public init(_ date: Date) {
        let time = CivilDateTime(secondsSince1970: Int64(date.timeIntervalSince1970.rounded(.down)))
        timestamp = ISO8601.basic(time)
        day = ISO8601.basic(time.date)
    }
}
