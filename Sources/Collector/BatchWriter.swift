// Writing a batch as a Parquet file of the lake (docs/ARCHITECTURE.md §2 and §4): the partition of the
// first reading, the name of the closing boundary, never an existing name, atomically.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Lake
public import Parquet
import CivilTime
import Config
import DurableFiles

public struct BatchWriter: Sendable {
    public let root: String
    public let station: String
    public let compression: Compression
    /// Key in each file's key-value metadata: `<journal id in hex>:<first seq>-<last seq>`.
    static let journalKey = "opensensor.journal"

    public init(root: String, station: String, compression: Compression) {
        self.root = root
        self.station = station
        self.compression = compression
    }

    /// Writes `entries` (all of one batch, oldest first) as the batch closed at `boundary`;
    /// returns the file's path.
    public func write(_ entries: [Journal.Entry], boundary: Int64, journalID: UInt64) throws -> String {
        precondition(!entries.isEmpty)
        let seqs = entries.map(\.seq)
        let tag = "\(String(journalID, radix: 16)):\(seqs.min()!)-\(seqs.max()!)"
        return try write(Reading.columns(entries.map(\.reading)), schema: LakeSchemas.sensor, prefix: "data",
                         firstMillis: entries.map(\.reading.timestamp).min()!, boundary: boundary,
                         metadata: [KeyValue(key: Self.journalKey, value: tag)])
    }

    /// Writes one batch file of `schema` named `<prefix>_HHMM` after `boundary`, in the
    /// partition of `firstMillis`, under a name no file has yet.
    public func write(_ columns: [ColumnValues], schema: Schema, prefix: String, firstMillis: Int64, boundary: Int64,
                      metadata: [KeyValue] = []) throws -> String {
        let dir = root + "/" + LakeLayout.partition(station: station, millis: firstMillis)
        try Journal.makeDirectory(dir)
        var writer = ParquetWriter(schema: schema, options: WriterOptions(compression: compression))
        try writer.write(columns)
        let bytes = writer.finish(keyValueMetadata: metadata)
        let stem = LakeLayout.stem(prefix: prefix, boundaryMillis: boundary)
        var attempt = 0
        while true {
            let path = dir + "/" + LakeLayout.fileName(stem: stem, attempt: attempt)
            do {
                try ParquetFile.write(bytes, to: path, overwrite: false)
                return path
            } catch {
                guard case .alreadyExists = error else { throw error }
                attempt += 1  // the name is taken: never overwrite, take the next one
            }
        }
    }

    /// The last journal sequence number of `journalID` already in a file of the batch closed
    /// at `boundary` whose first reading is at `firstTimestamp` — what a crash between writing
    /// a batch and trimming the journal leaves behind — or nil.
    public func lastWrittenSeq(boundary: Int64, firstTimestamp: Int64, journalID: UInt64) -> UInt64? {
        let dir = root + "/" + LakeLayout.partition(station: station, millis: firstTimestamp)
        let stem = LakeLayout.stem(prefix: "data", boundaryMillis: boundary)
        let prefix = String(journalID, radix: 16) + ":"
        var best: UInt64?
        var attempt = 0
        while let bytes = try? ParquetFile.readAll(dir + "/" + LakeLayout.fileName(stem: stem, attempt: attempt)) {
            attempt += 1
            guard let meta = try? FileMetaData.read(fileBytes: bytes),
                  let tag = meta.keyValueMetadata?.first(where: { $0.key == Self.journalKey })?.value,
                  tag.hasPrefix(prefix), let dash = tag.lastIndex(of: "-"), let last = UInt64(tag[tag.index(after: dash)...])
            else { continue }
            best = max(best ?? 0, last)
        }
        return best
    }
}
