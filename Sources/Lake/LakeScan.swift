// Scanning a lake: every file the lake walker finds, with what its footer says (rows, time
// range). Files that do not follow the layout are skipped — temporary files, the journal, a
// user's notes — and unreadable files are reported, not fatal.

import Parquet

public struct LakeFile: Sendable, Equatable {
    /// Path relative to the lake's root.
    public var path: String
    public var entry: LakeLayout.Entry
    public var bytes: Int
    public var rows: Int64
    /// First and last timestamp (UTC ms), from the column statistics; nil for an empty file.
    public var firstMillis: Int64?
    public var lastMillis: Int64?
    public var modified: Int64
}

public struct LakeScan: Sendable {
    public var files: [LakeFile] = []
    /// Files that follow the layout but could not be read, with the reason.
    public var unreadable: [(path: String, reason: String)] = []

    /// Scans `root` (a missing root is an empty lake). Only footers are read: rows and the time
    /// range are in them, and a year of batches is tens of thousands of files.
    public init(root: String) {
        let walker = LakeWalker(root: root)
        for day in walker.days() {
            for file in walker.files(in: day.path) {
                scanFile(root: root, file)
            }
        }
        files.sort { $0.path < $1.path }
    }

    private mutating func scanFile(root: String, _ file: LakeDayFile) {
        do {
            let meta = try ParquetFileReader(path: root + "/" + file.path).metadata
            var first: Int64?, last: Int64?
            if meta.leafColumns.first?.name == "timestamp" {
                for group in meta.rowGroups {
                    guard let s = group.columns.first?.metaData?.statistics,
                          let lo = Self.int64(s.minValue), let hi = Self.int64(s.maxValue) else { continue }
                    first = min(first ?? lo, lo)
                    last = max(last ?? hi, hi)
                }
            }
            files.append(LakeFile(path: file.path, entry: file.entry, bytes: Int(file.size), rows: meta.numRows, firstMillis: first,
                                  lastMillis: last, modified: file.mtimeNanos.floorDiv(1_000_000_000) * 1000))
        } catch {
            unreadable.append((file.path, error.message))
        }
    }

    static func int64(_ b: [UInt8]?) -> Int64? {
        guard let b, b.count == 8 else { return nil }
        return b.reversed().reduce(Int64(0)) { $0 << 8 | Int64($1) }
    }
}
