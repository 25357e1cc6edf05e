import Foundation
import Testing
@testable import Parquet

/// Files pyarrow (and polars, the Python collector's way) wrote in many layouts, read back to
/// exactly the values pyarrow reads (Tests/Interop/parquet/make_fixtures.py writes both).
@Suite struct ReaderFixtureTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/pyarrow").path

    struct Expected: Decodable {
        struct File: Decodable {
            var rows: Int
            var row_groups: Int
            var encodings: [String]
            var table: String
        }
        struct Column: Decodable {
            var name: String
            var type: String
            var optional: Bool
            var values: [JSONValue?]
        }
        var files: [String: File]
        var tables: [String: [Column]]
    }

    /// A JSON scalar: integers exactly (bit patterns of floats exceed Double's precision).
    enum JSONValue: Decodable, Equatable {
        case int(Int64), uint(UInt64), bool(Bool), string(String)
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let b = try? c.decode(Bool.self) { self = .bool(b) }
            else if let i = try? c.decode(Int64.self) { self = .int(i) }
            else if let u = try? c.decode(UInt64.self) { self = .uint(u) }
            else { self = .string(try c.decode(String.self)) }
        }
    }

    static let expected: Expected = {
        let data = try! Data(contentsOf: URL(fileURLWithPath: directory + "/expected.json"))
        return try! JSONDecoder().decode(Expected.self, from: data)
    }()

    static var fileNames: [String] { expected.files.keys.sorted() }

    /// What our values are, in expected.json's terms.
    static func canonical(_ values: ColumnValues) -> [JSONValue?] {
        switch values {
        case .boolean(let v): v.map { $0.map(JSONValue.bool) }
        case .int32(let v): v.map { $0.map { .int(Int64($0)) } }
        case .int64(let v): v.map { $0.map { .int($0) } }
        case .float(let v): v.map { $0.map { .int(Int64($0.bitPattern)) } }
        case .double(let v): v.map { $0.map { d in d.bitPattern > UInt64(Int64.max) ? .uint(d.bitPattern) : .int(Int64(d.bitPattern)) } }
        case .string(let v): v.map { $0.map(JSONValue.string) }
        }
    }

    @Test(arguments: fileNames)
    func readsExactlyPyarrowsValues(file: String) throws {
        let info = try #require(Self.expected.files[file])
        let columns = try #require(Self.expected.tables[info.table])
        let reader = try ParquetFileReader(path: Self.directory + "/" + file)
        #expect(reader.rowCount == info.rows)
        #expect(reader.rowGroupCount == info.row_groups)
        #expect(reader.columns.map(\.name) == columns.map(\.name))
        var read = Array(repeating: [JSONValue?](), count: reader.columns.count)
        for g in 0..<reader.rowGroupCount {
            let values = try reader.readRowGroup(g)
            for (c, v) in values.enumerated() {
                #expect(v.count == reader.rowCount(ofRowGroup: g))
                read[c] += Self.canonical(v)
            }
        }
        for (c, column) in columns.enumerated() {
            #expect(reader.columns[c].isOptional == column.optional, "\(file) \(column.name)")
            #expect(read[c] == column.values, "\(file) column \(column.name)")
        }
    }

    @Test func readsLogicalTypesForFormatting() throws {
        let reader = try ParquetFileReader(path: Self.directory + "/types_snappy.parquet")
        #expect(reader.column(named: "ts_ms")?.timestampUnit == .millis)
        #expect(reader.column(named: "ts_us")?.timestampUnit == .micros)
        #expect(reader.column(named: "ts_ns")?.timestampUnit == .nanos)
        #expect(reader.column(named: "ts_ms")?.columnType == .timestampMillisUTC)
        #expect(reader.column(named: "s")?.isString == true)
        #expect(reader.column(named: "i64")?.timestampUnit == nil)
        #expect(reader.column(named: "req_s")?.isOptional == false)
        let old = try ParquetFileReader(path: Self.directory + "/plain_dictionary_v1.parquet")
        #expect(old.column(named: "ts_ms")?.timestampUnit == .millis)
    }

    @Test func fixturesCoverTheLayoutsTheyAreNamedFor() throws {
        // Guards against a pyarrow upgrade silently changing what the fixtures exercise.
        func encodings(_ file: String) throws -> Set<Encoding> {
            let r = try ParquetFileReader(path: Self.directory + "/" + file)
            return Set(r.metadata.rowGroups.flatMap { $0.columns.flatMap { $0.metaData?.encodings ?? [] } })
        }
        #expect(try encodings("byte_stream_split.parquet").contains(.byteStreamSplit))
        #expect(try encodings("delta.parquet").isSuperset(of: [.deltaBinaryPacked, .deltaLengthByteArray, .deltaByteArray]))
        #expect(try encodings("plain_dictionary_v1.parquet").contains(.plainDictionary))
        #expect(try encodings("types_snappy.parquet").contains(.rleDictionary))
        #expect(try encodings("v2_nodict_rle_boolean.parquet").contains(.rle))
        let small = try ParquetFileReader(path: Self.directory + "/small_pages.parquet")
        let meta = try #require(small.metadata.rowGroups[0].columns[1].metaData)
        #expect(meta.totalCompressedSize > 600, "several pages in one chunk")
        let codecs = try ["types_none", "types_snappy", "types_gzip", "types_zstd"].map { f in
            try ParquetFileReader(path: Self.directory + "/\(f).parquet").metadata.rowGroups[0].columns[0].metaData?.codec
        }
        #expect(codecs == [.uncompressed, .snappy, .gzip, .zstd])
    }
}
