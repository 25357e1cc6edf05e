// Finding things in a lake without scanning it: the stations it holds and each station's newest
// batch file, found by walking down the largest year, month and day partitions. This is what a
// dashboard asks on every page, so it costs a few directory reads however long the history is.

/// Cheap lookups in the Hive layout of DESIGN.md §2.
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

    /// The newest file of `kind` (`data` or `health`) of `station`, as a path relative to
    /// `root`: the last in layout order (day, boundary, attempt) of the newest day folder that
    /// holds any. Day folders are walked newest first, so an empty newest folder (a batch still
    /// being written) falls back to the day before.
    public static func newestFile(_ root: String, station: String, kind: String) -> (path: String, entry: LakeLayout.Entry)? {
        let stationPath = "station=" + station
        for (yName, _) in QueryEngine.partitions(root + "/" + stationPath, "year=", 4).reversed() {
            let yPath = stationPath + "/" + yName
            for (mName, _) in QueryEngine.partitions(root + "/" + yPath, "month=", 2).reversed() {
                let mPath = yPath + "/" + mName
                for (dName, _) in QueryEngine.partitions(root + "/" + mPath, "day=", 2).reversed() {
                    let dPath = mPath + "/" + dName
                    var best: (path: String, entry: LakeLayout.Entry)?
                    for f in QueryEngine.list(root + "/" + dPath) where !f.isDirectory {
                        let rel = dPath + "/" + f.name
                        guard let e = LakeLayout.parse(rel), e.kind == kind else { continue }
                        if let b = best?.entry, (b.boundaryMinute, b.attempt) >= (e.boundaryMinute, e.attempt) { continue }
                        best = (rel, e)
                    }
                    if let best { return best }
                }
            }
        }
        return nil
    }

    /// Whether `station` has a folder under `root`.
    public static func hasStation(_ root: String, _ station: String) -> Bool {
        guard !station.isEmpty, !station.contains("/"), !station.contains("="), station != ".", station != ".." else { return false }
        return QueryEngine.list(root).contains { $0.isDirectory && $0.name == "station=" + station }
    }
}
