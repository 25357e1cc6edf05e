// A Parquet file opened for reading one row group at a time. Opening reads only the footer
// (the last 8 bytes, then the footer itself); each row group read fetches just the byte ranges
// of the projected column chunks with pread, so memory stays bounded by the largest row group
// read, not by the file.

import DurableFiles

/// A Parquet file opened for reading: its footer, its columns, and its row groups on demand.
///
/// Every error is a `ParquetReadError` naming the file (when opened from a path) and what is
/// wrong with it. Safe to share between tasks: its state never changes after opening, and each
/// read is a `pread` at an explicit offset, which does not move a shared file position.
public final class ParquetFileReader: @unchecked Sendable {
    /// The path the file was opened from; nil for bytes in memory.
    public let path: String?
    /// The file's size in bytes.
    public let fileSize: Int
    /// The decoded footer.
    public let metadata: FileMetaData
    /// The leaf columns, in file order.
    public let columns: [ParquetColumn]
    private let source: Source
    private let limits: ParquetReadLimits

    private enum Source {
        case file(ReadFile)
        case memory([UInt8])
    }

    /// Opens `path` and reads its footer.
    public init(path: String, limits: ParquetReadLimits = ParquetReadLimits()) throws(ParquetReadError) {
        let file: ReadFile
        do { file = try ReadFile(path: path) } catch { throw ParquetReadError("cannot \(error.operation): \(error.reason)", file: path) }
        guard file.isRegular else { throw ParquetReadError("not a regular file", file: path) }
        self.path = path
        self.fileSize = file.size
        self.source = .file(file)
        self.limits = limits
        do {
            (metadata, columns) = try Self.openFooter(size: fileSize) { (offset, count) throws(ParquetReadError) in
                try Self.read(file, offset: offset, count: count)
            }
        } catch {
            throw error.inFile(path)
        }
    }

    /// Reads a file held in memory (tests, the fuzzer, bytes from object storage).
    public init(bytes: [UInt8], limits: ParquetReadLimits = ParquetReadLimits()) throws(ParquetReadError) {
        path = nil
        fileSize = bytes.count
        source = .memory(bytes)
        self.limits = limits
        (metadata, columns) = try Self.openFooter(size: bytes.count) { (offset, count) throws(ParquetReadError) in
            Array(bytes[offset..<(offset + count)])
        }
    }

    private static func openFooter(size: Int, read: (Int, Int) throws(ParquetReadError) -> [UInt8]) throws(ParquetReadError) -> (FileMetaData, [ParquetColumn]) {
        guard size >= 12 else { throw ParquetReadError("file is \(size) bytes, too short for Parquet (at least 12)") }
        let length = try FileMetaData.footerLength(tail: try read(size - 8, 8), fileSize: size)
        // The leading magic and the footer in one read when the footer starts near the front
        // (small files); otherwise the four bytes separately.
        let footerStart = size - 8 - length
        let metadata: FileMetaData
        if footerStart <= 4096 {
            let head = try read(0, size - 8)
            guard head.prefix(4).elementsEqual(parquetMagic) else { throw ParquetReadError("missing PAR1 magic at the start") }
            metadata = try FileMetaData.decodeFooter(head, range: footerStart..<(size - 8))
        } else {
            let footer = try read(footerStart - 4, length + 4)
            metadata = try FileMetaData.decodeFooter(footer, range: 4..<footer.count)
            guard try read(0, 4) == parquetMagic else { throw ParquetReadError("missing PAR1 magic at the start") }
        }
        guard metadata.numRows >= 0 else { throw ParquetReadError("footer: \(metadata.numRows) rows") }
        let columns = try metadata.parquetColumns()
        var total: Int64 = 0
        for (g, group) in metadata.rowGroups.enumerated() {
            guard group.numRows >= 0 else { throw ParquetReadError("row group \(g) claims \(group.numRows) rows") }
            total = total.addingReportingOverflow(group.numRows).partialValue
        }
        guard total == metadata.numRows else {
            throw ParquetReadError("the row groups hold \(total) rows, the footer says \(metadata.numRows)")
        }
        return (metadata, columns)
    }

    /// `count` bytes at `offset`, exactly, or an error (a short read means a truncated file).
    private static func read(_ file: ReadFile, offset: Int, count: Int) throws(ParquetReadError) -> [UInt8] {
        let bytes: [UInt8]
        do { bytes = try file.read(count: count, at: offset) } catch {
            throw ParquetReadError("read of \(count) bytes at \(offset): \(error.reason)")
        }
        guard bytes.count == count else {
            throw ParquetReadError("file ends at \(offset + bytes.count) bytes, a read of \(count) at \(offset) needed more (changed while open?)")
        }
        return bytes
    }

    private func read(offset: Int, count: Int) throws(ParquetReadError) -> [UInt8] {
        switch source {
        case .file(let file): try Self.read(file, offset: offset, count: count)
        case .memory(let bytes): Array(bytes[offset..<(offset + count)])
        }
    }

    /// How many row groups the file has.
    public var rowGroupCount: Int { metadata.rowGroups.count }

    /// The total number of rows.
    public var rowCount: Int { Int(metadata.numRows) }

    /// The rows of row group `group`.
    public func rowCount(ofRowGroup group: Int) -> Int { Int(metadata.rowGroups[group].numRows) }

    /// The column named `name`, if the file has one.
    public func column(named name: String) -> ParquetColumn? { columns.first { $0.name == name } }

    /// The columns named in `names`, in that order; an unknown name is an error listing the
    /// file's columns.
    public func columns(named names: [String]) throws(ParquetReadError) -> [ParquetColumn] {
        var out: [ParquetColumn] = []
        for name in names {
            guard let c = column(named: name) else {
                throw ParquetReadError("no column \"\(name)\"; the file has: \(columns.map(\.name).joined(separator: ", "))", file: path)
            }
            out.append(c)
        }
        return out
    }

    /// Decodes row group `group`, one `ColumnValues` per entry of `columns` (leaf indices,
    /// default all), in that order. Reads only those chunks' bytes.
    public func readRowGroup(_ group: Int, columns selection: [Int]? = nil) throws(ParquetReadError) -> [ColumnValues] {
        let indices = selection ?? Array(columns.indices)
        var out: [ColumnValues] = []
        out.reserveCapacity(indices.count)
        for i in indices { out.append(try readColumn(rowGroup: group, column: i)) }
        return out
    }

    /// Decodes one column chunk.
    public func readColumn(rowGroup group: Int, column index: Int) throws(ParquetReadError) -> ColumnValues {
        do throws(ParquetReadError) {
            guard group >= 0, group < metadata.rowGroups.count else {
                throw ParquetReadError("no row group \(group); the file has \(metadata.rowGroups.count)")
            }
            guard index >= 0, index < columns.count else { throw ParquetReadError("no column \(index); the file has \(columns.count)") }
            let rowGroup = metadata.rowGroups[group]
            let chunk = rowGroup.columns[index]
            let rows = try ChunkLocation.rows(of: rowGroup, group: group, limit: limits.maxRowsPerRowGroup(fileSize: fileSize))
            let range = try ChunkLocation.range(of: chunk, column: columns[index], contentEnd: fileSize - 8, rows: rows)
            let bytes = try read(offset: range.lowerBound, count: range.count)
            let decoder = ColumnChunkDecoder(column: columns[index], codec: chunk.metaData!.codec, rows: rows)
            do {
                return try decoder.decode(bytes)
            } catch {
                throw ParquetReadError("row group \(group), \(error.message)")
            }
        } catch {
            throw error.inFile(path)
        }
    }
}
