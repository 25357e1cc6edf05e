// Decoding one column chunk: its pages (parquet-format README "Data Pages", "Column chunks"),
// codecs, definition levels and value encodings (Encodings.md). Every length and count comes
// from the file and is checked against the bytes that could hold it before anything is
// allocated; a chunk decodes page by page, so memory is the chunk's bytes plus its values.

/// Decodes the pages of one column chunk of one row group into values.
struct ColumnChunkDecoder {
    let column: ParquetColumn
    let codec: CompressionCodec
    /// The rows the row group claims, already checked against the reader's limits.
    let rows: Int

    /// Decodes `chunk`, the bytes of the column chunk (its pages, headers included).
    func decode(_ chunk: [UInt8]) throws(ParquetReadError) -> ColumnValues {
        guard column.maxRepetitionLevel == 0, column.maxDefinitionLevel <= 1 else {
            throw ParquetReadError("column \(column.name): nested or repeated columns are not supported (only flat schemas)")
        }
        do throws(ParquetReadError) {
            switch column.physicalType {
            case .boolean: return .boolean(try values(Bool.self, chunk))
            case .int32: return .int32(try values(Int32.self, chunk))
            case .int64: return .int64(try values(Int64.self, chunk))
            case .float: return .float(try values(Float.self, chunk))
            case .double: return .double(try values(Double.self, chunk))
            case .byteArray: return .string(try values(String.self, chunk))
            default: throw ParquetReadError("physical type \(column.physicalType) is not supported")
            }
        } catch {
            throw ParquetReadError("column \(column.name): \(error.message)")
        }
    }

    private func values<T: ParquetPlainDecodable>(_: T.Type, _ chunk: [UInt8]) throws(ParquetReadError) -> [T?] {
        var out: [T?] = []
        out.reserveCapacity(rows)
        var dictionary: [T]?
        var position = 0
        var page = 0
        while position < chunk.count && out.count < rows {
            var r = ThriftCompactReader(chunk, range: position..<chunk.count)
            let header: PageHeader
            do { header = try PageHeader.decode(&r) } catch { throw ParquetReadError("page \(page): header: \(error)") }
            let bodyStart = r.position
            let compressedSize = Int(header.compressedPageSize)
            let uncompressedSize = Int(header.uncompressedPageSize)
            guard compressedSize >= 0, uncompressedSize >= 0, compressedSize <= chunk.count - bodyStart else {
                throw ParquetReadError("page \(page): \(compressedSize) bytes run past the end of the column chunk (\(chunk.count - bodyStart) left)")
            }
            // No codec expands data more than ~1000×, so a larger claim is a lie that would
            // make us allocate far beyond the file's size.
            guard uncompressedSize <= compressedSize * 1100 + 1024 else {
                throw ParquetReadError("page \(page): claims \(uncompressedSize) uncompressed bytes from \(compressedSize)")
            }
            position = bodyStart + compressedSize
            let body = chunk[bodyStart..<position]
            switch header.type {
            case .dictionaryPage:
                guard let d = header.dictionaryPageHeader else { throw ParquetReadError("page \(page): dictionary page without its header") }
                guard dictionary == nil else { throw ParquetReadError("page \(page): a second dictionary page") }
                guard d.encoding == .plain || d.encoding == .plainDictionary else {
                    throw ParquetReadError("page \(page): dictionary encoded \(d.encoding), expected PLAIN")
                }
                guard d.numValues >= 0 else { throw ParquetReadError("page \(page): dictionary of \(d.numValues) values") }
                let bytes = try decompressed(body, size: uncompressedSize, page: page)
                dictionary = try withBytes(bytes) { (raw) throws(ParquetReadError) in
                    var c = ByteCursor(raw)
                    return try T.decodePlain(&c, count: Int(d.numValues))
                }
            case .dataPage:
                guard let d = header.dataPageHeader else { throw ParquetReadError("page \(page): data page without its header") }
                let n = Int(d.numValues)
                guard n >= 0, n <= rows - out.count else {
                    throw ParquetReadError("page \(page): \(n) values, but only \(rows - out.count) of the row group's \(rows) rows remain")
                }
                let bytes = try decompressed(body, size: uncompressedSize, page: page)
                try withBytes(bytes) { (raw) throws(ParquetReadError) in
                    var c = ByteCursor(raw)
                    var levels: [UInt64]?
                    if column.maxDefinitionLevel > 0 {
                        guard d.definitionLevelEncoding == .rle else {
                            throw ParquetReadError("page \(page): definition levels encoded \(d.definitionLevelEncoding), expected RLE")
                        }
                        let length = Int(try c.uint32())
                        var lc = ByteCursor(try c.take(length))
                        levels = try RLEHybrid.decode(&lc, width: 1, count: n)
                    }
                    try appendPage(levels: levels, valueCount: n, encoding: d.encoding, values: &c, dictionary: dictionary, to: &out)
                }
            case .dataPageV2:
                guard let d = header.dataPageHeaderV2 else { throw ParquetReadError("page \(page): v2 data page without its header") }
                let n = Int(d.numValues)
                guard n >= 0, n <= rows - out.count, Int(d.numRows) == n else {
                    throw ParquetReadError("page \(page): \(d.numValues) values in \(d.numRows) rows, but \(rows - out.count) of the row group's \(rows) rows remain")
                }
                let repLength = Int(d.repetitionLevelsByteLength), defLength = Int(d.definitionLevelsByteLength)
                guard repLength == 0 else { throw ParquetReadError("page \(page): repetition levels in a flat column") }
                guard defLength >= 0, defLength <= compressedSize, defLength <= uncompressedSize else {
                    throw ParquetReadError("page \(page): \(defLength) bytes of definition levels in a page of \(compressedSize)")
                }
                // v2 keeps the levels uncompressed ahead of the values (parquet.thrift
                // DataPageHeaderV2); only the values may be compressed.
                let valueBytes = body[(body.startIndex + defLength)...]
                let values = d.isCompressed
                    ? try decompressed(valueBytes, size: uncompressedSize - defLength, page: page)
                    : Array(valueBytes)
                var levels: [UInt64]?
                if column.maxDefinitionLevel > 0 {
                    levels = try withBytes(Array(body.prefix(defLength))) { (raw) throws(ParquetReadError) in
                        var lc = ByteCursor(raw)
                        return try RLEHybrid.decode(&lc, width: 1, count: n)
                    }
                    let nulls = levels!.reduce(0) { $0 + ($1 == 0 ? 1 : 0) }
                    guard nulls == Int(d.numNulls) else {
                        throw ParquetReadError("page \(page): definition levels give \(nulls) nulls, the header says \(d.numNulls)")
                    }
                } else if d.numNulls != 0 {
                    throw ParquetReadError("page \(page): \(d.numNulls) nulls in a required column")
                }
                try withBytes(values) { (raw) throws(ParquetReadError) in
                    var c = ByteCursor(raw)
                    try appendPage(levels: levels, valueCount: n, encoding: d.encoding, values: &c, dictionary: dictionary, to: &out)
                }
            case .indexPage:
                break  // never needed to read values; skipped as the format allows
            }
            page += 1
        }
        guard out.count == rows else { throw ParquetReadError("pages hold \(out.count) values, the row group has \(rows) rows") }
        return out
    }

    private func decompressed(_ body: ArraySlice<UInt8>, size: Int, page: Int) throws(ParquetReadError) -> [UInt8] {
        do {
            return try body.withUnsafeBytes { (raw) throws(CompressionError) in try decompress(codec, raw, uncompressedSize: size) }
        } catch {
            throw ParquetReadError("page \(page): \(error)")
        }
    }

    /// Decodes the values of one data page and appends them, with nulls where `levels` is 0.
    private func appendPage<T: ParquetPlainDecodable>(levels: [UInt64]?, valueCount n: Int, encoding: Encoding, values c: inout ByteCursor,
                                                      dictionary: [T]?, to out: inout [T?]) throws(ParquetReadError) {
        let present = levels.map { $0.reduce(0) { $0 + Int($1) } } ?? n
        let flat = try ValueDecoding.decode(T.self, encoding: encoding, &c, count: present, dictionary: dictionary)
        guard let levels else {
            out.append(contentsOf: flat.lazy.map { Optional($0) })
            return
        }
        var k = 0
        for l in levels {
            if l == 1 {
                out.append(flat[k])
                k += 1
            } else {
                out.append(nil)
            }
        }
    }
}

extension ParquetFile {
    /// Decodes column `index` of row group `group` of a file held in memory.
    public static func readColumn(_ bytes: [UInt8], metadata: FileMetaData, rowGroup group: Int, column index: Int) throws(ParquetReadError) -> ColumnValues {
        guard group >= 0, group < metadata.rowGroups.count, index >= 0, index < metadata.rowGroups[group].columns.count else {
            throw ParquetReadError("no column \(index) in row group \(group)")
        }
        let columns = try metadata.parquetColumns()
        guard index < columns.count else { throw ParquetReadError("column \(index) missing from the schema") }
        let rows = try ChunkLocation.rows(of: metadata.rowGroups[group], group: group, limit: ParquetReadLimits().maxRowsPerRowGroup(fileSize: bytes.count))
        let range = try ChunkLocation.range(of: metadata.rowGroups[group].columns[index], column: columns[index],
                                            contentEnd: bytes.count - 8, rows: rows)
        guard let codec = metadata.rowGroups[group].columns[index].metaData?.codec else { throw ParquetReadError("column chunk without metadata") }
        return try ColumnChunkDecoder(column: columns[index], codec: codec, rows: rows).decode(Array(bytes[range]))
    }
}

/// Where a column chunk's pages lie, checked against the file.
enum ChunkLocation {
    /// The byte range of the chunk's pages; empty for a row group without rows, whose chunks
    /// writers may leave without pages (pyarrow stores offset 0, size 0).
    static func range(of chunk: ColumnChunk, column: ParquetColumn, contentEnd: Int, rows: Int) throws(ParquetReadError) -> Range<Int> {
        guard let meta = chunk.metaData else { throw ParquetReadError("column \(column.name): chunk without metadata (encrypted or in another file?)") }
        guard meta.type == column.physicalType else {
            throw ParquetReadError("column \(column.name): chunk has type \(meta.type), the schema \(column.physicalType)")
        }
        if rows == 0 { return 0..<0 }
        // Some writers store 0 for "no dictionary page"; a dictionary page always comes first.
        var start = meta.dataPageOffset
        if let d = meta.dictionaryPageOffset, d > 0, d < start { start = d }
        let size = meta.totalCompressedSize
        guard start >= 4, size >= 0, start <= Int64(contentEnd), size <= Int64(contentEnd) - start else {
            throw ParquetReadError("column \(column.name): chunk at byte \(start) of \(size) bytes lies outside the file's \(contentEnd) bytes of data")
        }
        guard meta.dataPageOffset >= start, meta.dataPageOffset < start + max(size, 1) else {
            throw ParquetReadError("column \(column.name): first data page at byte \(meta.dataPageOffset) lies outside its chunk at \(start)..<\(start + size)")
        }
        return Int(start)..<Int(start + size)
    }

    static func rows(of group: RowGroup, group index: Int, limit: Int) throws(ParquetReadError) -> Int {
        guard group.numRows >= 0, group.numRows <= Int64(limit) else {
            throw ParquetReadError("row group \(index) claims \(group.numRows) rows, above the limit of \(limit) for a file this size")
        }
        return Int(group.numRows)
    }
}

/// Bounds that keep a hostile file from making the reader allocate without limit.
public struct ParquetReadLimits: Sendable {
    /// Rows a row group may claim, at least; above this a row group must also not exceed
    /// `rowsPerFileByte` rows per byte of file. All-null and constant columns legitimately
    /// encode many rows in few bytes (an RLE run), so the bound is generous, but it keeps a
    /// kilobyte of hostile input from claiming billions of rows.
    public var minRowsPerRowGroup = 1 << 20
    public var rowsPerFileByte = 64

    public init() {}

    func maxRowsPerRowGroup(fileSize: Int) -> Int {
        max(minRowsPerRowGroup, fileSize.multipliedReportingOverflow(by: rowsPerFileByte).overflow ? Int.max : fileSize * rowsPerFileByte)
    }
}
