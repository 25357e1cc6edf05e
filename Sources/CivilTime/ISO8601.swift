// Contract: UTC text only, byte for byte and locale-free. Formatting covers every instant (years
// before 1000 are zero-padded to four digits, negative years get a leading `-`); parsing takes
// four-digit years (0000...9999; HTTP-dates any year) and rejects a date that does not exist (2025-02-29) or a field
// out of range, returning nil rather than guessing. The forms:
// - extended, what the lake, the CLI and the dashboard print: `2025-06-01T00:00:05.048Z`
//   (milliseconds) or `2025-06-01T00:00:05Z`;
// - basic, what AWS Signature Version 4 signs: `20250601T000005Z` and the day `20250601`;
// - HTTP-date (IMF-fixdate, RFC 9110 §5.6.7), what S3 sends in `Last-Modified`, parsed only.

/// ISO 8601 text of UTC times.
public enum ISO8601 {
    /// Digits after the seconds when formatting.
    public enum Fraction: Sendable {
        /// `…:05Z`
        case none
        /// `…:05.048Z`
        case millis
    }

    /// `2025-06-01T00:00:05.048Z` for `millis` ms since 1970-01-01T00:00:00Z.
    public static func format(millis: Int64) -> String {
        format(CivilDateTime(millisSince1970: millis), fraction: .millis)
    }

    /// `2025-06-01T00:00:05Z` or, with `.millis`, `2025-06-01T00:00:05.048Z`.
    public static func format(_ t: CivilDateTime, fraction: Fraction) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(24)
        t.date.appendISO8601(to: &out)
        out.append(UInt8(ascii: "T"))
        appendDigits(t.hour, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendDigits(t.minute, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendDigits(t.second, width: 2, to: &out)
        if fraction == .millis {
            out.append(UInt8(ascii: "."))
            appendDigits(t.millisecond, width: 3, to: &out)
        }
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    /// `20250601T000005Z`: the basic form, whole seconds (SigV4's `X-Amz-Date`).
    public static func basic(_ t: CivilDateTime) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(16)
        t.date.appendBasic(to: &out)
        out.append(UInt8(ascii: "T"))
        appendDigits(t.hour, width: 2, to: &out)
        appendDigits(t.minute, width: 2, to: &out)
        appendDigits(t.second, width: 2, to: &out)
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    /// `20250601`: the basic form of a date (SigV4's credential scope).
    public static func basic(_ d: CivilDate) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(8)
        d.appendBasic(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Milliseconds since the epoch of `YYYY-MM-DDTHH:MM:SS[.f{1,3}](Z|+00:00)`; a space may
    /// stand for the `T`. More than three fraction digits is nil: they would be silently lost.
    public static func parseMillis(_ text: some StringProtocol) -> Int64? {
        parse(Array(text.utf8), maxFractionDigits: 3)?.millisSince1970
    }

    /// The same forms with any number of fraction digits, kept to the nanosecond (S3 listings'
    /// `LastModified`, `2009-10-12T17:50:30.000Z`).
    public static func parse(_ text: some StringProtocol) -> CivilDateTime? {
        parse(Array(text.utf8), maxFractionDigits: Int.max)
    }

    static func parse(_ b: [UInt8], maxFractionDigits: Int) -> CivilDateTime? {
        func digits(_ at: Int, _ n: Int) -> Int? {
            guard at + n <= b.count else { return nil }
            var v = 0
            for i in at..<(at + n) {
                guard b[i] >= 48 && b[i] <= 57 else { return nil }
                v = v * 10 + Int(b[i] - 48)
            }
            return v
        }
        guard b.count >= 20, let y = digits(0, 4), b[4] == 45, let mo = digits(5, 2), b[7] == 45, let d = digits(8, 2),
              b[10] == 84 || b[10] == 32, let h = digits(11, 2), b[13] == 58, let mi = digits(14, 2), b[16] == 58,
              let sec = digits(17, 2)
        else { return nil }
        var i = 19
        var nanos = 0
        if i < b.count && b[i] == 46 {
            i += 1
            var n = 0
            while i < b.count && b[i] >= 48 && b[i] <= 57 {
                guard n < maxFractionDigits else { return nil }
                if n < 9 { nanos = nanos * 10 + Int(b[i] - 48) }  // finer than a nanosecond is dropped
                n += 1
                i += 1
            }
            guard n > 0 else { return nil }
            for _ in min(n, 9)..<9 { nanos *= 10 }
        }
        let rest = b[i...]
        guard rest.elementsEqual("Z".utf8) || rest.elementsEqual("+00:00".utf8) else { return nil }
        guard let date = CivilDate(year: y, month: mo, day: d) else { return nil }
        return CivilDateTime(date: date, hour: h, minute: mi, second: sec, nanosecond: nanos)
    }
}

/// HTTP-date text (RFC 9110 §5.6.7).
public enum HTTPDate {
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Seconds since 1970-01-01T00:00:00Z of an IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`.
    /// The day name is not checked; second 60 (a leap second) is read as the next minute's 00.
    /// The obsolete RFC 850 and asctime forms are nil.
    public static func parseSeconds(_ text: some StringProtocol) -> Int64? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT", let day = Int(parts[1]), let year = Int(parts[3]),
              let month = months.firstIndex(of: String(parts[2])).map({ $0 + 1 }),
              let date = CivilDate(year: year, month: month, day: day)
        else { return nil }
        let time = parts[4].split(separator: ":").compactMap { Int($0) }
        guard time.count == 3, (0...23).contains(time[0]), (0...59).contains(time[1]), (0...60).contains(time[2])
        else { return nil }
        return Int64(date.daysSince1970) * 86_400 + Int64(time[0] * 3600 + time[1] * 60 + time[2])
    }
}
