// Day files in a query: for each day folder of the range, the day file of the daily lake
// (Sources/Lake/DayFile.swift) replaces the day's batch files when it stands for them — every
// batch file still in the raw lake is one it records, with the same size — and is read alone when
// retention has deleted the batch files. A day is never read from both. A stale day file (a
// batch arrived after it was made) is passed over until compaction replaces it.
//
// Answers are identical to the last bit: the query sums each batch file on its own and adds the
// files' sums in name order, so a day file whose sources are each one run of rows is read run by
// run, in the sources' name order (DayFileSources.runs). A day file whose sources interleave (rare:
// overlapping batches) is not used while its batch files are there.

import CivilTime
import DurableFiles
import Parquet

extension QueryEngine {
    /// Replaces, in `candidates` (the raw lake's files of the query), the files of each day that
    /// has a usable day file of `kind` with that day file.
    func substituteDayFiles(_ candidates: inout [Candidate], kind: LakeKind, walker raw: LakeWalker) {
        guard let dailyRoot else { return }
        let daily = LakeWalker(root: dailyRoot, firstDay: raw.firstDay, lastDay: raw.lastDay, stations: raw.stations)
        var byDay: [Substring: [Int]] = [:]
        for (i, c) in candidates.enumerated() { byDay[c.path.dayFolderPath, default: []].append(i) }
        var dropped = Set<Int>()
        var added: [Candidate] = []
        daily.forEachDay { day in
            guard let date = CivilDate(year: day.year, month: day.month, day: day.day) else { return true }
            let name = LakeLayout.dayFileName(kind: kind.rawValue, date: date)
            let path = day.path + "/" + name
            guard let reader = try? ParquetFileReader(path: dailyRoot + "/" + path),
                  let text = reader.metadata.keyValueMetadata?.first(where: { $0.key == DayFileSources.key })?.value,
                  let sources = DayFileSources(text: text)
            else { return true }
            let rawFiles = byDay[Substring(day.path)] ?? []
            if !rawFiles.isEmpty {
                let current = rawFiles.map { i in
                    (name: String(candidates[i].path[candidates[i].path.index(after: candidates[i].path.lastIndex(of: "/")!)...]),
                     size: candidates[i].size)
                }
                guard sources.covers(current), sources.runs != nil else { return true }
            }
            dropped.formUnion(rawFiles)
            added.append(Candidate(path: path, station: day.station, size: reader.fileSize, base: dailyRoot, runs: sources.runs))
            return true
        }
        guard !added.isEmpty else { return }
        candidates = candidates.indices.filter { !dropped.contains($0) }.map { candidates[$0] } + added
    }
}

extension String {
    /// `station=…/year=…/month=…/day=…` of a file's relative path.
    var dayFolderPath: Substring {
        guard let slash = lastIndex(of: "/") else { return self[...] }
        return self[..<slash]
    }
}
