// Reading the values of a column chunk: pages, codecs, levels and encodings. Enough for the
// writer's round-trip tests and the files the writer produces; the full reader (projection,
// pruning, streaming, v2 pages from other writers) builds on it.

extension ParquetFile {
    /// Decodes column `index` of row group `group` of a file held in memory.
    public static func readColumn(_ bytes: [UInt8], metadata: FileMetaData, rowGroup group: Int, column index: Int) throws(ParquetReadError) -> ColumnValues {
        guard group < metadata.rowGroups.count, index < metadata.rowGroups[group].columns.count else {
            throw ParquetReadError("no column \(index) in row group \(group)")
        }
        let leaves = metadata.leafColumns
        guard index < leaves.count else { throw ParquetReadError("column \(index) missing from the schema") }
        let element = leaves[index]
        guard let meta = metadata.rowGroups[group].columns[index].metaData else { throw ParquetReadError("column chunk without metadata") }
        let optional = element.repetition != .required
        let rows = Int(metadata.rowGroups[group].numRows)
        let start = Int(meta.dictionaryPageOffset ?? meta.dataPageOffset)
        let end = start + Int(meta.totalCompressedSize)
        guard start >= 4, meta.totalCompressedSize >= 0, end <= bytes.count - 8 else {
            throw ParquetReadError("column \(element.name): chunk at \(start)..<\(end) lies outside the file")
        }

        var dictionary: [UInt8]?
        var dictionaryCount = 0
        var levels: [UInt64] = []
        var encodedValues: [[UInt8]] = []  // per data page: (encoding, bytes)
        var pageEncodings: [Encoding] = []
        var pageValueCounts: [Int] = []
        var position = start
        var seenRows = 0
        while position < end && seenRows < rows || (rows == 0 && position < end) {
            var r = ThriftCompactReader(bytes, range: position..<end)
            let header: PageHeader
            do { header = try PageHeader.decode(&r) } catch { throw ParquetReadError("column \(element.name): page header: \(error)") }
            let bodyStart = r.position
            let compressedSize = Int(header.compressedPageSize)
            guard compressedSize >= 0, header.uncompressedPageSize >= 0, bodyStart + compressedSize <= end else {
                throw ParquetReadError("column \(element.name): page of \(compressedSize) bytes runs past the chunk")
            }
            // An uncompressed size far above what any codec could expand to is a lie.
            guard Int(header.uncompressedPageSize) <= max(compressedSize, 1) * 1100 + 1024 else {
                throw ParquetReadError("column \(element.name): page claims \(header.uncompressedPageSize) uncompressed bytes from \(compressedSize)")
            }
            position = bodyStart + compressedSize
            let body: [UInt8]
            do {
                body = try bytes.withUnsafeBytes { (raw) throws(CompressionError) in
                    try decompress(meta.codec, UnsafeRawBufferPointer(rebasing: raw[bodyStart..<(bodyStart + compressedSize)]),
                                   uncompressedSize: Int(header.uncompressedPageSize))
                }
            } catch {
                throw ParquetReadError("column \(element.name): \(error)")
            }
            switch header.type {
            case .dictionaryPage:
                guard let d = header.dictionaryPageHeader, d.numValues >= 0 else { throw ParquetReadError("dictionary page without its header") }
                dictionary = body
                dictionaryCount = Int(d.numValues)
            case .dataPage:
                guard let d = header.dataPageHeader, d.numValues >= 0 else { throw ParquetReadError("data page without its header") }
                let n = Int(d.numValues)
                try withBytes(body) { (raw) throws(ParquetReadError) in
                    var c = ByteCursor(raw)
                    var present = n
                    if optional {
                        let len = try c.take(4)
                        let l = Int(len[0]) | Int(len[1]) << 8 | Int(len[2]) << 16 | Int(len[3]) << 24
                        var lc = ByteCursor(try c.take(l))
                        let pageLevels = try RLEHybrid.decode(&lc, width: 1, count: n)
                        present = pageLevels.reduce(0) { $0 + Int($1) }
                        levels.append(contentsOf: pageLevels)
                    }
                    encodedValues.append(Array(UnsafeRawBufferPointer(rebasing: raw[c.position...])))
                    pageEncodings.append(d.encoding)
                    pageValueCounts.append(present)
                }
                seenRows += n
            default:
                throw ParquetReadError("column \(element.name): page type \(header.type) not supported")
            }
        }
        guard seenRows == rows else { throw ParquetReadError("column \(element.name): pages hold \(seenRows) rows, the row group \(rows)") }

        func values<T: ParquetPlainDecodable>(_: T.Type) throws(ParquetReadError) -> [T?] {
            var dict: [T] = []
            if let dictionary {
                try withBytes(dictionary) { (raw) throws(ParquetReadError) in
                    var c = ByteCursor(raw)
                    dict = try T.decodePlain(&c, count: dictionaryCount)
                }
            }
            var flat: [T] = []
            for (k, page) in encodedValues.enumerated() {
                try withBytes(page) { (raw) throws(ParquetReadError) in
                    var c = ByteCursor(raw)
                    let n = pageValueCounts[k]
                    switch pageEncodings[k] {
                    case .plain: flat.append(contentsOf: try T.decodePlain(&c, count: n))
                    case .rleDictionary, .plainDictionary:
                        let width = Int(try c.byte())
                        for i in try RLEHybrid.decode(&c, width: width, count: n) {
                            guard i < UInt64(dict.count) else { throw ParquetReadError("dictionary index \(i) out of \(dict.count)") }
                            flat.append(dict[Int(i)])
                        }
                    case .deltaBinaryPacked:
                        let ints = try DeltaBinaryPacked.decode(&c)
                        guard ints.count == n else { throw ParquetReadError("DELTA_BINARY_PACKED holds \(ints.count) values, expected \(n)") }
                        flat.append(contentsOf: try ints.map { (v) throws(ParquetReadError) in try T.fromInt64(v) })
                    default:
                        throw ParquetReadError("encoding \(pageEncodings[k]) not supported")
                    }
                }
            }
            guard optional else { return flat }
            var out: [T?] = []
            out.reserveCapacity(levels.count)
            var it = flat.makeIterator()
            for l in levels { out.append(l == 1 ? it.next() : nil) }
            return out
        }

        switch meta.type {
        case .boolean: return .boolean(try values(Bool.self))
        case .int32: return .int32(try values(Int32.self))
        case .int64: return .int64(try values(Int64.self))
        case .float: return .float(try values(Float.self))
        case .double: return .double(try values(Double.self))
        case .byteArray: return .string(try values(String.self))
        default: throw ParquetReadError("column \(element.name): physical type \(meta.type) not supported")
        }
    }
}

/// Values the reader can decode from PLAIN bytes.
protocol ParquetPlainDecodable {
    static func decodePlain(_ c: inout ByteCursor, count: Int) throws(ParquetReadError) -> [Self]
    static func fromInt64(_ v: Int64) throws(ParquetReadError) -> Self
}

extension ParquetPlainDecodable {
    static func fromInt64(_ v: Int64) throws(ParquetReadError) -> Self { throw ParquetReadError("DELTA_BINARY_PACKED on a non-integer column") }
}

extension ParquetPlainDecodable where Self: ParquetFixedWidthValue {
    static func decodePlain(_ c: inout ByteCursor, count: Int) throws(ParquetReadError) -> [Self] {
        let raw = try c.take(count * MemoryLayout<Self>.size)
        return (0..<count).map { raw.loadUnaligned(fromByteOffset: $0 * MemoryLayout<Self>.size, as: Self.self) }
    }
}

extension Float: ParquetPlainDecodable {}
extension Double: ParquetPlainDecodable {}
extension Int32: ParquetPlainDecodable {
    static func fromInt64(_ v: Int64) throws(ParquetReadError) -> Int32 {
        guard let r = Int32(exactly: v) else { throw ParquetReadError("INT32 delta value \(v) out of range") }
        return r
    }
}
extension Int64: ParquetPlainDecodable {
    static func fromInt64(_ v: Int64) throws(ParquetReadError) -> Int64 { v }
}

extension Bool: ParquetPlainDecodable {
    static func decodePlain(_ c: inout ByteCursor, count: Int) throws(ParquetReadError) -> [Bool] {
        let raw = try c.take((count + 7) / 8)
        return (0..<count).map { raw[$0 >> 3] >> UInt8($0 & 7) & 1 == 1 }
    }
}

extension String: ParquetPlainDecodable {
    static func decodePlain(_ c: inout ByteCursor, count: Int) throws(ParquetReadError) -> [String] {
        guard count <= c.remaining / 4 + 1 else { throw ParquetReadError("\(count) strings cannot fit in \(c.remaining) bytes") }
        var out: [String] = []
        out.reserveCapacity(count)
        for _ in 0..<count {
            let len = try c.take(4)
            let n = Int(len[0]) | Int(len[1]) << 8 | Int(len[2]) << 16 | Int(len[3]) << 24
            guard let s = String(validating: try c.take(n), as: UTF8.self) else { throw ParquetReadError("BYTE_ARRAY value is not UTF-8") }
            out.append(s)
        }
        return out
    }
}

/// `withUnsafeBytes` with the typed error of the reader.
func withBytes<R>(_ a: [UInt8], _ body: (UnsafeRawBufferPointer) throws(ParquetReadError) -> R) throws(ParquetReadError) -> R {
    try a.withUnsafeBytes { raw in Result { () throws(ParquetReadError) in try body(raw) } }.get()
}
