// Scanning a lake: every file that follows the layout, with what its footer says (rows, time
// range). Files that do not follow the layout are skipped — temporary files, the journal, a
// user's notes — and unreadable files are reported, not fatal.

#if canImport(Glibc)
import Glibc
#endif
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

    /// Scans `root` (recursively; a missing root is an empty lake).
    public init(root: String) {
        var stack = [""]
        while let rel = stack.popLast() {
            let dirPath = rel.isEmpty ? root : root + "/" + rel
            guard let dir = opendir(dirPath) else { continue }
            defer { closedir(dir) }
            while let ent = readdir(dir) {
                let name = withUnsafeBytes(of: ent.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name.hasPrefix(".") { continue }
                let child = rel.isEmpty ? name : rel + "/" + name
                var st = stat()
                guard stat(root + "/" + child, &st) == 0 else { continue }
                if (st.st_mode & S_IFMT) == S_IFDIR {
                    stack.append(child)
                } else if let entry = LakeLayout.parse(child) {
                    scanFile(root: root, child, entry, bytes: Int(st.st_size), modified: Int64(st.st_mtim.tv_sec) * 1000)
                }
            }
        }
        files.sort { $0.path < $1.path }
    }

    private mutating func scanFile(root: String, _ rel: String, _ entry: LakeLayout.Entry, bytes: Int, modified: Int64) {
        do {
            let data = try ParquetFile.readAll(root + "/" + rel)
            let meta = try FileMetaData.read(fileBytes: data)
            var first: Int64?, last: Int64?
            if meta.leafColumns.first?.name == "timestamp" {
                for group in meta.rowGroups {
                    guard let s = group.columns.first?.metaData?.statistics,
                          let lo = Self.int64(s.minValue), let hi = Self.int64(s.maxValue) else { continue }
                    first = min(first ?? lo, lo)
                    last = max(last ?? hi, hi)
                }
            }
            files.append(LakeFile(path: rel, entry: entry, bytes: bytes, rows: meta.numRows, firstMillis: first, lastMillis: last, modified: modified))
        } catch {
            unreadable.append((rel, "\(error)"))
        }
    }

    static func int64(_ b: [UInt8]?) -> Int64? {
        guard let b, b.count == 8 else { return nil }
        return b.reversed().reduce(Int64(0)) { $0 << 8 | Int64($1) }
    }
}
