// Day files in a query: for each day folder of the range, the day file of the daily lake (a
// folder, or a bucket's `<prefix>-daily`; Sources/Lake/DayFile.swift) replaces the day's batch
// files when it stands for them — every batch file still in the raw lake is one it records, with
// the same size — and is read alone when retention has deleted the batch files. A day is never read from both. A stale day file (a
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
        guard let daily = dailySource else { return }
        var walker = LakeWalker(source: daily, firstDay: raw.firstDay, lastDay: raw.lastDay, stations: raw.stations)
        walker.preparesDayListings = true
        // The day files of the range, from their day folders' listings.
        var found: [(day: LakeDay, file: LakeFileRef)] = []
        walker.forEachDay { day in
            guard let date = CivilDate(year: day.year, month: day.month, day: day.day) else { return true }
            let name = LakeLayout.dayFileName(kind: kind.rawValue, date: date)
            if let e = daily.entries(in: day.path, accepting: { $0 == name }).first, e.kind == .file {
                found.append((day, LakeFileRef(path: day.path + "/" + name, size: e.size, tag: e.tag)))
            }
            return true
        }
        // A bucket's day files are fetched whole, several at a time (the read that follows finds
        // them in the object cache); a folder's footers are read in place.
        if dailyRemote != nil { daily.prepareContents(found.map(\.file)) }
        var byDay: [Substring: [Int]] = [:]
        for (i, c) in candidates.enumerated() { byDay[c.path.dayFolderPath, default: []].append(i) }
        var dropped = Set<Int>()
        var added: [Candidate] = []
        for (day, file) in found {
            let reader: ParquetFileReader?
            if let dailyRoot, dailyRemote == nil {
                reader = try? ParquetFileReader(path: dailyRoot + "/" + file.path)
            } else {
                reader = (try? daily.contents(of: file)).flatMap { try? ParquetFileReader(bytes: $0) }
            }
            guard let reader, let text = reader.metadata.keyValueMetadata?.first(where: { $0.key == DayFileSources.key })?.value,
                  let sources = DayFileSources(text: text)
            else { continue }
            let rawFiles = byDay[Substring(day.path)] ?? []
            if !rawFiles.isEmpty {
                let current = rawFiles.map { i in
                    (name: String(candidates[i].path[candidates[i].path.index(after: candidates[i].path.lastIndex(of: "/")!)...]),
                     size: candidates[i].size)
                }
                guard sources.covers(current), sources.runs != nil else { continue }
            }
            dropped.formUnion(rawFiles)
            added.append(Candidate(path: file.path, station: day.station, size: Int(file.size), isDayFile: true, runs: sources.runs))
        }
        _ = daily.takeListingFailure()  // a daily lake that cannot be listed leaves the batch files to be read
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
