// Finding things in a lake without scanning it: the stations it holds and each station's newest
// batch file, found by walking down the largest year, month and day partitions. This is what a
// dashboard asks on every page, so it costs a few directory reads however long the history is.

/// Cheap lookups in the Hive layout of docs/ARCHITECTURE.md §2.
public enum LakeIndex {
    /// The station ids under `root` (its `station=<id>` folders), sorted; empty when `root`
    /// cannot be read.
    public static func stations(_ root: String) -> [String] {
        QueryEngine.list(root).compactMap { e in
            guard e.isDirectory, e.name.hasPrefix("station="), e.name.count > 8 else { return nil }
            let id = String(e.name.dropFirst(8))
            return id.contains("=") ? nil : id
        }.sorted()
    }

    /// The newest files of `kind` (`data` or `health`) of `station`, newest first, at most
    /// `limit`, as paths relative to `root`. Day folders are walked from the newest down, so
    /// the cost does not grow with history; within a day, files go by closing boundary, then
    /// attempt. `data_0000` closes at the midnight that ends its day (a batch is filed under
    /// the day of its first reading), so it is the day's last, not its first.
    public static func newestFiles(_ root: String, station: String, kind: String, limit: Int = 1) -> [(path: String, entry: LakeLayout.Entry)] {
        var out: [(path: String, entry: LakeLayout.Entry)] = []
        guard limit > 0 else { return out }
        let stationPath = "station=" + station
        func order(_ e: LakeLayout.Entry) -> (Int, Int) { (e.boundaryMinute == 0 ? 1440 : e.boundaryMinute, e.attempt) }
        for (yName, _) in QueryEngine.partitions(root + "/" + stationPath, "year=", 4).reversed() {
            let yPath = stationPath + "/" + yName
            for (mName, _) in QueryEngine.partitions(root + "/" + yPath, "month=", 2).reversed() {
                let mPath = yPath + "/" + mName
                for (dName, _) in QueryEngine.partitions(root + "/" + mPath, "day=", 2).reversed() {
                    let dPath = mPath + "/" + dName
                    var day: [(path: String, entry: LakeLayout.Entry)] = []
                    for f in QueryEngine.list(root + "/" + dPath) where !f.isDirectory {
                        let rel = dPath + "/" + f.name
                        if let e = LakeLayout.parse(rel), e.kind == kind { day.append((rel, e)) }
                    }
                    day.sort { order($0.entry) > order($1.entry) }
                    out.append(contentsOf: day.prefix(limit - out.count))
                    if out.count == limit { return out }
                }
            }
        }
        return out
    }

    /// Whether `station` has a folder under `root`.
    public static func hasStation(_ root: String, _ station: String) -> Bool {
        guard !station.isEmpty, !station.contains("/"), !station.contains("="), station != ".", station != ".." else { return false }
        return QueryEngine.list(root).contains { $0.isDirectory && $0.name == "station=" + station }
    }
}
