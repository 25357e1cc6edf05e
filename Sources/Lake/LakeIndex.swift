// Finding things in a lake without scanning it: the stations it holds and each station's newest
// batch file, found by walking down the largest year, month and day partitions. This is what a
// dashboard asks on every page, so it costs a few directory reads however long the history is.

/// Cheap lookups in the Hive layout of docs/ARCHITECTURE.md §2.
public enum LakeIndex {
    /// The station ids under `root` (its `station=<id>` folders), sorted; empty when `root`
    /// cannot be read.
    public static func stations(_ root: String) -> [String] {
        stations(FolderLakeSource(root: root))
    }

    /// The station ids of the lake `source` lists (a folder or a bucket's prefix), sorted.
    public static func stations(_ source: any LakeSource) -> [String] {
        LakeWalker(source: source).stationIDs()
    }

    /// The newest files of `kind` (`data` or `health`) of `station`, newest first, at most
    /// `limit`, as paths relative to `root`. Day folders are walked from the newest down, so
    /// the cost does not grow with history; within a day, files go by closing boundary, then
    /// attempt. `data_0000` closes at the midnight that ends its day (a batch is filed under
    /// the day of its first reading), so it is the day's last, not its first. Only names are
    /// read, no file.
    public static func newestFiles(_ root: String, station: String, kind: String, limit: Int = 1) -> [(path: String, entry: LakeLayout.Entry)] {
        newestFiles(FolderLakeSource(root: root), station: station, kind: kind, limit: limit).map { ($0.path, $0.entry) }
    }

    /// ``newestFiles(_:station:kind:limit:)`` of the lake `source` lists, with each file's size
    /// and tag for reading it.
    public static func newestFiles(_ source: any LakeSource, station: String, kind: String, limit: Int = 1)
        -> [(path: String, entry: LakeLayout.Entry, file: LakeFileRef)] {
        var out: [(path: String, entry: LakeLayout.Entry, file: LakeFileRef)] = []
        guard limit > 0 else { return out }
        func order(_ e: LakeLayout.Entry) -> (Int, Int) { (e.boundaryMinute == 0 ? 1440 : e.boundaryMinute, e.attempt) }
        let walker = LakeWalker(source: source, stations: [station], newestFirst: true)
        walker.forEachDay { day in
            let files = walker.files(in: day.path, kind: kind).sorted { order($0.entry) > order($1.entry) }
            out.append(contentsOf: files.prefix(limit - out.count).map { ($0.path, $0.entry, LakeFileRef(path: $0.path, size: $0.size, tag: $0.tag)) })
            return out.count < limit
        }
        return out
    }

    /// Whether `station` has a folder under `root`.
    public static func hasStation(_ root: String, _ station: String) -> Bool {
        hasStation(FolderLakeSource(root: root), station)
    }

    public static func hasStation(_ source: any LakeSource, _ station: String) -> Bool {
        guard !station.contains("/"), LakeLayout.station(folder: "station=" + station) == station else { return false }
        return LakeWalker(source: source).stationIDs().contains(station)
    }
}
