// The time zone a viewer reads times in. The browser names its IANA zone (a cookie its script
// sets); the server reads that zone's rules from the system's tz database, so a range across a
// daylight-saving change is labelled right on both sides. Without the database, or for a name
// it does not hold, the browser's current UTC offset is used for the whole range instead.

public import CivilTime
import Lake
import Parquet
import Synchronization

/// A named zone with its rules, or a fixed offset.
public struct ViewerZone: Sendable, Equatable {
    enum Rules: Sendable, Equatable {
        case fixed(seconds: Int)
        case zone(ZoneRules)
    }

    /// The IANA name ("Europe/Berlin"), or the offset label ("UTC", "UTC+05:30") of a fixed zone.
    public let name: String
    let rules: Rules

    public static let utc = ViewerZone.fixed(minutes: 0)

    /// A zone `minutes` east of UTC all year.
    public static func fixed(minutes: Int) -> ViewerZone {
        ViewerZone(name: LocalTime.offsetLabel(minutes), rules: .fixed(seconds: minutes * 60))
    }

    /// The zone `name` with its rules.
    public init(name: String, rules: ZoneRules) {
        self.init(name: name, rules: .zone(rules))
    }

    init(name: String, rules: Rules) {
        self.name = name
        self.rules = rules
    }

    /// Whether this zone came from the tz database (false: a fixed offset).
    public var isNamed: Bool {
        if case .zone = rules { return true }
        return false
    }

    /// The offset east of UTC in effect at `utc` (ms), in ms.
    public func offsetMillis(at utc: Int64) -> Int64 {
        switch rules {
        case .fixed(let seconds): Int64(seconds) * 1000
        case .zone(let r): Int64(r.offset(atUTC: utc.floorDiv(1000))) * 1000
        }
    }

    /// The offset in whole minutes at `utc` (what the browser's `getTimezoneOffset` negates).
    public func offsetMinutes(at utc: Int64) -> Int {
        Int(offsetMillis(at: utc).floorDiv(60_000))
    }

    /// The UTC instant (ms) of a local wall-clock time (ms since 1970-01-01T00:00 local). A time
    /// that occurs twice (clocks set back) is the earlier instant; one skipped by clocks set
    /// forward is read with the offset from before the jump (``ZoneRules/utc(fromLocal:)``).
    public func utc(fromLocal local: Int64) -> Int64 {
        switch rules {
        case .fixed(let seconds):
            return local - Int64(seconds) * 1000
        case .zone(let r):
            let seconds = local.floorDiv(1000)
            return r.utc(fromLocal: seconds) * 1000 + (local - seconds * 1000)
        }
    }

    /// "Europe/Berlin (UTC+01:00)", or "Europe/Berlin (UTC+02:00 → +01:00)" when the offset
    /// changes within [from, to); a fixed zone is just its offset label.
    public func label(from: Int64, to: Int64) -> String {
        guard isNamed else { return name }
        let first = LocalTime.offsetLabel(offsetMinutes(at: from))
        let last = LocalTime.offsetLabel(offsetMinutes(at: max(from, to - 1)))
        if first == last { return name == first ? name : "\(name) (\(first))" }
        return "\(name) (\(first) → \(last == "UTC" ? last : String(last.dropFirst(3))))"
    }
}

/// Named zones from the system's tz database (Debian's `tzdata` puts it in /usr/share/zoneinfo),
/// each parsed once.
public final class ZoneDatabase: Sendable {
    public let root: String
    /// Parsed zones, and names found missing or unreadable (nil), so a bad cookie costs one
    /// failed open per name, not one per request. Bounded: names come from clients.
    private let cache = Mutex<[String: ViewerZone?]>([:])
    static let cacheLimit = 256

    public init(root: String = "/usr/share/zoneinfo") {
        self.root = root
    }

    /// The zone `name`, or nil when `name` is not a zone name or the database has no readable
    /// file for it.
    public func zone(named name: String) -> ViewerZone? {
        guard Self.isZoneName(name) else { return nil }
        if let hit = cache.withLock({ $0[name] }) { return hit }
        var zone: ViewerZone?
        // A TZif file is a few KB; anything bigger is not one.
        if let bytes = try? ParquetFile.readAll(root + "/" + name, limit: 1 << 20),
           let rules = try? ZoneRules(tzif: bytes) {
            zone = ViewerZone(name: name, rules: rules)
        }
        cache.withLock { c in
            if c.count < Self.cacheLimit { c[name] = .some(zone) }
        }
        return zone
    }

    /// IANA names are ASCII letters, digits, `_`, `-` and `+` in `/`-separated parts, none
    /// starting with a dot (tz-link.html, "Names of timezones"); this also keeps a name inside
    /// the database's folder.
    static func isZoneName(_ name: String) -> Bool {
        guard (1...64).contains(name.utf8.count) else { return false }
        for part in name.split(separator: "/", omittingEmptySubsequences: false) {
            guard let first = part.utf8.first, first != UInt8(ascii: ".") else { return false }
            for b in part.utf8 {
                switch b {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                     UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "+"):
                    continue
                default:
                    return false
                }
            }
        }
        return true
    }
}
