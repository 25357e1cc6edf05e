#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Parsers for the two date forms S3 uses: IMF-fixdate in `Last-Modified`
/// (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110 §5.6.7) and ISO 8601 in listings
/// (`2009-10-12T17:50:30.000Z`). Integer arithmetic, no formatter; nil for anything else.
enum S3Dates {
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func httpDate(_ text: String) -> Date? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT", let day = Int(parts[1]), let year = Int(parts[3]),
            let month = months.firstIndex(of: String(parts[2])).map({ $0 + 1 })
        else { return nil }
        let time = parts[4].split(separator: ":").compactMap { Int($0) }
        guard time.count == 3 else { return nil }
        return date(year, month, day, time[0], time[1], Double(time[2]))
    }

    static func iso8601(_ text: String) -> Date? {
        let u = Array(text.utf8)
        guard u.count >= 20, u.last == UInt8(ascii: "Z"), u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-"),
            u[10] == UInt8(ascii: "T"), u[13] == UInt8(ascii: ":"), u[16] == UInt8(ascii: ":")
        else { return nil }
        func num(_ r: Range<Int>) -> Int? { Int(String(decoding: u[r], as: UTF8.self)) }
        guard let y = num(0..<4), let mo = num(5..<7), let d = num(8..<10), let h = num(11..<13), let mi = num(14..<16),
            let s = Double(String(decoding: u[17..<(u.count - 1)], as: UTF8.self))
        else { return nil }
        return date(y, mo, d, h, mi, s)
    }

    static func date(_ y: Int, _ m: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Double) -> Date? {
        guard (1...12).contains(m), (1...31).contains(d), (0...23).contains(h), (0...59).contains(mi), s >= 0, s < 61
        else { return nil }
        // Howard Hinnant's days_from_civil.
        let yy = m <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return Date(timeIntervalSince1970: Double(days * 86_400 + h * 3600 + mi * 60) + s)
    }
}
