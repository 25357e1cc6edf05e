import CivilTime

/// Wall-clock text for a UTC instant seen from the viewer's zone (``ViewerZone``: the zone's
/// offset at that instant, so labels on either side of a daylight-saving change are both right).
public enum LocalTime {
    public enum Style: Sendable, Equatable {
        /// "14:05"
        case time
        /// "14:05:05" — for tick steps under a minute.
        case timeSeconds
        /// "Jun 3 14:05"
        case dayTime
        /// "Jun 3"
        case day
        /// "2026-06-03 14:05"
        case full
        /// "2026-06-03 14:05:05"
        case fullSeconds
    }

    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    public static func format(_ millis: Int64, zone: ViewerZone, _ style: Style) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(20)
        append(millis, zone: zone, style, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// "UTC", "UTC+01:00", "UTC-05:30".
    public static func offsetLabel(_ offsetMinutes: Int) -> String {
        if offsetMinutes == 0 { return "UTC" }
        var out: [UInt8] = Array("UTC".utf8)
        out.append(offsetMinutes < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
        let m = offsetMinutes.magnitude
        pad2(Int(m / 60), &out)
        out.append(UInt8(ascii: ":"))
        pad2(Int(m % 60), &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The calendar fields of `local` (ms since 1970-01-01T00:00 in the viewer's zone): the
    /// calendar reads a local time the way it reads a UTC one.
    static func civil(local: Int64) -> CivilDateTime {
        CivilDateTime(millisSince1970: local)
    }

    static func append(_ millis: Int64, zone: ViewerZone, _ style: Style, to out: inout [UInt8]) {
        let c = civil(local: millis + zone.offsetMillis(at: millis))
        func ymd() {
            if c.year < 0 { out.append(UInt8(ascii: "-")) }
            let y = abs(c.year)
            if y < 1000 { out.append(48) }
            if y < 100 { out.append(48) }
            if y < 10 { out.append(48) }
            NumberText.appendInt(y, to: &out)
            out.append(UInt8(ascii: "-"))
            pad2(c.month, &out)
            out.append(UInt8(ascii: "-"))
            pad2(c.day, &out)
        }
        func monthDay() {
            out.append(contentsOf: monthNames[c.month - 1].utf8)
            out.append(UInt8(ascii: " "))
            NumberText.appendInt(c.day, to: &out)
        }
        func hm() {
            pad2(c.hour, &out)
            out.append(UInt8(ascii: ":"))
            pad2(c.minute, &out)
        }
        func sec() {
            out.append(UInt8(ascii: ":"))
            pad2(c.second, &out)
        }
        switch style {
        case .time: hm()
        case .timeSeconds: hm(); sec()
        case .dayTime: monthDay(); out.append(UInt8(ascii: " ")); hm()
        case .day: monthDay()
        case .full: ymd(); out.append(UInt8(ascii: " ")); hm()
        case .fullSeconds: ymd(); out.append(UInt8(ascii: " ")); hm(); sec()
        }
    }

    @inline(__always)
    static func pad2(_ v: Int, _ out: inout [UInt8]) {
        out.append(48 + UInt8(v / 10 % 10))
        out.append(48 + UInt8(v % 10))
    }
}

