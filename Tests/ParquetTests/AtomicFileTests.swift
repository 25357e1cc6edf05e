import Foundation
import Testing
@testable import Parquet

/// Create-only writes never replace a file, whichever way the file system lets the name be
/// taken (Sources/Parquet/Write/AtomicFile.swift). Each way is tested alone, as a file system
/// that refuses the others would leave it.
@Suite struct AtomicFileTests {
    func tempDir() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    func contents(_ path: String) -> [UInt8]? { FileManager.default.contents(atPath: path).map { [UInt8]($0) } }

    @Test(arguments: ParquetFile.NoReplace.allCases)
    func eachWayTakesAFreeNameAndRefusesATakenOne(way: ParquetFile.NoReplace) throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let temp = dir + "/.tmp-a", final = dir + "/data_0015.parquet"
        _ = FileManager.default.createFile(atPath: temp, contents: Data([1, 2, 3]))
        try ParquetFile.publishWithoutReplacing(temp, as: final, ways: [way])
        #expect(contents(final) == [1, 2, 3])
        #expect(!FileManager.default.fileExists(atPath: temp))
        // A second file for the same name: refused, both left as they were.
        _ = FileManager.default.createFile(atPath: temp, contents: Data([9]))
        #expect(throws: ParquetWriteError.alreadyExists(path: final)) {
            try ParquetFile.publishWithoutReplacing(temp, as: final, ways: [way])
        }
        #expect(contents(final) == [1, 2, 3])
        #expect(contents(temp) == [9])
    }

    @Test func aWayTheFileSystemRefusesFallsThroughToTheNext() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // link() of a directory fails with EPERM on Linux, as link() of anything does on FAT:
        // the next way is tried, and renameat2 moves the directory.
        let temp = dir + "/.tmp-dir", final = dir + "/moved"
        try FileManager.default.createDirectory(atPath: temp, withIntermediateDirectories: false)
        try ParquetFile.publishWithoutReplacing(temp, as: final, ways: [.link, .renameNoReplace])
        var isDir: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: final, isDirectory: &isDir) && isDir.boolValue)
        // With no way left, the error names what was refused.
        try FileManager.default.createDirectory(atPath: temp, withIntermediateDirectories: false)
        #expect { try ParquetFile.publishWithoutReplacing(temp, as: dir + "/other", ways: [.link]) } throws: {
            "\($0)".contains("refuses every way") && "\($0)".contains("link")
        }
    }

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
