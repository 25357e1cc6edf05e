// Day files: one file per station and UTC day in a sibling lake (`<output>-daily`, health
// `<health>-daily`), made by daily compaction from the day's batch files, with the same Hive keys
// and schema:
//
//   station=<id>/year=YYYY/month=MM/day=DD/data_YYYYMMDD.parquet   (health_YYYYMMDD.parquet)
//
// The name carries the date so a file copied out of its folder still says which day it is, and it
// never parses as a batch name (LakeLayout.parse wants four digits), so no reader of the raw
// layout takes a day file for a batch. The file's key-value metadata records what it was made
// from (DayFileSources), which is how a late batch is noticed and how a reader proves the day
// file stands for the batch files it finds.

public import CivilTime
import DurableFiles

extension LakeLayout {
    /// The sibling lake of day files: `<root>-daily`.
    public static func dailyRoot(of root: String) -> String {
        var r = root
        while r.count > 1 && r.hasSuffix("/") { r.removeLast() }
        return r + "-daily"
    }

    /// `data_YYYYMMDD.parquet` (or `health_…`) for `date`.
    public static func dayFileName(kind: String, date: CivilDate) -> String {
        "\(kind)_\(pad(date.year, 4))\(pad(date.month, 2))\(pad(date.day, 2)).parquet"
    }

    /// `station=<id>/year=YYYY/month=MM/day=DD` of a date.
    public static func dayFolder(station: String, date: CivilDate) -> String {
        "station=\(station)/year=\(pad(date.year, 4))/month=\(pad(date.month, 2))/day=\(pad(date.day, 2))"
    }

    /// The path of a day file relative to the daily lake's root.
    public static func dayFilePath(station: String, kind: String, date: CivilDate) -> String {
        dayFolder(station: station, date: date) + "/" + dayFileName(kind: kind, date: date)
    }
}

/// The batch files a day file was made from, as recorded in its key-value metadata under
/// ``key``: one line per source, in the order of their names, `name TAB size TAB etag TAB rows
/// TAB first-row`, where first-row is where the source's rows start in the day file, or `-` when
/// sorting by time interleaved them with another source's.
public struct DayFileSources: Sendable, Equatable {
    public struct Source: Sendable, Equatable {
        /// The batch file's name in its day folder.
        public var name: String
        public var size: Int
        /// The store's entity tag when compacted (informative: tags differ between a folder and a
        /// bucket holding the same bytes, so sizes and names decide).
        public var eTag: String
        public var rows: Int
        /// The first row of this source's rows in the day file, when they are one run.
        public var firstRow: Int?

        public init(name: String, size: Int, eTag: String, rows: Int, firstRow: Int?) {
            self.name = name
            self.size = size
            self.eTag = eTag
            self.rows = rows
            self.firstRow = firstRow
        }
    }

    /// The key-value metadata key.
    public static let key = "opensensor.compacted_from"

    public var sources: [Source]

    public init(_ sources: [Source]) { self.sources = sources }

    /// The metadata value.
    public var text: String {
        sources.map { s in
            [s.name, String(s.size), s.eTag, String(s.rows), s.firstRow.map(String.init) ?? "-"].joined(separator: "\t")
        }.joined(separator: "\n")
    }

    /// Parses a metadata value; nil unless every line is well formed.
    public init?(text: String) {
        var out: [Source] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count == 5, !f[0].isEmpty, !f[0].contains("/"), let size = Int(f[1]), size >= 0, let rows = Int(f[3]), rows >= 0
            else { return nil }
            let first: Int?
            if f[4] == "-" { first = nil } else {
                guard let v = Int(f[4]), v >= 0 else { return nil }
                first = v
            }
            out.append(Source(name: String(f[0]), size: size, eTag: String(f[2]), rows: rows, firstRow: first))
        }
        sources = out
    }

    /// Whether the day file made from these sources stands for a day folder that now holds
    /// `current` (name, size) batch files: each of them is a recorded source of the same size.
    /// Recorded sources that are gone (retention deleted them once the day file was stored) do
    /// not matter; a batch file that is new or of another size (a late upload) makes it stale.
    public func covers(_ current: [(name: String, size: Int)]) -> Bool {
        var sizes: [String: Int] = [:]
        for s in sources { sizes[s.name] = s.size }
        return current.allSatisfy { sizes[$0.name] == $0.size }
    }

    /// Row ranges of the sources in name order, when every source is one run of rows and the
    /// runs cover the file exactly: a reader can then add each source's rows on their own, in the
    /// order it would have read the batch files, and get the same sums to the last bit.
    public var runs: [Range<Int>]? {
        var out: [Range<Int>] = []
        var total = 0
        for s in sources {
            guard let first = s.firstRow else { return nil }
            out.append(first..<(first + s.rows))
            total += s.rows
        }
        let sorted = out.sorted { $0.lowerBound < $1.lowerBound }
        var next = 0
        for r in sorted where !r.isEmpty {
            guard r.lowerBound == next else { return nil }
            next = r.upperBound
        }
        return next == total ? out : nil
    }
}

/// A day file found in a daily lake.
public struct DailyLakeFile: Sendable, Equatable {
    public var station: String
    public var date: CivilDate
    /// Relative to the daily lake's root.
    public var path: String
    public var bytes: Int
}

extension LakeLayout {
    /// The day files of `kind` in the daily lake at `root` (missing: none), in the walk's order.
    /// Only names are looked at, and each day file's size.
    public static func dayFiles(in root: String, kind: String) -> [DailyLakeFile] {
        let walker = LakeWalker(root: root)
        var out: [DailyLakeFile] = []
        walker.forEachDay { day in
            guard let date = CivilDate(year: day.year, month: day.month, day: day.day) else { return true }
            let name = dayFileName(kind: kind, date: date)
            guard LakeWalker.names(in: root + "/" + day.path).contains(name),
                  let size = try? ReadFile(path: root + "/" + day.path + "/" + name).size else { return true }
            out.append(DailyLakeFile(station: day.station, date: date, path: day.path + "/" + name, bytes: size))
            return true
        }
        return out
    }
}
