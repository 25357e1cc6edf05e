// The Hive layout both the writer and the readers share (docs/ARCHITECTURE.md §2):
//
//   station=<uuid>/year=YYYY/month=MM/day=DD/data_HHMM.parquet
//
// The partition is the UTC date of the batch's first reading; HHMM is the UTC clock-aligned
// boundary that closed the batch; a name that exists already is never reused: the next batch
// for the same boundary is data_HHMM-1.parquet, then -2, …

import CivilTime

public enum LakeLayout {
    /// `station=<id>/year=YYYY/month=MM/day=DD` for a time in that day (UTC).
    public static func partition(station: String, millis: Int64) -> String {
        let day = Int(millis.floorDiv(86_400_000))
        let date = CivilDate(daysSince1970: day)
        return "station=\(station)/year=\(pad(date.year, 4))/month=\(pad(date.month, 2))/day=\(pad(date.day, 2))"
    }

    /// `data_HHMM` (or `health_HHMM`) for a batch closed at the boundary `millis`. The
    /// midnight boundary is `0000`.
    public static func stem(prefix: String, boundaryMillis millis: Int64) -> String {
        let minuteOfDay = Int(millis.floorMod(86_400_000) / 60_000)
        return "\(prefix)_\(pad(minuteOfDay / 60, 2))\(pad(minuteOfDay % 60, 2))"
    }

    /// The file name of the `attempt`-th batch with this stem: 0 → `data_1445.parquet`,
    /// 1 → `data_1445-1.parquet`.
    public static func fileName(stem: String, attempt: Int) -> String {
        attempt == 0 ? "\(stem).parquet" : "\(stem)-\(attempt).parquet"
    }

    /// A path relative to a lake's root, parsed: nil unless it follows the layout exactly.
    public struct Entry: Sendable, Equatable {
        public var station: String
        public var year: Int
        public var month: Int
        public var day: Int
        /// `data` or `health`.
        public var kind: String
        /// Minutes since midnight of the closing boundary.
        public var boundaryMinute: Int
        /// 0 for `data_HHMM.parquet`, n for `data_HHMM-n.parquet`.
        public var attempt: Int
    }

    public static func parse(_ relativePath: String) -> Entry? {
        let parts = relativePath.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 5, let station = station(folder: parts[0]),
              let y = year(folder: parts[1]), let m = month(folder: parts[2]), let d = day(folder: parts[3], year: y, month: m)
        else { return nil }
        let name = parts[4]
        guard name.hasSuffix(".parquet") else { return nil }
        let base = name.dropLast(8)
        guard let underscore = base.lastIndex(of: "_") else { return nil }
        let kind = String(base[..<underscore])
        guard kind == "data" || kind == "health" else { return nil }
        var rest = base[base.index(after: underscore)...]
        var attempt = 0
        if let dash = rest.firstIndex(of: "-") {
            guard let a = Int(rest[rest.index(after: dash)...]), a > 0, String(a) == rest[rest.index(after: dash)...] else { return nil }
            attempt = a
            rest = rest[..<dash]
        }
        guard rest.count == 4, rest.allSatisfy(\.isASCII), let hhmm = Int(rest), hhmm / 100 < 24, hhmm % 100 < 60 else { return nil }
        return Entry(station: station, year: y, month: m, day: d, kind: kind, boundaryMinute: hhmm / 100 * 60 + hhmm % 100, attempt: attempt)
    }

    // MARK: Partition folders
    //
    // The one definition of a valid partition folder name: `parse` and every walk of a lake
    // (LakeWalker) use these, so a folder one reader counts is a folder every reader counts.

    /// The id of a `station=<id>` folder: not empty, no `=` (Hive readers would split the name
    /// there) and no control character (the sync ledger is a text file of tab-separated lines).
    public static func station(folder name: some StringProtocol) -> String? {
        guard name.hasPrefix("station=") else { return nil }
        let id = name.dropFirst(8)
        guard !id.isEmpty, !id.unicodeScalars.contains(where: { $0 == "=" || $0.value < 0x20 || $0.value == 0x7F }) else { return nil }
        return String(id)
    }

    /// The year of a `year=YYYY` folder (four digits).
    public static func year(folder name: some StringProtocol) -> Int? {
        number(Substring(name), "year=", 4)
    }

    /// The month of a `month=MM` folder, 01–12.
    public static func month(folder name: some StringProtocol) -> Int? {
        number(Substring(name), "month=", 2).flatMap { (1...12).contains($0) ? $0 : nil }
    }

    /// The day of a `day=DD` folder, from 01 to the last day of that month (no June 31).
    public static func day(folder name: some StringProtocol, year: Int, month: Int) -> Int? {
        number(Substring(name), "day=", 2).flatMap { CivilDate(year: year, month: month, day: $0) == nil ? nil : $0 }
    }

    private static func number(_ part: Substring, _ key: String, _ digits: Int) -> Int? {
        guard part.hasPrefix(key) else { return nil }
        let v = part.dropFirst(key.count)
        guard v.count == digits, v.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(v)
    }

    public static func pad(_ v: Int, _ n: Int) -> String {
        let s = String(v)
        return String(repeating: "0", count: max(0, n - s.count)) + s
    }
}

extension Int64 {
    /// Division rounding toward negative infinity (times before 1970 stay in their own day);
    /// the one every target uses.
    public func floorDiv(_ d: Int64) -> Int64 {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }

    /// The remainder that goes with `floorDiv`: the sign of `d`. From `%`, so that values near
    /// `Int64.min` cannot overflow.
    public func floorMod(_ d: Int64) -> Int64 {
        let r = self % d
        return r != 0 && (r < 0) != (d < 0) ? r + d : r
    }
}
