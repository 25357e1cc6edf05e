// File → row groups → column chunks. The whole file is assembled in memory (a 15-minute batch
// is ~10 KB, a day ~1 MB) and then written in one go, atomically, by `ParquetFile.write`.

/// Encodes rows of a flat schema into the bytes of a Parquet file.
public struct ParquetWriter: Sendable {
    public let schema: Schema
    public let options: WriterOptions
    private var bytes: [UInt8] = Array("PAR1".utf8)
    private var rowGroups: [RowGroup] = []
    private var rowCount: Int64 = 0

    public init(schema: Schema, options: WriterOptions = WriterOptions()) {
        self.schema = schema
        self.options = options
    }

    /// Appends rows given column by column, in schema order; splits them into row groups of at
    /// most `options.maxRowsPerRowGroup` rows, and where `options.rowGroupSpanMilliseconds`
    /// asks, at each multiple of that span the first column's timestamps pass.
    public mutating func write(_ columns: [ColumnValues]) throws(ParquetWriteError) {
        guard columns.count == schema.columns.count else {
            throw .columnCount(expected: schema.columns.count, got: columns.count)
        }
        let rows = columns.first?.count ?? 0
        for (c, values) in zip(schema.columns, columns) {
            guard values.count == rows else { throw .rowCountMismatch(column: c.name, expected: rows, got: values.count) }
            guard values.physicalType == c.type.physicalType else {
                throw .typeMismatch(column: c.name, expected: c.type, got: values.physicalType)
            }
        }
        let ends = rowGroupEnds(columns, rows: rows)
        if ends.count == 1 {
            try writeRowGroup(columns, rows: rows)
            return
        }
        var start = 0
        for end in ends {
            try writeRowGroup(columns.map { $0.slice(start..<end) }, rows: end - start)
            start = end
        }
    }

    /// Where each row group ends: at most `maxRowsPerRowGroup` rows, and with a span, a new
    /// group where the first column's timestamp reaches a later multiple of it (a null stays in
    /// the group before it, so do out-of-order rows that go back in time).
    private func rowGroupEnds(_ columns: [ColumnValues], rows: Int) -> [Int] {
        let limit = max(1, options.maxRowsPerRowGroup)
        var timestamps: [Int64?] = []
        if let span = options.rowGroupSpanMilliseconds, span > 0, schema.columns.first?.type == .timestampMillisUTC,
           case .int64(let t) = columns[0] {
            timestamps = t
        }
        guard !timestamps.isEmpty, let span = options.rowGroupSpanMilliseconds else {
            return rows <= limit ? [rows] : Array(stride(from: limit, to: rows, by: limit)) + [rows]
        }
        func period(_ t: Int64) -> Int64 { t / span - (t % span < 0 ? 1 : 0) }
        var ends: [Int] = []
        var start = 0
        var latest: Int64?
        for (row, t) in timestamps.enumerated() {
            var cut = row - start >= limit
            if let t {
                let p = period(t)
                if let l = latest, p > l {
                    cut = true
                    latest = p
                } else if latest == nil {
                    latest = p
                }
            }
            if cut && row > start {
                ends.append(row)
                start = row
            }
        }
        ends.append(rows)
        return ends
    }

    private mutating func writeRowGroup(_ columns: [ColumnValues], rows: Int) throws(ParquetWriteError) {
        // An empty input still gets one (empty) row group, as other writers do, so that every
        // column has a chunk and readers see the schema's types.
        let groupStart = Int64(bytes.count)
        var chunks: [ColumnChunk] = []
        var uncompressed: Int64 = 0
        let scratch = CompressionScratch()
        for (column, values) in zip(schema.columns, columns) {
            let encoded = try ColumnChunkWriter(column: column, options: options, scratch: scratch).write(values)
            let base = Int64(bytes.count)
            var meta = encoded.meta
            meta.dataPageOffset = base + Int64(encoded.dataPageRelativeOffset)
            meta.dictionaryPageOffset = encoded.dictionaryPageRelativeOffset.map { base + Int64($0) }
            bytes.append(contentsOf: encoded.bytes)
            uncompressed += meta.totalUncompressedSize
            chunks.append(ColumnChunk(fileOffset: base, metaData: meta))
        }
        rowGroups.append(RowGroup(columns: chunks, totalByteSize: uncompressed, numRows: Int64(rows),
                                  fileOffset: groupStart, totalCompressedSize: Int64(bytes.count) - groupStart,
                                  ordinal: Int16(truncatingIfNeeded: rowGroups.count)))
        rowCount += Int64(rows)
    }

    /// Finishes the file: footer, its length and the closing magic. Returns the file's bytes.
    public mutating func finish(keyValueMetadata: [KeyValue] = []) -> [UInt8] {
        if rowGroups.isEmpty {
            // Cannot fail: zero rows of the right types.
            try? writeRowGroup(schema.columns.map { Self.empty($0.type) }, rows: 0)
        }
        let footer = FileMetaData(
            version: 1, schema: schema.elements, numRows: rowCount, rowGroups: rowGroups,
            keyValueMetadata: keyValueMetadata.isEmpty ? nil : keyValueMetadata, createdBy: options.createdBy,
            columnOrders: Array(repeating: true, count: schema.columns.count)
        ).serialized()
        var out = bytes
        out.append(contentsOf: footer)
        let n = UInt32(footer.count)
        withUnsafeBytes(of: n.littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: Array("PAR1".utf8))
        return out
    }

    private static func empty(_ type: ColumnType) -> ColumnValues {
        switch type.physicalType {
        case .boolean: .boolean([])
        case .int32: .int32([])
        case .float: .float([])
        case .double: .double([])
        case .byteArray: .string([])
        default: .int64([])
        }
    }
}
