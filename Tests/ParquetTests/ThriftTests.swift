import Testing
@testable import Parquet

@Suite struct ThriftTests {
    @Test func fieldHeadersUseDeltasAndZigzag() {
        var w = ThriftCompactWriter()
        w.struct { w in
            w.field(1, i32: -1)  // delta 1, type i32 (5), zigzag(-1) = 1
            w.field(3, i64: 150)  // delta 2, type i64 (6), zigzag(150) = 300 = 0xAC 0x02
            w.field(20, bool: true)  // delta 17 > 15: long form, type 1, zigzag(20) = 40
            w.field(21, string: "hi")
        }
        #expect(w.bytes == [0x15, 0x01, 0x26, 0xAC, 0x02, 0x01, 0x28, 0x18, 0x02, 0x68, 0x69, 0x00])
    }

    @Test func footerRoundTrips() throws {
        let meta = FileMetaData(
            version: 1,
            schema: [SchemaElement(name: "schema", numChildren: 2),
                     SchemaElement(type: .int64, repetition: .optional, name: "timestamp", convertedType: 9,
                                   logicalType: .timestamp(isAdjustedToUTC: true, unit: .millis)),
                     SchemaElement(type: .byteArray, repetition: .required, name: "s", convertedType: 0, logicalType: .string)],
            numRows: 3,
            rowGroups: [RowGroup(columns: [
                ColumnChunk(fileOffset: 4, metaData: ColumnMetaData(
                    type: .int64, encodings: [.rle, .deltaBinaryPacked], pathInSchema: ["timestamp"], codec: .snappy,
                    numValues: 3, totalUncompressedSize: 40, totalCompressedSize: 38, dataPageOffset: 4,
                    dictionaryPageOffset: nil, statistics: Statistics(nullCount: 0, minValue: [1, 0, 0, 0, 0, 0, 0, 0], maxValue: [9, 0, 0, 0, 0, 0, 0, 0]))),
                ColumnChunk(fileOffset: 42, metaData: ColumnMetaData(
                    type: .byteArray, encodings: Array(repeating: .plain, count: 20), pathInSchema: ["s"], codec: .zstd,
                    numValues: 3, totalUncompressedSize: 1 << 40, totalCompressedSize: 10, dataPageOffset: 50,
                    dictionaryPageOffset: 42, statistics: nil)),
            ], totalByteSize: 60, numRows: 3, fileOffset: 4, totalCompressedSize: 50, ordinal: 0)],
            keyValueMetadata: [KeyValue(key: "k", value: "v"), KeyValue(key: "empty", value: nil)],
            createdBy: "opensensor version test",
            columnOrders: [true, true])
        let bytes = meta.serialized()
        var r = ThriftCompactReader(bytes)
        #expect(try FileMetaData.decode(&r) == meta)
        #expect(r.remaining == 0)
    }

    @Test func pageHeaderRoundTrips() throws {
        let headers = [
            PageHeader(type: .dataPage, uncompressedPageSize: 100, compressedPageSize: 80,
                       dataPageHeader: DataPageHeader(numValues: 10, encoding: .rleDictionary, definitionLevelEncoding: .rle, repetitionLevelEncoding: .rle)),
            PageHeader(type: .dictionaryPage, uncompressedPageSize: 7, compressedPageSize: 7,
                       dictionaryPageHeader: DictionaryPageHeader(numValues: 2, encoding: .plain)),
            PageHeader(type: .dataPageV2, uncompressedPageSize: 70000, compressedPageSize: 1,
                       dataPageHeaderV2: DataPageHeaderV2(numValues: 5, numNulls: 1, numRows: 5, encoding: .plain,
                                                          definitionLevelsByteLength: 3, repetitionLevelsByteLength: 0, isCompressed: false)),
        ]
        for h in headers {
            var bytes: [UInt8] = []
            h.serialized(into: &bytes)
            var r = ThriftCompactReader(bytes)
            #expect(try PageHeader.decode(&r) == h)
        }
    }

    @Test func unknownFieldsAreSkipped() throws {
        var w = ThriftCompactWriter()
        w.struct { w in
            w.field(1, i32: 2)
            w.field(2, i32: 1)
            w.field(3, i32: 3)
            w.field(4) { w in w.field(1, string: "ignored"); w.field(2, i64: 1) }  // unknown (IndexPageHeader)
            w.fieldListBegin(9, elementType: .i32, count: 20)
            for i in 0..<20 { w.listElement(i32: Int32(i)) }
        }
        var r = ThriftCompactReader(w.bytes)
        let h = try PageHeader.decode(&r)
        #expect(h.type == .dictionaryPage && h.uncompressedPageSize == 1 && h.compressedPageSize == 3)
    }

    @Test(arguments: [
        ([0x15] as [UInt8], "unexpected end"),  // field header then nothing
        ([0x19, 0xF5, 0xFF, 0xFF, 0xFF, 0x0F], "cannot fit"),  // list claiming ~4 billion elements
        ([0x18, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F], "exceeds"),  // binary claiming 4 GiB
        ([0x15, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], "out of range"),  // i32 wider than 32 bits
        ([0x1D], "unknown field type"),
    ])
    func malformedInputThrows(bytes: [UInt8], needle: String) {
        var r = ThriftCompactReader(bytes)
        #expect { try FileMetaData.decode(&r) } throws: { "\($0)".contains(needle) }
    }

    @Test func deepNestingIsRefused() {
        // 1000 nested structs in field 4 of a page header: refused, not a stack overflow.
        let bytes = [UInt8](repeating: 0x1C, count: 1000)
        var r = ThriftCompactReader(bytes)
        #expect { try PageHeader.decode(&r) } throws: { "\($0)".contains("deeper") }
    }

    @Test func requiredFieldsAreChecked() {
        var w = ThriftCompactWriter()
        w.struct { w in w.field(1, i32: 1) }  // FileMetaData with only its version
        var r = ThriftCompactReader(w.bytes)
        #expect { try FileMetaData.decode(&r) } throws: { "\($0)".contains("lacks required field schema") }
    }
}
