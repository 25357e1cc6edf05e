// The one walk of a lake's folders: root → stations → years → months → days, by the folder
// names LakeLayout defines as valid, pruned by an optional range of days so that a year or month
// folder that cannot hold the range is never listed. Query, index, scan, sync and retention all
// walk with it, so a folder one of them counts is a folder each of them counts. Anything else in
// the tree — a user's notes, `month=13`, a file where a folder belongs — is passed over.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CivilTime
import DurableFiles

/// A day folder of the layout, `station=<id>/year=YYYY/month=MM/day=DD`.
package struct LakeDay: Sendable, Equatable {
    package var station: String
    package var year: Int
    package var month: Int
    package var day: Int
    /// Days since 1970-01-01.
    package var index: Int
    /// Relative to the lake's root.
    package var path: String
    /// The folder's modification time (ns) when the walk passed it: sync compares it with the
    /// time it last settled the folder, so it need not stat the folder again.
    package var mtimeNanos: Int64
}

/// A batch file of a day folder: its name follows the layout and it is a regular file.
package struct LakeDayFile: Sendable, Equatable {
    package var name: String
    /// Relative to the lake's root.
    package var path: String
    package var entry: LakeLayout.Entry
    package var size: Int64
    package var mtimeNanos: Int64
    /// The object's ETag in a bucket; nil on disk.
    package var tag: String? = nil
}

package struct LakeWalker: Sendable {
    /// Where the lake is (LakeSource.location): a folder's path or `s3://bucket/prefix`.
    package let root: String
    /// What the walk lists: a folder (FolderLakeSource) or a bucket (ObjectStoreLakeSource).
    package let source: any LakeSource
    /// The first and last day (since 1970) whose folders are walked; nil: unbounded.
    package var firstDay: Int?
    package var lastDay: Int?
    /// The stations walked; nil: all.
    package var stations: Set<String>?
    /// Stations, years, months and days in descending order (newest first).
    package var newestFirst: Bool
    /// Whether the caller lists every day folder it is given (a query does, a newest-first
    /// search does not): a remote source then lists a month's day folders several at a time.
    package var preparesDayListings = false

    /// A walk of the folder `root`. `followsLinks`: whether a folder or file reached through a
    /// symbolic link counts (retention says no: what it deletes must be in the lake, not
    /// wherever a link points). `list` is injected so tests can count the folders listed.
    package init(root: String, firstDay: Int? = nil, lastDay: Int? = nil, stations: Set<String>? = nil,
                 followsLinks: Bool = true, newestFirst: Bool = false,
                 list: @escaping @Sendable (String) -> [String] = LakeWalker.names(in:)) {
        self.init(source: FolderLakeSource(root: root, followsLinks: followsLinks, list: list),
                  firstDay: firstDay, lastDay: lastDay, stations: stations, newestFirst: newestFirst)
    }

    /// A walk of any lake source.
    package init(source: any LakeSource, firstDay: Int? = nil, lastDay: Int? = nil, stations: Set<String>? = nil,
                 newestFirst: Bool = false) {
        self.root = source.location
        self.source = source
        self.firstDay = firstDay
        self.lastDay = lastDay
        self.stations = stations
        self.newestFirst = newestFirst
    }

    /// The names a walk lists in a folder: the durable-file layer's listing.
    package static func names(in path: String) -> [String] { FileIO.names(in: path) }

    /// The ids of the station folders under the root, all of them (the station set does not
    /// filter this), in the walk's order.
    package func stationIDs() -> [String] {
        folders("", LakeLayout.station(folder:)).map(\.value)
    }

    /// Every day folder the walk covers, in its order.
    package func days() -> [LakeDay] {
        var out: [LakeDay] = []
        forEachDay { out.append($0); return true }
        return out
    }

    /// Calls `body` with each day folder in the walk's order until it returns false. Returns how
    /// many station, year, month and day folders the station set or the range passed over.
    @discardableResult
    package func forEachDay(_ body: (LakeDay) -> Bool) -> Int {
        var pruned = 0
        // A year or a month is compared with the bounds' own year and month: one that cannot
        // hold a day of the range is not listed.
        let low = firstDay.map { CivilDate(daysSince1970: $0) }
        let high = lastDay.map { CivilDate(daysSince1970: $0) }
        walk: for station in folders("", LakeLayout.station(folder:)) {
            if let stations, !stations.contains(station.value) {
                pruned += 1
                continue
            }
            for year in folders(station.name, LakeLayout.year(folder:)) {
                let y = year.value
                if let low, y < low.year { pruned += 1; continue }
                if let high, y > high.year { pruned += 1; continue }
                let yearPath = station.name + "/" + year.name
                for month in folders(yearPath, LakeLayout.month(folder:)) {
                    let m = month.value
                    if let low, (y, m) < (low.year, low.month) { pruned += 1; continue }
                    if let high, (y, m) > (high.year, high.month) { pruned += 1; continue }
                    let monthPath = yearPath + "/" + month.name
                    let days = folders(monthPath) { name in
                        LakeLayout.day(folder: name, year: y, month: m).flatMap { CivilDate(year: y, month: m, day: $0) }
                    }
                    func inRange(_ index: Int) -> Bool { (firstDay.map { index >= $0 } ?? true) && (lastDay.map { index <= $0 } ?? true) }
                    if preparesDayListings {
                        source.prepareListings(days.filter { inRange($0.value.daysSince1970) }.map { monthPath + "/" + $0.name })
                    }
                    for day in days {
                        let index = day.value.daysSince1970
                        if !inRange(index) { pruned += 1; continue }
                        let found = LakeDay(station: station.value, year: y, month: m, day: day.value.day, index: index,
                                            path: monthPath + "/" + day.name, mtimeNanos: day.mtimeNanos)
                        if !body(found) { break walk }
                    }
                }
            }
        }
        return pruned
    }

    /// The batch files of a day folder (`station=…/year=…/month=…/day=…`, relative to the root),
    /// of `kind` (`data`, `health`) or of both, in byte order of their names. The collector's
    /// temporary names never count: they are hidden, and LakeLayout.parse refuses them anyway.
    package func files(in dayPath: String, kind: String? = nil) -> [LakeDayFile] {
        source.entries(in: dayPath) { name in
            guard let entry = LakeLayout.parse(dayPath + "/" + name) else { return false }
            return kind == nil || entry.kind == kind
        }.compactMap { e in
            let path = dayPath + "/" + e.name
            guard e.kind == .file, let entry = LakeLayout.parse(path) else { return nil }
            return LakeDayFile(name: e.name, path: path, entry: entry, size: e.size, mtimeNanos: e.mtimeNanos, tag: e.tag)
        }
    }

    /// The sub-folders of `parent` (relative to the root) whose names `value` accepts, in the
    /// walk's order. A name is checked before the folder is stat'ed; a file with a folder's name
    /// is passed over.
    private func folders<T>(_ parent: String, _ value: (String) -> T?) -> [(name: String, value: T, mtimeNanos: Int64)] {
        let found: [(name: String, value: T, mtimeNanos: Int64)] = source.entries(in: parent) { value($0) != nil }.compactMap { e in
            guard e.kind == .folder, let v = value(e.name) else { return nil }
            return (e.name, v, e.mtimeNanos)
        }
        // Listed in byte order, which is the order of the fixed-width numbers too.
        return newestFirst ? found.reversed() : found
    }

    static func nanos(_ t: timespec) -> Int64 { Int64(t.tv_sec) * 1_000_000_000 + Int64(t.tv_nsec) }
}
