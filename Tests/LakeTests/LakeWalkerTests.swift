import Foundation
import Synchronization
import TestSupport
import Testing
import Parquet
@testable import Lake

/// The folders a walk listed, for proving what it did not list.
final class ListingLog: Sendable {
    let paths = Mutex<[String]>([])

    func lister(root: String) -> @Sendable (String) -> [String] {
        { path in
            self.paths.withLock { $0.append(path.hasPrefix(root) ? String(path.dropFirst(root.count)) : path) }
            return LakeWalker.names(in: path)
        }
    }
}

@Suite struct LakeWalkerTests {
    static let valid = PartitionFixtures.valid
    static let invalid = PartitionFixtures.invalid
    static let filesAsFolders = PartitionFixtures.filesAsFolders

    /// The valid batch, the invalid ones, and files named like folders.
    func badLake() throws -> TempLake {
        let lake = try TempLake()
        var writer = ParquetWriter(schema: LakeSchemas.sensor)
        let june30: Int64 = 1_751_241_600_000
        try writer.write(LakeSchemas.sensor.columns.map { c in c.name == "timestamp" ? .int64([june30 + 1000]) : .float([1]) })
        let batch = writer.finish()
        for rel in [Self.valid] + Self.invalid { try lake.put(rel, batch) }
        for rel in Self.filesAsFolders { try lake.put(rel, batch) }
        return lake
    }

    @Test func invalidPartitionsAreIgnoredByEveryReader() throws {
        let lake = try badLake()
        let walker = LakeWalker(root: lake.root)
        #expect(walker.days().map(\.path) == ["station=s/year=2025/month=06/day=30"])
        #expect(walker.days().flatMap { walker.files(in: $0.path) }.map(\.path) == [Self.valid])
        #expect(walker.stationIDs() == ["s"])

        let r = try QueryEngine(root: lake.root).run(LakeQuery(columns: ["temperature"]))
        #expect(r.filesConsidered == 1 && r.skipped.isEmpty)
        #expect(r.groups.map(\.count) == [1])

        let scan = LakeScan(root: lake.root)
        #expect(scan.files.map(\.path) == [Self.valid] && scan.unreadable.isEmpty)

        #expect(LakeIndex.stations(lake.root) == ["s"])
        #expect(LakeIndex.newestFiles(lake.root, station: "s", kind: "data", limit: 10).map(\.path) == [Self.valid])
        for id in ["f", "", "a=b", "a\tb"] { #expect(!LakeIndex.hasStation(lake.root, id), "\(id)") }
        #expect(LakeIndex.hasStation(lake.root, "s"))

        for rel in Self.invalid { #expect(LakeLayout.parse(rel) == nil, "\(rel)") }
    }

    /// A June lake of one station over two years: a range inside June 2025 lists the station,
    /// year=2025, month=06 and the days it holds — never year=2024 or another month.
    @Test func aRangeIsPrunedBeforeListing() throws {
        let lake = try TempLake()
        for rel in ["station=s/year=2024/month=06/day=10/data_0015.parquet", "station=s/year=2025/month=05/day=10/data_0015.parquet",
                    "station=s/year=2025/month=06/day=09/data_0015.parquet", "station=s/year=2025/month=06/day=10/data_0015.parquet",
                    "station=s/year=2025/month=06/day=11/data_0015.parquet", "station=s/year=2025/month=07/day=10/data_0015.parquet",
                    "station=t/year=2025/month=06/day=10/data_0015.parquet"] {
            try lake.put(rel, Array("PAR1xxxxPAR1".utf8))
        }
        let june10 = Int(june1 / 86_400_000) + 9
        let log = ListingLog()
        let walker = LakeWalker(root: lake.root, firstDay: june10, lastDay: june10 + 1, stations: ["s"], list: log.lister(root: lake.root))
        var days: [String] = []
        let pruned = walker.forEachDay { days.append($0.path); return true }
        #expect(days == ["station=s/year=2025/month=06/day=10", "station=s/year=2025/month=06/day=11"])
        #expect(log.paths.withLock { $0 } == ["", "/station=s", "/station=s/year=2025", "/station=s/year=2025/month=06"])
        // station=t, year=2024, month=05, month=07, day=09.
        #expect(pruned == 5)

        // Unbounded on one side: everything from June 11 on.
        let later = LakeWalker(root: lake.root, firstDay: june10 + 1, list: ListingLog().lister(root: lake.root))
        #expect(later.days().map(\.path) == ["station=s/year=2025/month=06/day=11", "station=s/year=2025/month=07/day=10"])
    }

    /// Newest first, a walk stopped after the first day lists nothing of the older years.
    @Test func newestFirstStopsWithoutListingOlderFolders() throws {
        let lake = try TempLake()
        for rel in ["station=s/year=2023/month=01/day=01/data_0015.parquet", "station=s/year=2024/month=12/day=31/data_0015.parquet",
                    "station=s/year=2025/month=03/day=01/data_0015.parquet", "station=s/year=2025/month=03/day=02/data_0015.parquet"] {
            try lake.put(rel, Array("PAR1xxxxPAR1".utf8))
        }
        let log = ListingLog()
        let walker = LakeWalker(root: lake.root, newestFirst: true, list: log.lister(root: lake.root))
        var first: LakeDay?
        walker.forEachDay { first = $0; return false }
        #expect(first?.path == "station=s/year=2025/month=03/day=02" && first?.index == 20_149)  // 2025-03-02
        #expect(log.paths.withLock { $0 } == ["", "/station=s", "/station=s/year=2025", "/station=s/year=2025/month=03"])
    }

    @Test func linksAreFollowedOnlyWhenAsked() throws {
        let lake = try TempLake()
        try lake.put("elsewhere/data_0015.parquet", Array("PAR1xxxxPAR1".utf8))
        try lake.put("station=s/year=2025/month=06/day=10/data_0030.parquet", Array("PAR1xxxxPAR1".utf8))
        try FileManager.default.createSymbolicLink(atPath: lake.root + "/station=s/year=2025/month=06/day=11",
                                                   withDestinationPath: lake.root + "/elsewhere")
        try FileManager.default.createSymbolicLink(atPath: lake.root + "/station=s/year=2025/month=06/day=10/data_0045.parquet",
                                                   withDestinationPath: lake.root + "/elsewhere/data_0015.parquet")
        let following = LakeWalker(root: lake.root)
        #expect(following.days().map(\.day) == [10, 11])
        #expect(following.files(in: "station=s/year=2025/month=06/day=10").map(\.name) == ["data_0030.parquet", "data_0045.parquet"])
        let notFollowing = LakeWalker(root: lake.root, followsLinks: false)
        #expect(notFollowing.days().map(\.day) == [10])
        #expect(notFollowing.files(in: "station=s/year=2025/month=06/day=10").map(\.name) == ["data_0030.parquet"])
    }

    /// `info` and `status` count rows from footers alone: a batch file of 3 GiB (sparse: its
    /// pages at the front, its footer at the end, a hole between) is beyond any whole-file read,
    /// but its footer is a few hundred bytes.
    @Test func theScanReadsOnlyFooters() throws {
        let lake = try TempLake()
        var writer = ParquetWriter(schema: LakeSchemas.sensor)
        let times = (0..<180).map { june1 + Int64($0) * 5000 }
        try writer.write(LakeSchemas.sensor.columns.map { c in c.name == "timestamp" ? .int64(times) : .float(times.map { _ in 1 }) })
        let bytes = writer.finish()
        let footerLength = bytes.suffix(8).prefix(4).reversed().reduce(0) { $0 << 8 | Int($1) }
        let tailStart = bytes.count - 8 - footerLength
        let rel = LakeLayout.partition(station: "s", millis: june1) + "/data_0015.parquet"
        try lake.put(rel, Array(bytes[..<tailStart]))
        let size: UInt64 = 3 << 30
        let handle = try #require(FileHandle(forWritingAtPath: lake.root + "/" + rel))
        try handle.seek(toOffset: size - UInt64(bytes.count - tailStart))
        try handle.write(contentsOf: bytes[tailStart...])
        try handle.close()

        let scan = LakeScan(root: lake.root)
        #expect(scan.unreadable.isEmpty, "\(scan.unreadable)")
        let file = try #require(scan.files.first)
        #expect(file.path == rel && file.rows == 180 && file.bytes == Int(size))
        #expect(file.firstMillis == times.first && file.lastMillis == times.last)
    }
}
