import Foundation
import Testing
@testable import Parquet

/// Malformed files (mutations of good ones, Tests/Interop/parquet/make_fixtures.py): each must
/// give a `ParquetReadError` naming the file and what is wrong; never a crash or a hang.
@Suite struct ReaderMalformedTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/malformed").path

    static let expected: [String: String] = {
        let data = try! Data(contentsOf: URL(fileURLWithPath: directory + "/expected.json"))
        return try! JSONDecoder().decode([String: String].self, from: data)
    }()

    static var fileNames: [String] { expected.keys.sorted() }

    /// Opens the file and reads every row group, as `parquet cat` would.
    static func readEverything(_ path: String) throws(ParquetReadError) {
        let reader = try ParquetFileReader(path: path)
        for g in 0..<reader.rowGroupCount { _ = try reader.readRowGroup(g) }
    }

    @Test(arguments: fileNames)
    func givesAClearError(file: String) throws {
        let path = Self.directory + "/" + file
        let error = try #require(throws: ParquetReadError.self) { try Self.readEverything(path) }
        #expect(error.file == path)
        #expect(error.description.hasPrefix(path + ": "))
        #expect(error.message.contains(try #require(Self.expected[file])), "\(error)")
    }

    @Test(arguments: fileNames)
    func inMemoryGivesTheSameError(file: String) throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.directory + "/" + file)))
        let error = try #require(throws: ParquetReadError.self) {
            let reader = try ParquetFileReader(bytes: bytes)
            for g in 0..<reader.rowGroupCount { _ = try reader.readRowGroup(g) }
        }
        #expect(error.file == nil)
        #expect(error.message.contains(try #require(Self.expected[file])), "\(error)")
    }

    @Test func aMissingFileIsNamed() {
        let error = #expect(throws: ParquetReadError.self) { try ParquetFileReader(path: "/nonexistent/x.parquet") }
        #expect(error?.description.hasPrefix("/nonexistent/x.parquet: cannot open") == true)
    }

    /// Every truncation and every single-byte corruption of a small good file either reads or
    /// fails with a reader error: the cheap, deterministic cousin of the fuzzer.
    @Test func everyTruncationAndByteFlipFailsCleanly() throws {
        var writer = ParquetWriter(schema: WriterTests.allTypes, options: WriterOptions(compression: .snappy))
        try writer.write(WriterTests.sample(rows: 40, seed: 3))
        let good = writer.finish()
        for n in stride(from: 0, to: good.count, by: 7) {
            #expect(throws: ParquetReadError.self) {
                let r = try ParquetFileReader(bytes: Array(good.prefix(n)))
                _ = try r.readRowGroup(0)
            }
        }
        var flipped = 0
        for i in stride(from: 0, to: good.count, by: 3) {
            var bad = good
            bad[i] ^= 0xFF
            do {
                let r = try ParquetFileReader(bytes: bad)
                for g in 0..<r.rowGroupCount { _ = try r.readRowGroup(g) }
            } catch {
                flipped += 1
            }
        }
        #expect(flipped > 0)
    }
}
