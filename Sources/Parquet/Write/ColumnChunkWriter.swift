// Column chunk → pages. One chunk per column per row group: an optional dictionary page,
// then v1 data pages (parquet-format README "Data Pages": repetition levels, definition
// levels with a 4-byte length prefix, then values, compressed together).

/// A column chunk's bytes and what the footer says about them.
struct EncodedColumnChunk {
    var bytes: [UInt8]
    var meta: ColumnMetaData
    /// Offset of the first page relative to the start of `bytes`'s placement (set by the file writer).
    var dictionaryPageRelativeOffset: Int?
    var dataPageRelativeOffset: Int
}

enum ValueEncoding {
    case plain
    case dictionary
    case delta
    case byteStreamSplit
}

struct ColumnChunkWriter {
    let column: Column
    let options: WriterOptions
    let scratch: CompressionScratch

    func write(_ values: ColumnValues) throws(ParquetWriteError) -> EncodedColumnChunk {
        switch values {
        case .boolean(let v): try write(v, dictionary: { _ in nil }, delta: nil, split: nil)
        case .int32(let v): try write(v, dictionary: { DictionaryBuilder.build($0) }, delta: { $0.map(Int64.init) }, split: nil)
        case .int64(let v): try write(v, dictionary: { DictionaryBuilder.build($0) }, delta: { Array($0) }, split: nil)
        case .float(let v): try write(v, dictionary: { DictionaryBuilder.build($0) }, delta: nil, split: ByteStreamSplit.encode)
        case .double(let v): try write(v, dictionary: { DictionaryBuilder.build($0) }, delta: nil, split: ByteStreamSplit.encode)
        case .string(let v): try write(v, dictionary: { DictionaryBuilder.build($0) }, delta: nil, split: nil)
        }
    }

    private func write<T: ParquetValue>(
        _ optionalValues: [T?],
        dictionary: (UnsafeBufferPointer<T>) -> DictionaryEncoded<T>?,
        delta: ((UnsafeBufferPointer<T>) -> [Int64])?,
        split: ((UnsafeBufferPointer<T>, inout [UInt8]) -> Void)?
    ) throws(ParquetWriteError) -> EncodedColumnChunk {
        let rows = optionalValues.count
        // Split into the non-null values and the definition levels (1 = present); no levels
        // when every row is present, the common case, which each page then writes as one run.
        let values = [T](unsafeUninitializedCapacity: rows) { buffer, initialized in
            var n = 0
            optionalValues.withUnsafeBufferPointer { all in
                for v in all {
                    if let v {
                        (buffer.baseAddress! + n).initialize(to: v)
                        n += 1
                    }
                }
            }
            initialized = n
        }
        let nullCount = rows - values.count
        var levels: [UInt64] = []
        if nullCount > 0 {
            guard column.isOptional else {
                throw .nullInRequiredColumn(column: column.name, row: optionalValues.firstIndex { $0 == nil }!)
            }
            levels = optionalValues.map { $0 == nil ? 0 : 1 }
        }
        let statistics = Self.statistics(values, nullCount: Int64(rows - values.count))

        // The allowed encodings and the size of each one's values (dictionary: with its page).
        // BYTE_STREAM_SPLIT, where allowed, takes PLAIN's place: the same size, and a codec
        // shrinks it more.
        let plainSize = values.withUnsafeBufferPointer { T.plainSize(of: $0) }
        let useSplit = options.byteStreamSplit && split != nil
        var candidates: [(encoding: ValueEncoding, size: Int)] = [(useSplit ? .byteStreamSplit : .plain, plainSize)]
        if useSplit && options.encodingByCompressedSize { candidates.append((.plain, plainSize)) }
        var dict: DictionaryEncoded<T>?
        var dictIndexBytes: [UInt8] = []
        var deltaValues: [Int64] = []
        var deltaBytes: [UInt8] = []
        values.withUnsafeBufferPointer { buf in
            if options.dictionary, let d = dictionary(buf) {
                let width = bitWidth(of: UInt64(d.dictionary.count - 1))
                dictIndexBytes.reserveCapacity(values.count * width / 8 + 16)
                dictIndexBytes.append(UInt8(width))
                d.indices.withUnsafeBufferPointer { RLEHybrid.encode($0, width: width, into: &dictIndexBytes) }
                var dictSize = 0
                for v in d.dictionary { dictSize += v.plainSize }
                candidates.append((.dictionary, dictSize + dictIndexBytes.count))
                dict = d
            }
            if options.deltaIntegers, let delta {
                deltaValues = delta(buf)
                deltaValues.withUnsafeBufferPointer { DeltaBinaryPacked.encode($0, into: &deltaBytes) }
                candidates.append((.delta, deltaBytes.count))
            }
        }

        // The data pages (after a dictionary page, for a dictionary) of one encoding.
        func pages(_ encoding: ValueEncoding, size: Int) -> [Page] {
            var pages: [Page] = []
            if encoding == .dictionary, let dict {
                var body: [UInt8] = []
                dict.dictionary.withUnsafeBufferPointer { T.appendPlain($0, to: &body) }
                let count = Int32(dict.dictionary.count)
                pages.append(Page(body: body) { size, compressed in
                    PageHeader(type: .dictionaryPage, uncompressedPageSize: size, compressedPageSize: compressed,
                               dictionaryPageHeader: DictionaryPageHeader(numValues: count, encoding: .plain))
                })
            }
            // Pages by row range, sized on the encoding's bytes per row.
            let pageCount = max(1, (size + rows / 8) / max(1, options.dataPageSize) + 1)
            let rowsPerPage = max(1, (rows + pageCount - 1) / pageCount)
            var valueStart = 0
            var rowStart = 0
            repeat {
                let rowEnd = min(rows, rowStart + rowsPerPage)
                let present = levels.isEmpty ? rowEnd - rowStart : levels[rowStart..<rowEnd].reduce(0) { $0 + Int($1) }
                let valueEnd = valueStart + present
                let wholeChunk = rowStart == 0 && rowEnd == rows
                var pageBuffer: [UInt8] = []
                pageBuffer.reserveCapacity(size / pageCount + (rowEnd - rowStart) / 8 + 16)
                if column.isOptional {
                    // Definition levels: RLE hybrid, bit width 1, behind a 4-byte length (v1 pages).
                    pageBuffer.append(contentsOf: [0, 0, 0, 0])
                    if !levels.isEmpty {
                        levels.withUnsafeBufferPointer { RLEHybrid.encode(UnsafeBufferPointer(rebasing: $0[rowStart..<rowEnd]), width: 1, into: &pageBuffer) }
                    } else if rowEnd > rowStart {
                        appendVarint(UInt64(rowEnd - rowStart) << 1, to: &pageBuffer)
                        pageBuffer.append(1)
                    }
                    let n = UInt32(pageBuffer.count - 4)
                    for k in 0..<4 { pageBuffer[k] = UInt8(truncatingIfNeeded: n >> (8 * UInt32(k))) }
                }
                let pageEncoding: Encoding
                switch encoding {
                case .plain:
                    pageEncoding = .plain
                    values.withUnsafeBufferPointer { T.appendPlain(UnsafeBufferPointer(rebasing: $0[valueStart..<valueEnd]), to: &pageBuffer) }
                case .dictionary:
                    pageEncoding = .rleDictionary
                    if wholeChunk {
                        pageBuffer.append(contentsOf: dictIndexBytes)
                    } else {
                        let width = Int(dictIndexBytes[0])
                        pageBuffer.append(UInt8(width))
                        dict!.indices.withUnsafeBufferPointer { RLEHybrid.encode(UnsafeBufferPointer(rebasing: $0[valueStart..<valueEnd]), width: width, into: &pageBuffer) }
                    }
                case .delta:
                    pageEncoding = .deltaBinaryPacked
                    if wholeChunk {
                        pageBuffer.append(contentsOf: deltaBytes)
                    } else {
                        deltaValues.withUnsafeBufferPointer { DeltaBinaryPacked.encode(UnsafeBufferPointer(rebasing: $0[valueStart..<valueEnd]), into: &pageBuffer) }
                    }
                case .byteStreamSplit:
                    // Written straight into the page: nothing else needs the split bytes.
                    pageEncoding = .byteStreamSplit
                    values.withUnsafeBufferPointer { split!(UnsafeBufferPointer(rebasing: $0[valueStart..<valueEnd]), &pageBuffer) }
                }
                let numValues = Int32(rowEnd - rowStart)
                pages.append(Page(body: pageBuffer) { size, compressed in
                    PageHeader(type: .dataPage, uncompressedPageSize: size, compressedPageSize: compressed,
                               dataPageHeader: DataPageHeader(numValues: numValues, encoding: pageEncoding,
                                                              definitionLevelEncoding: .rle, repetitionLevelEncoding: .rle))
                })
                rowStart = rowEnd
                valueStart = valueEnd
            } while rowStart < rows
            return pages
        }

        // A chunk the codec does not shrink (noisy floats under snappy) is stored uncompressed:
        // the codec is per column chunk, so every reader handles the mix, and it saves both
        // bytes and the readers' decompression.
        func emitSmaller(_ pages: [Page]) throws(ParquetWriteError) -> (bytes: [UInt8], uncompressed: Int, firstPage: Int, codec: Compression) {
            let written = try emit(pages, options.compression)
            if options.compression != .uncompressed && written.0.count >= written.1 {
                let plain = try emit(pages, .uncompressed)
                return (plain.0, plain.1, plain.2, .uncompressed)
            }
            return (written.0, written.1, written.2, options.compression)
        }

        // The encoding: the smallest before compression, the first on a tie; or, when asked,
        // the smallest as written, which compresses every candidate.
        var chosen = candidates[0]
        var written: (bytes: [UInt8], uncompressed: Int, firstPage: Int, codec: Compression)
        if options.encodingByCompressedSize && options.compression != .uncompressed && candidates.count > 1 {
            written = try emitSmaller(pages(chosen.encoding, size: chosen.size))
            for candidate in candidates.dropFirst() {
                let other = try emitSmaller(pages(candidate.encoding, size: candidate.size))
                if other.bytes.count < written.bytes.count {
                    chosen = candidate
                    written = other
                }
            }
        } else {
            for candidate in candidates.dropFirst() where candidate.size < chosen.size { chosen = candidate }
            written = try emitSmaller(pages(chosen.encoding, size: chosen.size))
        }

        let encodings: [Encoding] = switch chosen.encoding {
        case .plain: [.plain, .rle]
        case .dictionary: [.plain, .rle, .rleDictionary]
        case .delta: [.rle, .deltaBinaryPacked]
        case .byteStreamSplit: [.rle, .byteStreamSplit]
        }
        let isDictionary = chosen.encoding == .dictionary
        let meta = ColumnMetaData(
            type: T.physicalType, encodings: encodings, pathInSchema: [column.name], codec: written.codec.codec,
            numValues: Int64(rows), totalUncompressedSize: Int64(written.uncompressed), totalCompressedSize: Int64(written.bytes.count),
            dataPageOffset: 0, dictionaryPageOffset: nil, statistics: statistics)
        return EncodedColumnChunk(bytes: written.bytes, meta: meta, dictionaryPageRelativeOffset: isDictionary ? 0 : nil,
                                  dataPageRelativeOffset: isDictionary ? written.firstPage : 0)
    }

    /// A page body and the header that describes it once its compressed size is known.
    struct Page {
        var body: [UInt8]
        var header: (_ uncompressedSize: Int32, _ compressedSize: Int32) -> PageHeader
    }

    /// Serialises `pages` with `compression`; returns the bytes, the uncompressed size including
    /// headers (what total_uncompressed_size counts) and the length of the first page.
    private func emit(_ pages: [Page], _ compression: Compression) throws(ParquetWriteError) -> ([UInt8], Int, Int) {
        var firstPageLength = 0
        var out: [UInt8] = []
        out.reserveCapacity(pages.reduce(64) { $0 + $1.body.count + 32 })
        var uncompressed = 0
        var compressed: [UInt8] = []
        for (index, page) in pages.enumerated() {
            if index == 1 { firstPageLength = out.count }
            let start = out.count
            if compression == .uncompressed {
                page.header(Int32(page.body.count), Int32(page.body.count)).serialized(into: &out)
                out.append(contentsOf: page.body)
                uncompressed += out.count - start
                continue
            }
            compressed.removeAll(keepingCapacity: true)
            let result = page.body.withUnsafeBytes { raw in
                Result { () throws(CompressionError) in try compression.compress(raw, scratch: scratch, appendingTo: &compressed) }
            }
            if case .failure(let e) = result { throw .compression(e) }
            page.header(Int32(page.body.count), Int32(compressed.count)).serialized(into: &out)
            uncompressed += out.count - start + page.body.count
            out.append(contentsOf: compressed)
        }
        return (out, uncompressed, firstPageLength)
    }

    /// Column-chunk statistics: null count, and min/max in the type's order with NaN left out
    /// (parquet-format README "Statistics"); no min/max when no value qualifies.
    static func statistics<T: ParquetValue>(_ values: [T], nullCount: Int64) -> Statistics {
        guard let (lo, hi) = values.withUnsafeBufferPointer({ T.minMax(of: $0) }) else {
            return Statistics(nullCount: nullCount, minValue: nil, maxValue: nil)
        }
        return Statistics(nullCount: nullCount, minValue: lo.statisticsBytes(isMin: true), maxValue: hi.statisticsBytes(isMin: false))
    }
}
