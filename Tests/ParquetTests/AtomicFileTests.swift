import Foundation
import Testing
import Parquet

/// Create-only writes never replace a file (each way of taking a name is tested in
/// DurableFilesTests); here, that Parquet's write keeps its typed `alreadyExists`.
@Suite struct AtomicFileTests {
    func tempDir() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    func contents(_ path: String) -> [UInt8]? { FileManager.default.contents(atPath: path).map { [UInt8]($0) } }

    @Test func writeWithoutOverwriteNeverReplaces() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/a.parquet"
        try ParquetFile.write([1], to: path, overwrite: false)
        #expect(throws: ParquetWriteError.alreadyExists(path: path)) { try ParquetFile.write([2], to: path, overwrite: false) }
        #expect(contents(path) == [1])
        // No temporary file is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["a.parquet"])
    }
}
